// The statefulset controller (pkg/controller/statefulset): pods `<name>-0 … <name>-N-1` with
// stable names, each labelled with the ControllerRevision it was made from
// (`controller-revision-hash`), `statefulset.kubernetes.io/pod-name` and
// `apps.kubernetes.io/pod-index`, hostname and subdomain set, and a PersistentVolumeClaim per
// volumeClaimTemplate (`<claim>-<pod>`, bound at once). OrderedReady (the default) creates
// one pod at a time, each once the ones below it are Running and Ready, and removes surplus
// pods from the highest ordinal; Parallel does all at once. RollingUpdate replaces pods from
// the highest ordinal down to `partition`, one at a time, each once the ones above are
// healthy; OnDelete waits for pods to be deleted. Status: replicas, readyReplicas,
// availableReplicas, currentReplicas, updatedReplicas, currentRevision, updateRevision,
// collisionCount, observedGeneration.
import { randomUUID } from 'node:crypto';
import type { KObject } from '../store.js';
import { createPodFor, ownerReference, typeOf, type ControllerContext } from './context.js';
import { currentTemplateRevision, revisionTemplate } from './revisions.js';
import { owned, podReady, requeue, writeStatus } from './workload.js';

const statefulsets = typeOf('statefulsets');
const pods = typeOf('pods');
const claims = typeOf('persistentvolumeclaims');
const REVISION_LABEL = 'controller-revision-hash';
const CONTROLLER = 'statefulset-controller';

const healthy = (pod: KObject | undefined) =>
  !!pod && pod.status?.phase === 'Running' && podReady(pod) && !pod.metadata.deletionTimestamp;
const failed = (pod: KObject) => pod.status?.phase === 'Failed';

function ordinalOf(set: KObject, pod: KObject): number {
  const match = new RegExp(`^${set.metadata.name}-(\\d+)$`).exec(pod.metadata.name);
  return match ? Number(match[1]) : -1;
}

/** The claims of `volumeClaimTemplates` for one pod, created when missing; their volumes. */
function ensureClaims(ctx: ControllerContext, set: KObject, podName: string) {
  const volumes = [];
  for (const template of set.spec.volumeClaimTemplates ?? []) {
    const claimName = `${template.metadata.name}-${podName}`;
    volumes.push({ name: template.metadata.name, persistentVolumeClaim: { claimName } });
    if (ctx.api.store.get(claims, set.metadata.namespace, claimName)) continue;
    ctx.api.create(
      claims,
      set.metadata.namespace,
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name: claimName,
          labels: { ...set.spec.selector?.matchLabels },
          ...(set.spec.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete'
            ? { ownerReferences: [ownerReference(set)] }
            : {})
        },
        spec: { ...template.spec, volumeName: `pvc-${randomUUID()}` },
        status: {
          phase: 'Bound',
          accessModes: template.spec?.accessModes,
          capacity: template.spec?.resources?.requests
        }
      },
      { fieldManager: 'kube-controller-manager', fieldValidation: 'Ignore' }
    );
    ctx.events.record(
      set,
      'Normal',
      'SuccessfulCreate',
      `create Claim ${claimName} Pod ${podName} in StatefulSet ${set.metadata.name} success`,
      CONTROLLER
    );
  }
  return volumes;
}

function createPod(
  ctx: ControllerContext,
  set: KObject,
  ordinal: number,
  revision: { name: string; template: KObject['spec']['template'] }
): boolean {
  const name = `${set.metadata.name}-${ordinal}`;
  const volumes = ensureClaims(ctx, set, name);
  const created = createPodFor(
    ctx,
    { ...set, spec: { ...set.spec, template: revision.template } },
    {
      name,
      labels: {
        [REVISION_LABEL]: revision.name,
        'statefulset.kubernetes.io/pod-name': name,
        'apps.kubernetes.io/pod-index': String(ordinal)
      },
      spec: {
        hostname: name,
        ...(set.spec.serviceName ? { subdomain: set.spec.serviceName } : {}),
        ...(volumes.length
          ? { volumes: [...(revision.template.spec?.volumes ?? []), ...volumes] }
          : {})
      }
    }
  );
  const outcome = created.error === undefined ? 'successful' : `failed error: ${created.error}`;
  ctx.events.record(
    set,
    created.error === undefined ? 'Normal' : 'Warning',
    created.error === undefined ? 'SuccessfulCreate' : 'FailedCreate',
    `create Pod ${name} in StatefulSet ${set.metadata.name} ${outcome}`,
    CONTROLLER
  );
  if (created.error !== undefined) requeue(ctx, statefulsets, set, reconcileStatefulSet);
  return created.error === undefined;
}

