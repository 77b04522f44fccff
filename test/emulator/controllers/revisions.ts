// ControllerRevisions, the history the statefulset and daemonset controllers keep of their
// pod templates: one per template (named `<owner>-<hash>`, labelled with the hash, numbered);
// returning to an earlier template renumbers its revision instead of making a new one.
import type { KObject } from '../store.js';
import { ownerReference, typeOf, type ControllerContext } from './context.js';
import { owned, templateHash } from './workload.js';

const revisions = typeOf('controllerrevisions');

export interface Revision {
  name: string;
  hash: string;
  template: KObject['spec']['template'];
}

/** The revision of the owner's current template, created or renumbered as needed. */
export function currentTemplateRevision(ctx: ControllerContext, owner: KObject): Revision {
  const { api } = ctx;
  const { namespace } = owner.metadata;
  const hash = templateHash(owner.spec.template);
  const name = `${owner.metadata.name}-${hash}`;
  const history = owned(api.store.list(revisions, namespace), owner);
  const latest = Math.max(0, ...history.map((r) => Number(r.revision ?? 0)));
  const existing = history.find((r) => r.metadata.name === name);
  if (!existing) {
    api.create(
      revisions,
      namespace,
      {
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: {
          name,
          namespace,
          labels: {
            ...owner.spec.template.metadata?.labels,
            'controller.kubernetes.io/hash': hash
          },
          ownerReferences: [ownerReference(owner)]
        },
        data: {
          spec: { template: { ...structuredClone(owner.spec.template), $patch: 'replace' } }
        },
        revision: latest + 1
      },
      { fieldManager: 'kube-controller-manager', fieldValidation: 'Ignore' }
    );
  } else if (Number(existing.revision) < latest) {
    api.mutate(
      revisions,
      namespace,
      name,
      (o) => {
        o.revision = latest + 1;
      },
      'kube-controller-manager'
    );
  }
  return { name, hash, template: owner.spec.template };
}

/** The template a named revision recorded (for pods kept at an older revision), if any. */
export function revisionTemplate(
  ctx: ControllerContext,
  namespace: string | undefined,
  name: string
): KObject['spec']['template'] | undefined {
  const found = ctx.api.store.get(revisions, namespace, name)?.data?.spec?.template;
  if (!found) return undefined;
  const template = structuredClone(found);
  delete template.$patch;
  return template;
}
