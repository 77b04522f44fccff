// Which objects a release has, and which pods belong to the rollout this deploy asked for.
// The objects come from the release itself (the manifest and hooks helm recorded), never
// from a label a chart may not set. Pods come from each workload's own ownership chain:
// Deployment → its newest ReplicaSet → pods; StatefulSet → pods of its updateRevision;
// DaemonSet → pods of its current template generation; Job → its pods; a bare Pod → itself.
// A workload is judged only once the cluster runs what this release asked for (its pod
// template matches the manifest and its controller observed that generation), so the
// previous rollout's broken pods are not blamed on a fix that helm has not applied yet, and a
// re-run of the same failing commit (nothing new is created) is judged at once. Pure.
import { parseAllDocuments } from 'yaml';
import type { KubeObject, LiveWorkload, Pod } from './types.js';

/** One object of the release, as the manifest names it. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  /** The pod template the manifest asks for (workloads only). */
  template?: unknown;
  /** From the release's hooks (e.g. a pre-install Job), not its manifest. */
  hook?: boolean;
}

export interface HelmHook {
  kind?: string;
  name?: string;
  manifest?: string;
  events?: string[];
}

/** The manifest's objects; documents that are empty or not objects are skipped. */
export function manifestObjects(manifest: string, namespace: string): ManifestObject[] {
  const objects: ManifestObject[] = [];
  for (const document of parseAllDocuments(manifest)) {
    const value = document.toJS() as Record<string, unknown> | null;
    if (!value || typeof value !== 'object') continue;
    const items = value.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
    for (const item of items as Array<Record<string, unknown>>) {
      const metadata = (item.metadata ?? {}) as { name?: string; namespace?: string };
      if (typeof item.kind !== 'string' || !metadata.name) continue;
      const spec = item.spec as { template?: unknown; jobTemplate?: unknown } | undefined;
      objects.push({
        apiVersion: String(item.apiVersion ?? ''),
        kind: item.kind,
        name: metadata.name,
        namespace: metadata.namespace ?? namespace,
        template: item.kind === 'Pod' ? { spec: item.spec } : spec?.template
      });
    }
  }
  return objects;
}

/** The release's objects: its manifest, then the hooks that run while it installs (not tests). */
export function releaseObjects(
  record: { manifest?: string; hooks?: HelmHook[] },
  namespace: string
): ManifestObject[] {
  const hooks = (record.hooks ?? [])
    .filter((hook) => !(hook.events ?? []).every((event) => event.startsWith('test')))
    .flatMap((hook) =>
      manifestObjects(hook.manifest ?? '', namespace).map((o) => ({ ...o, hook: true }))
    );
  return [...manifestObjects(record.manifest ?? '', namespace), ...hooks];
}

type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'Pod';

const WORKLOADS: Record<WorkloadKind, { apiVersion: string; plural: string }> = {
  Deployment: { apiVersion: 'apps/v1', plural: 'deployments' },
  StatefulSet: { apiVersion: 'apps/v1', plural: 'statefulsets' },
  DaemonSet: { apiVersion: 'apps/v1', plural: 'daemonsets' },
  Job: { apiVersion: 'batch/v1', plural: 'jobs' },
  Pod: { apiVersion: 'v1', plural: 'pods' }
};

/** Kinds that run no pods of their own while a release rolls out: nothing to follow. */
const PODLESS_KINDS = new Set(
  (
    'ConfigMap Secret Service ServiceAccount PersistentVolumeClaim PersistentVolume Namespace ' +
    'Endpoints EndpointSlice LimitRange ResourceQuota Ingress IngressClass NetworkPolicy ' +
    'HorizontalPodAutoscaler PodDisruptionBudget Role RoleBinding ClusterRole ' +
    'ClusterRoleBinding CustomResourceDefinition StorageClass PriorityClass CronJob ' +
    'MutatingWebhookConfiguration ValidatingWebhookConfiguration APIService ReplicaSet ' +
    'PodTemplate RuntimeClass CSIDriver VolumeAttachment Lease'
  ).split(' ')
);