function deletePod(ctx: ControllerContext, set: KObject, pod: KObject): void {
  ctx.api.delete(pods, pod.metadata.namespace, pod.metadata.name, {});
  ctx.events.record(
    set,
    'Normal',
    'SuccessfulDelete',
    `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`,
    CONTROLLER
  );
}

/** One pass of updateStatefulSet: at most the steps the pod management policy allows. */
function syncPods(
  ctx: ControllerContext,
  set: KObject,
  update: { name: string; template: KObject['spec']['template'] },
  currentRevision: string
): void {
  const { namespace } = set.metadata;
  const replicas = set.spec.replicas ?? 1;
  const ordered = (set.spec.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
  const mine = ctx.api.store
    .list(pods, namespace)
    .filter((p) =>
      p.metadata.ownerReferences?.some((r: { uid: string }) => r.uid === set.metadata.uid)
    );
  const byOrdinal = new Map(mine.map((p) => [ordinalOf(set, p), p]));
  const partition = set.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
  const templateFor = (ordinal: number) => {
    if (ordinal >= partition || currentRevision === update.name) return update;
    const template = revisionTemplate(ctx, namespace, currentRevision);
    return template ? { name: currentRevision, template } : update;
  };

  for (let ordinal = 0; ordinal < replicas; ordinal++) {
    const pod = byOrdinal.get(ordinal);
    if (pod && failed(pod) && !pod.metadata.deletionTimestamp) {
      deletePod(ctx, set, pod);
      if (ordered) return;
      continue;
    }
    if (!pod) {
      const made = createPod(ctx, set, ordinal, templateFor(ordinal));
      if (ordered || !made) return;
      continue;
    }
    if (ordered && !healthy(pod)) return;
  }
  const condemned = [...byOrdinal]
    .filter(
      ([ordinal, pod]) => (ordinal >= replicas || ordinal < 0) && !pod.metadata.deletionTimestamp
    )
    .sort(([a], [b]) => b - a);
  for (const [, pod] of condemned) {
    if (
      ordered &&
      [...byOrdinal.values()].some((p) => p !== pod && !healthy(p) && ordinalOf(set, p) < replicas)
    )
      return;
    deletePod(ctx, set, pod);
    if (ordered) return;
  }
  if (set.spec.updateStrategy?.type === 'OnDelete') return;
  for (let ordinal = replicas - 1; ordinal >= partition; ordinal--) {
    const pod = byOrdinal.get(ordinal);
    if (!pod) return;
    if (pod.metadata.labels?.[REVISION_LABEL] !== update.name && !pod.metadata.deletionTimestamp) {
      deletePod(ctx, set, pod);
      return;
    }
    if (!healthy(pod)) return;
  }
}

export function reconcileStatefulSet(ctx: ControllerContext, set: KObject): void {
  const { api } = ctx;
  const { namespace } = set.metadata;
  const update = currentTemplateRevision(ctx, set);
  const currentRevision: string = set.status?.currentRevision ?? update.name;
  syncPods(ctx, set, update, currentRevision);

  const mine = owned(api.store.list(pods, namespace), set);
  const count = (test: (p: KObject) => boolean) => mine.filter(test).length;
  const revisionOf = (p: KObject) => p.metadata.labels?.[REVISION_LABEL];
  const status = {
    observedGeneration: set.metadata.generation,
    replicas: mine.length,
    readyReplicas: count(podReady),
    availableReplicas: count(podReady),
    currentReplicas: count((p) => revisionOf(p) === currentRevision),
    updatedReplicas: count((p) => revisionOf(p) === update.name),
    currentRevision,
    updateRevision: update.name,
    collisionCount: 0
  };
  if (
    set.spec.updateStrategy?.type !== 'OnDelete' &&
    status.updatedReplicas === status.replicas &&
    status.readyReplicas === status.replicas
  ) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = update.name;
  }
  writeStatus(ctx, statefulsets, set, status, ['replicas', 'availableReplicas', 'collisionCount']);
}
