// The deployment controller: a Deployment owns one ReplicaSet per pod template (named by the
// template hash, revision-annotated). RollingUpdate steps as the real controller does: the new
// ReplicaSet is scaled up by what maxSurge allows, the old ones down as new pods become
// available while maxUnavailable holds; Recreate scales the old ones to 0 first. Status and
// conditions: deployment-status.ts.
import type { KObject } from '../store.js';
import { ownerReference, typeOf, type ControllerContext } from './context.js';
import { syncDeploymentStatus } from './deployment-status.js';
import { newReplicaSetReplicas, oldReplicaSetReplicas, rollingLimits } from './rollout.js';
import { owned, templateHash } from './workload.js';

const replicasets = typeOf('replicasets');
export const REVISION = 'deployment.kubernetes.io/revision';
const revisionOf = (rs: KObject) => Number(rs.metadata.annotations?.[REVISION] ?? 0);
const byAge = (a: KObject, b: KObject) =>
  Date.parse(a.metadata.creationTimestamp) - Date.parse(b.metadata.creationTimestamp) ||
  revisionOf(a) - revisionOf(b);

function scaleReplicaSet(ctx: ControllerContext, deploy: KObject, rs: KObject, to: number): void {
  const from = rs.spec.replicas ?? 0;
  if (from === to) return;
  ctx.api.mutate(
    replicasets,
    rs.metadata.namespace,
    rs.metadata.name,
    (o) => {
      o.spec.replicas = to;
      o.metadata.annotations = {
        ...o.metadata.annotations,
        'deployment.kubernetes.io/desired-replicas': String(deploy.spec.replicas ?? 1)
      };
    },
    'kube-controller-manager'
  );
  rs.spec.replicas = to;
  ctx.events.record(
    deploy,
    'Normal',
    'ScalingReplicaSet',
    `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${to}`,
    'deployment-controller'
  );
}

function createNewReplicaSet(
  ctx: ControllerContext,
  deploy: KObject,
  hash: string,
  replicas: number,
  revision: number
): KObject {
  const { namespace, name } = deploy.metadata;
  const desired = deploy.spec.replicas ?? 1;
  const template = structuredClone(deploy.spec.template);
  template.metadata.labels = { ...template.metadata.labels, 'pod-template-hash': hash };
  const rsName = `${name}-${hash}`;
  const created = ctx.api.create(
    replicasets,
    namespace,
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: rsName,
        namespace,
        labels: template.metadata.labels,
        annotations: {
          'deployment.kubernetes.io/desired-replicas': String(desired),
          'deployment.kubernetes.io/max-replicas': String(
            desired + rollingLimits(deploy.spec.strategy, desired).maxSurge
          ),
          [REVISION]: String(revision)
        },
        ownerReferences: [ownerReference(deploy)]
      },
      spec: {
        replicas,
        selector: {
          ...deploy.spec.selector,
          matchLabels: { ...deploy.spec.selector.matchLabels, 'pod-template-hash': hash }
        },
        template
      }
    },
    { fieldManager: 'kube-controller-manager', fieldValidation: 'Ignore' }
  );
  if (replicas > 0)
    ctx.events.record(
      deploy,
      'Normal',
      'ScalingReplicaSet',
      `Scaled up replica set ${rsName} from 0 to ${replicas}`,
      'deployment-controller'
    );
  return created;
}

export function reconcileDeployment(ctx: ControllerContext, deploy: KObject): void {
  const { api } = ctx;
  const { namespace, name } = deploy.metadata;
  const desired = deploy.spec.replicas ?? 1;
  const hash = templateHash(deploy.spec.template);
  const mine = owned(api.store.list(replicasets, namespace), deploy);
  const maxRevision = Math.max(0, ...mine.map(revisionOf));
  let newRs = mine.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
  const olds = mine.filter((rs) => rs !== newRs).sort(byAge);
  const recreate = deploy.spec.strategy?.type === 'Recreate';
  const limits = rollingLimits(deploy.spec.strategy, desired);
  const oldReplicas = olds.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
  const oldPods = olds.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
  const created = !newRs;

  if (!newRs) {
    const replicas = recreate
      ? oldPods > 0
        ? 0
        : desired
      : newReplicaSetReplicas(desired, limits, 0, oldReplicas);
    newRs = createNewReplicaSet(ctx, deploy, hash, replicas, maxRevision + 1);
  } else if (olds.length && revisionOf(newRs) < maxRevision) {
    api.mutate(
      replicasets,
      namespace,
      newRs.metadata.name,
      (o) => {
        o.metadata.annotations = { ...o.metadata.annotations, [REVISION]: String(maxRevision + 1) };
      },
      'kube-controller-manager'
    );
  }

  if (recreate) {
    for (const old of olds) scaleReplicaSet(ctx, deploy, old, 0);
    if (oldPods === 0) scaleReplicaSet(ctx, deploy, newRs, desired);
  } else if (!created) {
    const newReplicas = newRs.spec.replicas ?? 0;
    const target = newReplicaSetReplicas(desired, limits, newReplicas, newReplicas + oldReplicas);
    if (target !== newReplicas) scaleReplicaSet(ctx, deploy, newRs, target);
    else {
      const targets = oldReplicaSetReplicas(
        desired,
        limits,
        { replicas: newReplicas, available: newRs.status?.availableReplicas ?? 0 },
        olds.map((rs) => ({
          replicas: rs.spec.replicas ?? 0,
          available: rs.status?.availableReplicas ?? 0
        }))
      );
      olds.forEach((old, i) => scaleReplicaSet(ctx, deploy, old, targets[i]));
    }
  }

  const complete = syncDeploymentStatus(ctx, deploy, newRs, created);
  if (!complete) {
    ctx.later(
      (deploy.spec.progressDeadlineSeconds ?? 600) * 1000 + 50,
      () => {
        const latest = api.store.get(typeOf('deployments'), namespace, name);
        if (latest) reconcileDeployment(ctx, latest);
      },
      `progress-deadline/${deploy.metadata.uid}`
    );
  }
}
