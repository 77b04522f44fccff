// The daemonset controller (pkg/controller/daemon): one pod per node that matches the
// template's nodeSelector, pinned there by node affinity (`matchFields metadata.name`) as the
// controller does since the default scheduler places DaemonSet pods, with the tolerations it
// adds, labelled `controller-revision-hash` (the template hash) and `pod-template-generation`.
// RollingUpdate (the default, maxUnavailable 1) deletes pods of an older template while no
// more than maxUnavailable are unavailable; OnDelete waits. Status: desiredNumberScheduled,
// currentNumberScheduled, numberMisscheduled, numberReady, numberAvailable,
// updatedNumberScheduled, numberUnavailable, observedGeneration.
import { labelSelectorMatches } from '../selectors.js';
import type { KObject } from '../store.js';
import { createOwnedPod, deleteOwnedPod, typeOf, type ControllerContext } from './context.js';
import { currentTemplateRevision } from './revisions.js';
import { owned, podReady, requeue, resolvePercent, writeStatus } from './workload.js';

const daemonsets = typeOf('daemonsets');
const pods = typeOf('pods');
const nodes = typeOf('nodes');
const CONTROLLER = 'daemonset-controller';

const TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }
];

/** The node a DaemonSet pod is pinned to (its affinity term), or bound to. */
export function pinnedNode(pod: KObject): string | undefined {
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
      ?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    const field = (term.matchFields ?? []).find(
      (f: { key: string; operator: string }) => f.key === 'metadata.name' && f.operator === 'In'
    );
    if (field?.values?.length) return field.values[0];
  }
  return pod.spec?.nodeName;
}

function affinityFor(node: string, template: KObject['spec']['template']) {
  return {
    ...template.spec?.affinity,
    nodeAffinity: {
      ...template.spec?.affinity?.nodeAffinity,
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }
        ]
      }
    }
  };
}

export function reconcileDaemonSet(ctx: ControllerContext, ds: KObject): void {
  const { api } = ctx;
  const { namespace } = ds.metadata;
  const revision = currentTemplateRevision(ctx, ds);
  const generation = String(ds.metadata.generation ?? 1);
  const selector = ds.spec.template.spec?.nodeSelector;
  const eligible = api.store
    .list(nodes)
    .filter((n) => !selector || labelSelectorMatches({ matchLabels: selector }, n.metadata.labels))
    .map((n) => n.metadata.name);
  const mine = owned(api.store.list(pods, namespace), ds);
  const onNode = (node: string) => mine.filter((p) => pinnedNode(p) === node);
  const remove = (pod: KObject) => deleteOwnedPod(ctx, ds, pod, CONTROLLER);
  const updated = (pod: KObject) =>
    pod.metadata.labels?.['controller-revision-hash'] === revision.hash;

  let failure = false;
  for (const node of eligible) {
    const [keep, ...extra] = onNode(node).sort((a, b) => Number(updated(b)) - Number(updated(a)));
    extra.forEach(remove);
    if (keep || failure) continue;
    failure =
      createOwnedPod(ctx, ds, CONTROLLER, {
        labels: {
          'controller-revision-hash': revision.hash,
          'pod-template-generation': generation
        },
        spec: {
          affinity: affinityFor(node, ds.spec.template),
          tolerations: [...(ds.spec.template.spec?.tolerations ?? []), ...TOLERATIONS]
        }
      }).error !== undefined;
  }
  for (const pod of mine.filter((p) => !eligible.includes(pinnedNode(p) ?? ''))) remove(pod);

  if (ds.spec.updateStrategy?.type !== 'OnDelete') {
    const current = owned(api.store.list(pods, namespace), ds);
    const maxUnavailable = Math.max(
      1,
      resolvePercent(
        ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1,
        eligible.length,
        false
      )
    );
    const unavailable = eligible.filter(
      (node) => !current.some((p) => pinnedNode(p) === node && podReady(p))
    ).length;
    let budget = maxUnavailable - unavailable;
    for (const pod of current.filter((p) => !updated(p))) {
      if (!podReady(pod)) remove(pod);
      else if (budget > 0) {
        remove(pod);
        budget--;
      }
    }
  }
  if (failure) requeue(ctx, daemonsets, ds, reconcileDaemonSet);

  const live = owned(api.store.list(pods, namespace), ds);
  const scheduled = eligible.filter((node) => live.some((p) => pinnedNode(p) === node));
  const ready = live.filter((p) => eligible.includes(pinnedNode(p) ?? '') && podReady(p)).length;
  const status = {
    currentNumberScheduled: scheduled.length,
    desiredNumberScheduled: eligible.length,
    numberMisscheduled: live.filter((p) => !eligible.includes(pinnedNode(p) ?? '')).length,
    numberReady: ready,
    numberAvailable: ready,
    updatedNumberScheduled: eligible.filter((node) =>
      live.some((p) => pinnedNode(p) === node && updated(p))
    ).length,
    numberUnavailable: eligible.length - ready,
    observedGeneration: ds.metadata.generation
  };
  writeStatus(ctx, daemonsets, ds, status, [
    'currentNumberScheduled',
    'desiredNumberScheduled',
    'numberMisscheduled',
    'numberReady'
  ]);
}