/** The collection a workload is read from, e.g. `/apis/apps/v1/namespaces/web/deployments`. */
export function collectionPath(kind: WorkloadKind, namespace: string): string {
  const { apiVersion, plural } = WORKLOADS[kind];
  const base = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
  return `${base}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
}

export function replicaSetsPath(namespace: string): string {
  return `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/replicasets`;
}

export interface ReleasePlanOfWatch {
  workloads: Array<ManifestObject & { kind: WorkloadKind }>;
  /** Objects that may run pods this action cannot follow (custom resources, unknown kinds). */
  unfollowable: ManifestObject[];
}

/** Splits the release's objects into workloads to follow, and what cannot be followed. */
export function planRolloutWatch(objects: ManifestObject[]): ReleasePlanOfWatch {
  const workloads: ReleasePlanOfWatch['workloads'] = [];
  const unfollowable: ManifestObject[] = [];
  for (const object of objects) {
    const known = WORKLOADS[object.kind as WorkloadKind];
    if (known && object.apiVersion === known.apiVersion) {
      workloads.push(object as ManifestObject & { kind: WorkloadKind });
    } else if (!PODLESS_KINDS.has(object.kind)) {
      unfollowable.push(object);
    }
  }
  return { workloads, unfollowable };
}

/** `Widget/a, ServiceMonitor/b`: the one warning's list. */
export function describeObjects(objects: ManifestObject[]): string {
  return objects.map((o) => `${o.kind}/${o.name}`).join(', ');
}

/** Resource quantities the server rewrites ("1000m" → "1"): not compared. */
const NORMALIZED_KEYS = new Set(['resources']);

/**
 * Whether `have` (the live object, with server defaults added) holds everything `want` (the
 * manifest) says. Lists are compared item by item in order; scalars as strings (the server
 * may turn "80" into 80); null and empty values in the manifest match anything. Pure.
 */
export function containsSpec(want: unknown, have: unknown): boolean {
  if (want === null || want === undefined) return true;
  if (Array.isArray(want)) {
    if (!Array.isArray(have)) return want.length === 0;
    return want.every((item, i) => containsSpec(item, have[i]));
  }
  if (typeof want === 'object') {
    const entries = Object.entries(want as Record<string, unknown>);
    if (have === null || typeof have !== 'object') return entries.length === 0;
    return entries.every(
      ([key, value]) =>
        NORMALIZED_KEYS.has(key) || containsSpec(value, (have as Record<string, unknown>)[key])
    );
  }
  return String(want) === String(have);
}

interface RolloutInput {
  workload: ManifestObject & { kind: WorkloadKind };
  /** The live object; undefined while helm has not created it. */
  live?: LiveWorkload;
  /** ReplicaSets in the namespace (only read for Deployments). */
  replicaSets: KubeObject[];
  /** Candidate pods (e.g. those matching the workload's selector). */
  pods: Pod[];
}

export interface RolloutPods {
  workload: ManifestObject & { kind: WorkloadKind };
  /** Whether the cluster runs what the release asked for, so its pods can be judged. */
  current: boolean;
  /** The ReplicaSet of a Deployment's rollout (newest revision), if any. */
  replicaSet?: KubeObject;
  /** The pods of this rollout, without those being deleted. */
  pods: Pod[];
  /**
   * Pods of an earlier revision that hold this rollout: an OrderedReady StatefulSet's controller
   * replaces no pod while one is not Ready (Kubernetes' "forced rollback" issue), so a fix
   * deployed over a broken pod waits on it for ever.
   */
  blocking?: Pod[];
  /**
   * Epoch ms by which the workload's pods now terminating are gone (their latest
   * deletionTimestamp): the room on a node a new pod may be waiting for.
   */
  roomFreedAt?: number;
  /** Why not current yet, for the debug log. */
  note?: string;
}

function ownedBy(object: KubeObject, uid: string | undefined): boolean {
  return !!uid && (object.metadata?.ownerReferences ?? []).some((o) => o.uid === uid);
}

function revisionOf(replicaSet: KubeObject): number {
  return Number(replicaSet.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
}

const alive = (pod: Pod) => !pod.metadata?.deletionTimestamp;

/** The latest deletionTimestamp of the pods being deleted, in epoch ms; undefined if none. */
function roomFreedAt(pods: Pod[]): number | undefined {
  const due = pods
    .map((pod) => Date.parse(pod.metadata?.deletionTimestamp ?? ''))
    .filter((ms) => !Number.isNaN(ms));
  return due.length ? Math.max(...due) : undefined;
}

const podReady = (pod: Pod) =>
  !!pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

/** The pods of the rollout the release asked for, for one workload. Pure. */
export function rolloutPods(input: RolloutInput): RolloutPods {
  const { workload, live } = input;
  const freed = roomFreedAt(input.pods);
  const result = (current: boolean, pods: Pod[], extra: Partial<RolloutPods> = {}) => ({
    workload,
    current,
    pods: pods.filter(alive),
    ...(freed === undefined ? {} : { roomFreedAt: freed }),
    ...extra
  });
  if (!live) return result(false, [], { note: 'not created yet' });
  const uid = live.metadata?.uid;
  if (workload.kind === 'Pod') {
    return containsSpec(workload.template, { spec: (live as Pod).spec })
      ? result(true, [live as Pod])
      : result(false, [], { note: 'spec differs from the release' });
  }
  if (!containsSpec(workload.template, live.spec?.template)) {
    return result(false, [], { note: 'pod template differs from the release (not applied yet)' });
  }
  const generation = live.metadata?.generation;
  const observed = live.status?.observedGeneration;
  if (workload.kind !== 'Job' && generation !== undefined && (observed ?? 0) < generation) {
    return result(false, [], { note: `generation ${generation} not observed yet` });
  }
  const owned = input.pods.filter((pod) => ownedBy(pod, uid));
  switch (workload.kind) {
    case 'Deployment': {
      const newest = input.replicaSets
        .filter((rs) => ownedBy(rs, uid))
        .sort((a, b) => revisionOf(b) - revisionOf(a))[0];
      if (!newest) return result(false, [], { note: 'no ReplicaSet yet' });
      const pods = input.pods.filter((pod) => ownedBy(pod, newest.metadata?.uid));
      return result(true, pods, { replicaSet: newest });
    }
    case 'StatefulSet': {
      const revision = live.status?.updateRevision;
      if (!revision) return result(false, [], { note: 'no updateRevision yet' });
      const ofRevision = (pod: Pod) =>
        pod.metadata?.labels?.['controller-revision-hash'] === revision;
      const ordered = (live.spec?.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
      const blocking = ordered
        ? owned.filter((pod) => alive(pod) && !ofRevision(pod) && !podReady(pod))
        : [];
      return result(true, owned.filter(ofRevision), blocking.length ? { blocking } : {});
    }
    case 'DaemonSet':
      return result(
        true,
        owned.filter(
          (pod) => pod.metadata?.labels?.['pod-template-generation'] === String(generation)
        )
      );
    case 'Job':
      return result(true, owned);
  }
}

/** `app=web,tier in (a,b)` from a workload's `spec.selector` (matchLabels and matchExpressions). */
export function selectorString(selector: unknown): string | undefined {
  if (!selector || typeof selector !== 'object') return undefined;
  const { matchLabels, matchExpressions } = selector as {
    matchLabels?: Record<string, string>;
    matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
  };
  const parts = Object.entries(matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const { key, operator, values = [] } of matchExpressions ?? []) {
    if (operator === 'In') parts.push(`${key} in (${values.join(',')})`);
    else if (operator === 'NotIn') parts.push(`${key} notin (${values.join(',')})`);
    else if (operator === 'Exists') parts.push(key);
    else if (operator === 'DoesNotExist') parts.push(`!${key}`);
  }
  return parts.length ? parts.join(',') : undefined;
}
