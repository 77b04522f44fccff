// The replicaset controller: creates pods from the template up to spec.replicas (stopping at
// the first refusal, with `FailedCreate` and the `ReplicaFailure` condition, and trying again
// after a back-off), deletes the surplus (unready first), and reports status.
import { labelSelectorMatches } from '../selectors.js';
import type { KObject } from '../store.js';
import { createOwnedPod, typeOf, type ControllerContext } from './context.js';
import { owned, podReady, removeCondition, setCondition, type Condition } from './workload.js';

const replicasets = typeOf('replicasets');
const pods = typeOf('pods');

export function reconcileReplicaSet(ctx: ControllerContext, rs: KObject): void {
  const { api, events } = ctx;
  const { namespace } = rs.metadata;
  const mine = owned(api.store.list(pods, namespace), rs);
  const want = rs.spec.replicas ?? 1;
  let failure: string | undefined;
  for (let i = mine.length; i < want && failure === undefined; i++) {
    failure = createOwnedPod(ctx, rs, 'replicaset-controller').error;
  }
  if (mine.length > want) {
    const byUnready = [...mine].sort((a, b) => Number(podReady(a)) - Number(podReady(b)));
    for (const pod of byUnready.slice(0, mine.length - want)) {
      api.delete(pods, namespace, pod.metadata.name, {});
      events.record(
        rs,
        'Normal',
        'SuccessfulDelete',
        `Deleted pod: ${pod.metadata.name}`,
        'replicaset-controller'
      );
    }
  }
  if (failure !== undefined) {
    // The controller's rate-limited requeue: quota may free up as other pods go.
    ctx.later(
      ctx.settings.podReadyDelayMs * 2,
      () => {
        const latest = api.store.get(replicasets, namespace, rs.metadata.name);
        if (latest?.metadata.uid === rs.metadata.uid) reconcileReplicaSet(ctx, latest);
      },
      `replicaset-retry/${rs.metadata.uid}`
    );
  }
  const current = owned(api.store.list(pods, namespace), rs);
  const ready = current.filter(podReady).length;
  api.mutate(
    replicasets,
    namespace,
    rs.metadata.name,
    (o) => {
      let conditions: Condition[] = o.status?.conditions ?? [];
      if (failure !== undefined)
        setCondition(conditions, 'ReplicaFailure', 'True', 'FailedCreate', failure, {
          updateTime: false
        });
      else if (current.length >= want) conditions = removeCondition(conditions, 'ReplicaFailure');
      o.status = {
        replicas: current.length,
        fullyLabeledReplicas: current.filter((p) =>
          labelSelectorMatches(o.spec.selector, p.metadata.labels)
        ).length,
        readyReplicas: ready,
        availableReplicas: ready,
        observedGeneration: o.metadata.generation,
        ...(conditions.length ? { conditions } : {})
      };
      for (const key of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']) {
        if (!o.status[key]) delete o.status[key];
      }
    },
    'kube-controller-manager',
    'status'
  );
}
