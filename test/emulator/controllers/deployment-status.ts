// A Deployment's status as the deployment controller writes it (calculateStatus and
// syncRolloutStatus in pkg/controller/deployment): counts summed over its ReplicaSets;
// `Available` against desired − maxUnavailable; `ReplicaFailure` copied from a ReplicaSet that
// cannot create pods; `Progressing`: NewReplicaSetCreated → ReplicaSetUpdated (lastUpdateTime
// moves whenever progress is made) → NewReplicaSetAvailable, or ProgressDeadlineExceeded once
// progressDeadlineSeconds pass without progress.
import type { KObject } from '../store.js';
import { typeOf, type ControllerContext } from './context.js';
import { rollingLimits } from './rollout.js';
import { owned, removeCondition, setCondition, type Condition } from './workload.js';

const deployments = typeOf('deployments');
const replicasets = typeOf('replicasets');

interface Counts {
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
}

/** Writes the status; returns whether the rollout is complete. */
export function syncDeploymentStatus(
  ctx: ControllerContext,
  deploy: KObject,
  newRs: KObject,
  created: boolean
): boolean {
  const { namespace, name } = deploy.metadata;
  const desired = deploy.spec.replicas ?? 1;
  const all = owned(ctx.api.store.list(replicasets, namespace), deploy);
  const current = all.find((rs) => rs.metadata.name === newRs.metadata.name);
  const sum = (read: (rs: KObject) => number | undefined) =>
    all.reduce((n, rs) => n + (read(rs) ?? 0), 0);
  const counts: Counts = {
    replicas: sum((rs) => rs.status?.replicas),
    updatedReplicas: current?.status?.replicas ?? 0,
    readyReplicas: sum((rs) => rs.status?.readyReplicas),
    availableReplicas: sum((rs) => rs.status?.availableReplicas)
  };
  const unavailable = Math.max(0, sum((rs) => rs.spec.replicas) - counts.availableReplicas);
  const before: Partial<Counts> = deploy.status ?? {};
  const complete =
    counts.updatedReplicas === desired &&
    counts.replicas === desired &&
    counts.availableReplicas === desired;
  const progressed =
    counts.updatedReplicas > (before.updatedReplicas ?? 0) ||
    counts.replicas - counts.updatedReplicas <
      (before.replicas ?? 0) - (before.updatedReplicas ?? 0) ||
    counts.readyReplicas > (before.readyReplicas ?? 0) ||
    counts.availableReplicas > (before.availableReplicas ?? 0);
  const rsName = newRs.metadata.name;
  const { maxUnavailable } = rollingLimits(deploy.spec.strategy, desired);
  const failure = [newRs, ...all]
    .flatMap((rs) => rs.status?.conditions ?? [])
    .find((c: Condition) => c.type === 'ReplicaFailure');

  ctx.api.mutate(
    deployments,
    namespace,
    name,
    (o) => {
      let conditions: Condition[] = o.status?.conditions ?? [];
      const minimum = counts.availableReplicas >= desired - maxUnavailable;
      setCondition(
        conditions,
        'Available',
        minimum ? 'True' : 'False',
        minimum ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
        minimum
          ? 'Deployment has minimum availability.'
          : 'Deployment does not have minimum availability.'
      );
      const progressing = conditions.find((c) => c.type === 'Progressing');
      const deadlineMs = (o.spec.progressDeadlineSeconds ?? 600) * 1000;
      if (created)
        setCondition(
          conditions,
          'Progressing',
          'True',
          'NewReplicaSetCreated',
          `Created new replica set "${rsName}"`
        );
      else if (!progressing)
        setCondition(
          conditions,
          'Progressing',
          'True',
          'FoundNewReplicaSet',
          `Found new replica set "${rsName}"`
        );
      const settled =
        counts.replicas === counts.updatedReplicas &&
        progressing?.reason === 'NewReplicaSetAvailable';
      if (!created && !settled) {
        if (complete)
          setCondition(
            conditions,
            'Progressing',
            'True',
            'NewReplicaSetAvailable',
            `ReplicaSet "${rsName}" has successfully progressed.`
          );
        else if (progressed)
          setCondition(
            conditions,
            'Progressing',
            'True',
            'ReplicaSetUpdated',
            `ReplicaSet "${rsName}" is progressing.`,
            { touch: true }
          );
        else if (
          progressing &&
          progressing.reason !== 'NewReplicaSetAvailable' &&
          Date.now() - Date.parse(progressing.lastUpdateTime) > deadlineMs
        )
          setCondition(
            conditions,
            'Progressing',
            'False',
            'ProgressDeadlineExceeded',
            `ReplicaSet "${rsName}" has timed out progressing.`
          );
      }
      if (failure)
        setCondition(conditions, 'ReplicaFailure', 'True', failure.reason, failure.message);
      else conditions = removeCondition(conditions, 'ReplicaFailure');
      conditions.sort((a, b) => (a.type === 'Available' ? -1 : b.type === 'Available' ? 1 : 0));
      o.status = {
        observedGeneration: o.metadata.generation,
        ...(counts.replicas ? { replicas: counts.replicas } : {}),
        ...(counts.updatedReplicas ? { updatedReplicas: counts.updatedReplicas } : {}),
        ...(counts.readyReplicas ? { readyReplicas: counts.readyReplicas } : {}),
        ...(counts.availableReplicas ? { availableReplicas: counts.availableReplicas } : {}),
        ...(unavailable ? { unavailableReplicas: unavailable } : {}),
        conditions
      };
    },
    'kube-controller-manager',
    'status'
  );
  return complete;
}
