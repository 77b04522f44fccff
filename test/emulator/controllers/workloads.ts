// The deployment and replicaset controllers: a Deployment owns one ReplicaSet per pod
// template (named by the template hash, revision-annotated); the new one is scaled up and the
// old ones down once the new one is available (RollingUpdate) or first (Recreate). Status
// fields and conditions are those helm 3's readiness check and kstatus (helm 4) read.
import { createHash } from 'node:crypto';
import { timestamp } from '../api.js';
import { labelSelectorMatches } from '../selectors.js';
import type { KObject } from '../store.js';
import {
  controllerOf,
  createOwnedPod,
  ownerReference,
  typeOf,
  type ControllerContext
} from './context.js';

const deployments = typeOf('deployments');
const replicasets = typeOf('replicasets');
const pods = typeOf('pods');
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const REVISION = 'deployment.kubernetes.io/revision';

export function templateHash(template: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(template)).digest();
  return [...digest.subarray(0, 10)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

function owned(items: KObject[], owner: KObject): KObject[] {
  return items.filter(
    (o) => controllerOf(o)?.uid === owner.metadata.uid && !o.metadata.deletionTimestamp
  );
}

function podReady(pod: KObject): boolean {
  return (pod.status?.conditions ?? []).some(
    (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'
  );
}

function resolvePercent(
  value: number | string | undefined,
  total: number,
  roundUp: boolean
): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const percent = Number(value.replace('%', '')) / 100;
  return roundUp ? Math.ceil(total * percent) : Math.floor(total * percent);
}

function setCondition(
  conditions: Array<Record<string, string>>,
  type: string,
  status: string,
  reason: string,
  message: string
) {
  const now = timestamp();
  const existing = conditions.find((c) => c.type === type);
  if (existing) {
    if (existing.status !== status) existing.lastTransitionTime = now;
    if (existing.reason !== reason || existing.status !== status) existing.lastUpdateTime = now;
    Object.assign(existing, { status, reason, message });
  } else
    conditions.push({
      type,
      status,
      lastUpdateTime: now,
      lastTransitionTime: now,
      reason,
      message
    });
}

export function reconcileReplicaSet(ctx: ControllerContext, rs: KObject): void {
  const { api, events } = ctx;
  const { namespace } = rs.metadata;
  const mine = owned(api.store.list(pods, namespace), rs);
  const want = rs.spec.replicas ?? 1;
  if (mine.length < want) {
    for (let i = mine.length; i < want; i++) {
      createOwnedPod(ctx, rs, 'replicaset-controller');
    }
  } else if (mine.length > want) {
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
  const current = owned(api.store.list(pods, namespace), rs);
  const ready = current.filter(podReady).length;
  api.mutate(
    replicasets,
    namespace,
    rs.metadata.name,
    (o) => {
      o.status = {
        replicas: current.length,
        fullyLabeledReplicas: current.filter((p) =>
          labelSelectorMatches(o.spec.selector, p.metadata.labels)
        ).length,
        readyReplicas: ready,
        availableReplicas: ready,
        observedGeneration: o.metadata.generation
      };
      for (const key of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']) {
        if (!o.status[key]) delete o.status[key];
      }
    },
    'kube-controller-manager',
    'status'
  );
}

export function reconcileDeployment(ctx: ControllerContext, deploy: KObject): void {
  const { api, events } = ctx;
  const { namespace, name } = deploy.metadata;
  const desired = deploy.spec.replicas ?? 1;
  const hash = templateHash(deploy.spec.template);
  const mine = owned(api.store.list(replicasets, namespace), deploy);
  const revisionOf = (rs: KObject) => Number(rs.metadata.annotations?.[REVISION] ?? 0);
  const maxRevision = Math.max(0, ...mine.map(revisionOf));
  let newRs = mine.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
  const olds = mine.filter((rs) => rs !== newRs);
  const recreate = deploy.spec.strategy?.type === 'Recreate';
  const oldPods = olds.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
  const scale = (rs: KObject, to: number) => {
    const from = rs.spec.replicas ?? 0;
    if (from === to) return;
    api.mutate(
      replicasets,
      namespace,
      rs.metadata.name,
      (o) => {
        o.spec.replicas = to;
        o.metadata.annotations = {
          ...o.metadata.annotations,
          'deployment.kubernetes.io/desired-replicas': String(desired)
        };
      },
      'kube-controller-manager'
    );
    events.record(
      deploy,
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${to}`,
      'deployment-controller'
    );
  };

  if (!newRs) {
    const template = structuredClone(deploy.spec.template);
    template.metadata.labels = { ...template.metadata.labels, 'pod-template-hash': hash };
    const rsName = `${name}-${hash}`;
    newRs = api.create(
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
              desired + resolvePercent(deploy.spec.strategy?.rollingUpdate?.maxSurge, desired, true)
            ),
            [REVISION]: String(maxRevision + 1)
          },
          ownerReferences: [ownerReference(deploy)]
        },
        spec: {
          replicas: recreate && oldPods > 0 ? 0 : desired,
          selector: {
            ...deploy.spec.selector,
            matchLabels: { ...deploy.spec.selector.matchLabels, 'pod-template-hash': hash }
          },
          template
        }
      },
      { fieldManager: 'kube-controller-manager', fieldValidation: 'Ignore' }
    );
    events.record(
      deploy,
      'Normal',
      'ScalingReplicaSet',
      `Scaled up replica set ${rsName} from 0 to ${newRs.spec.replicas}`,
      'deployment-controller'
    );
  } else {
    if (olds.length && revisionOf(newRs) < maxRevision) {
      api.mutate(
        replicasets,
        namespace,
        newRs.metadata.name,
        (o) => {
          o.metadata.annotations = {
            ...o.metadata.annotations,
            [REVISION]: String(maxRevision + 1)
          };
        },
        'kube-controller-manager'
      );
    }
    if (!(recreate && oldPods > 0)) scale(newRs, desired);
  }
  const newAvailable = newRs.status?.availableReplicas ?? 0;
  for (const old of olds) {
    if (recreate || newAvailable >= desired) scale(old, 0);
  }

  const all = owned(api.store.list(replicasets, namespace), deploy);
  const current = all.find((rs) => rs.metadata.name === newRs?.metadata.name);
  const sum = (field: string) => all.reduce((n, rs) => n + (rs.status?.[field] ?? 0), 0);
  const replicas = sum('replicas');
  const updated = current?.status?.replicas ?? 0;
  const ready = sum('readyReplicas');
  const available = sum('availableReplicas');
  const maxUnavailable = recreate
    ? 0
    : resolvePercent(deploy.spec.strategy?.rollingUpdate?.maxUnavailable, desired, false);
  const complete = updated === desired && replicas === desired && available === desired;
  api.mutate(
    deployments,
    namespace,
    name,
    (o) => {
      const conditions = o.status?.conditions ?? [];
      setCondition(
        conditions,
        'Available',
        available >= desired - maxUnavailable ? 'True' : 'False',
        available >= desired - maxUnavailable
          ? 'MinimumReplicasAvailable'
          : 'MinimumReplicasUnavailable',
        available >= desired - maxUnavailable
          ? 'Deployment has minimum availability.'
          : 'Deployment does not have minimum availability.'
      );
      const rsName = current?.metadata.name ?? '';
      const progressing = conditions.find((c: { type: string }) => c.type === 'Progressing');
      const deadline = (o.spec.progressDeadlineSeconds ?? 600) * 1000;
      if (complete)
        setCondition(
          conditions,
          'Progressing',
          'True',
          'NewReplicaSetAvailable',
          `ReplicaSet "${rsName}" has successfully progressed.`
        );
      else if (progressing?.reason === 'ProgressDeadlineExceeded') {
        /* stays until the next rollout */
      } else if (
        progressing &&
        progressing.reason !== 'NewReplicaSetAvailable' &&
        Date.now() - Date.parse(progressing.lastUpdateTime) > deadline
      ) {
        setCondition(
          conditions,
          'Progressing',
          'False',
          'ProgressDeadlineExceeded',
          `ReplicaSet "${rsName}" has timed out progressing.`
        );
      } else
        setCondition(
          conditions,
          'Progressing',
          'True',
          progressing ? 'ReplicaSetUpdated' : 'NewReplicaSetCreated',
          progressing
            ? `ReplicaSet "${rsName}" is progressing.`
            : `Created new replica set "${rsName}"`
        );
      conditions.sort((a: { type: string }, b: { type: string }) =>
        a.type === 'Available' ? -1 : b.type === 'Available' ? 1 : 0
      );
      o.status = {
        observedGeneration: o.metadata.generation,
        ...(replicas ? { replicas } : {}),
        ...(updated ? { updatedReplicas: updated } : {}),
        ...(ready ? { readyReplicas: ready } : {}),
        ...(available ? { availableReplicas: available } : {}),
        ...(desired - available > 0 ? { unavailableReplicas: desired - available } : {}),
        conditions
      };
    },
    'kube-controller-manager',
    'status'
  );
  if (!complete) {
    ctx.later(
      (deploy.spec.progressDeadlineSeconds ?? 600) * 1000 + 50,
      () => {
        const latest = api.store.get(deployments, namespace, name);
        if (latest) reconcileDeployment(ctx, latest);
      },
      `progress-deadline/${deploy.metadata.uid}`
    );
  }
}
