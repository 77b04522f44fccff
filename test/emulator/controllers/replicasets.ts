// The replicaset controller: creates pods from the template up to spec.replicas (stopping at
// the first refusal, with `FailedCreate` and the `ReplicaFailure` condition, and trying again
// after a back-off), deletes the surplus (unready first), and reports status.
import { labelSelectorMatches } from '../selectors.js';
import type { KObject } from '../store.js';
import { createOwnedPod, deleteOwnedPod, typeOf, type ControllerContext } from './context.js';
import {
  owned,
  podReady,
  removeCondition,
  requeue,
  setCondition,
  type Condition
} from './workload.js';

const replicasets = typeOf('replicasets');
const pods = typeOf('pods');

export function reconcileReplicaSet(ctx: ControllerContext, rs: KObject): void {
  const { api } = ctx;
  const { namespace } = rs.metadata;
  const mine = owned(api.store.list(pods, namespace), rs);
  const want = rs.spec.replicas ?? 1;
  let failure: string | undefined;
  for (let i = mine.length; i < want && failure === undefined; i++) {
    failure = createOwnedPod(ctx, rs, 'replicaset-controller').error;
  }
  if (mine.length > want) {
    const byUnready = [...mine].sort((a, b) => Number(podReady(a)) - Number(podReady(b)));
    for (const pod of byUnready.slice(0, mine.length - want))
      deleteOwnedPod(ctx, rs, pod, 'replicaset-controller');
  }
  if (failure !== undefined) requeue(ctx, replicasets, rs, reconcileReplicaSet);
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
