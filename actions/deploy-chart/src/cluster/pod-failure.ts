// Which states mean "this rollout will not become ready before the timeout", so the deploy can
// stop now instead of waiting minutes, and which only look bad for a while. Pure: objects, the
// events about them and the time in, a failure or null out.
//
// Final at once: a pull refused for a cause that cannot pass (not found, manifest unknown,
// unauthorized/denied, invalid reference, no match for the node's platform), an invalid image
// name, a crash loop past `crashLoopRestarts`, a Job past its backoffLimit or deadline, a
// Cluster Autoscaler that said it will not add a node (NotTriggerScaleUp) while no pod of the
// workload is terminating.
// Final after a grace: a missing Secret/ConfigMap (CreateContainerConfigError, FailedMount),
// pods that cannot be created (ReplicaFailure / FailedCreate: quota, PodSecurity, a webhook, a
// missing ServiceAccount; quota frees up as old pods go), a pod Unschedulable with no node on
// the way and no pod of its workload still terminating.
// Waiting, up to a bound: pulls failing for a cause that passes (i/o and TLS handshake
// timeouts, registry 5xx, connection resets: the kubelet retries them), a pod Unschedulable
// while Cluster Autoscaler (TriggeredScaleUp) or Karpenter (Nominated, nominatedNodeName)
// adds a node (1–4 minutes on EKS).
// Never early: a pod Running but not Ready, liveness restarts below the crash-loop count: the
// timeout decides, and the diagnostics show the probe failures, last state and logs.
import { isTransientFailure } from '../../../shared/src/transient.js';
import type { ContainerStatus, KubeEvent, LiveWorkload, Pod } from './types.js';

export interface PodFailure {
  /** The object's name: a pod, unless `kind` says otherwise. */
  pod: string;
  /** `Pod` when absent; `ReplicaSet`, `StatefulSet`, `Job` … for failures without a pod. */
  kind?: string;
  container?: string;
  initContainer: boolean;
  reason: string;
  message: string;
}

export interface FailFastRules {
  /** CrashLoopBackOff counts once the container restarted this many times. */
  crashLoopRestarts: number;
  /**
   * A Secret/ConfigMap the pod needs is not found (CreateContainerConfigError for env,
   * FailedMount for a volume): counts after the pod is this old. Helm applies a release's own
   * Secrets and ConfigMaps before its workloads, so one still missing comes from outside it.
   */
  missingObjectMs: number;
  /**
   * The same while the release holds custom resources: an operator (cert-manager, External
   * Secrets, Sealed Secrets) may create the Secret from one of them after the pod exists.
   */
  operatorObjectMs: number;
  /** ReplicaFailure / FailedCreate (quota, PodSecurity, webhook) counts after this long. */
  createFailureMs: number;
  /** Pulls failing for a cause that may pass count after the pod is this old. */
  transientPullMs: number;
  /**
   * Unschedulable with no scale-up announced counts after this long on a cluster of under 100
   * nodes, and after the last pod of its workload that was terminating (freeing room) was due
   * to be gone. Cluster Autoscaler's stated bound from an unschedulable pod to its scale-up is
   * 30 s there (60 s on 100–1000 nodes, 3× that with inter-pod affinity: noScaleUpBound), and
   * Karpenter batches pods for at most 10 s (BATCH_MAX_DURATION) before it nominates a node.
   */
  noScaleUpMs: number;
  /** Unschedulable while a node is being added (or when events cannot be read) counts after this. */
  scaleUpMs: number;
}

export const DEFAULT_FAIL_FAST_RULES: FailFastRules = {
  crashLoopRestarts: 3,
  missingObjectMs: 20_000,
  operatorObjectMs: 120_000,
  createFailureMs: 10_000,
  transientPullMs: 180_000,
  noScaleUpMs: 30_000,
  scaleUpMs: 600_000
};

/** Everything a pod or workload can show is worth reporting once the deploy failed. */
export const REPORT_EVERYTHING: FailFastRules = {
  crashLoopRestarts: 0,
  missingObjectMs: 0,
  operatorObjectMs: 0,
  createFailureMs: 0,
  transientPullMs: 0,
  noScaleUpMs: 0,
  scaleUpMs: 0
};

/** Pull failures that no retry can fix: the image or the right to read it is missing. */
const FINAL_PULL_CAUSE =
  /not found|manifest unknown|name unknown|does not exist|unauthorized|authentication required|denied|forbidden|invalid reference|InvalidImageName|no match for platform|no such host/i;

export type PullCause = 'final' | 'transient' | 'unknown';

/**
 * The cause in a kubelet pull message: since 1.32 every failed pull shows as ImagePullBackOff
 * with `Back-off pulling image "x": ErrImagePull: <cause>`; ErrImagePull itself carries the
 * cause; older kubelets' back-off message has none (the pod's Failed event has it). Pure.
 */
export function pullCause(message: string): PullCause {
  const cause = message.replace(/^Back-off pulling image "[^"]*"(?::\s*(?:ErrImagePull:)?)?/, '');
  if (!cause.trim()) return 'unknown';
  if (FINAL_PULL_CAUSE.test(cause)) return 'final';
  if (isTransientFailure({ text: cause })) return 'transient';
  return 'unknown';
}

/** Epoch microseconds of a timestamp, keeping the fraction events.k8s.io times have. Pure. */
export function timeMicros(time: string | undefined): number {
  const match = /^(.*?:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time ?? '');
  if (!match) return Number.NaN;
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  const fraction = Number(`0.${match[2] ?? '0'}`);
  return seconds * 1000 + Math.round(fraction * 1_000_000);
}

/** When an event last happened: core/v1 lastTimestamp, or an events.k8s.io series / eventTime. */
export function eventTimeMicros(event: KubeEvent): number {
  const candidates = [
    event.lastTimestamp,
    event.series?.lastObservedTime,
    event.eventTime,
    event.firstTimestamp,
    event.metadata?.creationTimestamp
  ];
  for (const time of candidates) {
    const micros = timeMicros(time ?? undefined);
    if (!Number.isNaN(micros)) return micros;
  }
  return 0;
}

function ageMs(since: string | undefined, now: number): number {
  const start = Date.parse(since ?? '');
  return Number.isNaN(start) ? 0 : now - start;
}

function lastExit(status: ContainerStatus): string {
  const terminated = status.lastState?.terminated;
  if (!terminated) return '';
  const why = terminated.reason ? ` (${terminated.reason})` : '';
  return `last exit code ${terminated.exitCode ?? '?'}${why}`;
}

/** What the pod alone does not show: its events, its workload's terminating pods, the release. */
export interface PodContext {
  /** The events about this pod; undefined when they cannot be read (no permission). */
  events?: KubeEvent[];
  /**
   * Epoch ms by which the last pod of the same workload seen terminating is gone (its
   * deletionTimestamp): the room it frees on a node may be what this pod waits for.
   */
  roomFreedAt?: number;
  /** The release's custom resources (`Certificate/web-tls`), whose operators may create Secrets. */
  customResources?: string;
}

/** How long a missing Secret/ConfigMap is waited for, and what the message adds. Pure. */
function missingObjectGrace(
  rules: FailFastRules,
  context: PodContext,
  ageMs: number
): { bound: number; note: string } {
  if (!context.customResources) return { bound: rules.missingObjectMs, note: '' };
  const waited = rules.operatorObjectMs
    ? ` for ${Math.round(ageMs / 1000)}s, although an operator of the release's ${context.customResources} could have created it`
    : '';
  return { bound: rules.operatorObjectMs, note: waited && ` (not created${waited})` };
}

function lastPullFailure(events: KubeEvent[] | undefined): string {
  return (
    (events ?? []).filter((e) => e.reason === 'Failed' && /pull/i.test(e.message ?? '')).at(-1)
      ?.message ?? ''
  );
}

function containerFailure(
  pod: Pod,
  status: ContainerStatus,
  now: number,
  rules: FailFastRules,
  context: PodContext
): Omit<PodFailure, 'pod' | 'initContainer'> | null {
  const waiting = status.state?.waiting;
  const reason = waiting?.reason ?? '';
  const message = waiting?.message ?? '';
  const restarts = status.restartCount ?? 0;
  const named = { container: status.name, reason };
  const podAge = ageMs(pod.status?.startTime ?? pod.metadata?.creationTimestamp, now);
  if (reason === 'InvalidImageName' || reason === 'ErrImageNeverPull') {
    return { ...named, message: message || `cannot pull image ${status.image ?? ''}`.trim() };
  }
  if (reason === 'ImagePullBackOff' || reason === 'ErrImagePull') {
    let cause = pullCause(message);
    let why = message;
    if (cause === 'unknown') {
      const event = lastPullFailure(context.events);
      if (event) [cause, why] = [pullCause(event), `${message}: ${event}`.replace(/^: /, '')];
    }
    if (cause === 'final') return { ...named, message: why };
    if (podAge >= rules.transientPullMs) {
      const kind = cause === 'transient' ? 'a cause that usually passes' : 'no cause given';
      const bound = rules.transientPullMs
        ? ` (pulls kept failing for ${Math.round(podAge / 1000)}s, ${kind})`
        : '';
      return { ...named, message: `${why || `cannot pull image ${status.image ?? ''}`}${bound}` };
    }
    return null;
  }
  if (reason === 'CrashLoopBackOff' && restarts >= rules.crashLoopRestarts) {
    const exit = lastExit(status);
    return { ...named, message: `restarted ${restarts} times${exit ? `, ${exit}` : ''}` };
  }
  if (reason === 'CreateContainerConfigError') {
    const grace = missingObjectGrace(rules, context, podAge);
    if (podAge >= grace.bound) return { ...named, message: `${message}${grace.note}` };
  }
  return null;
}

/**
 * How long an autoscaler may take to announce a scale-up for this pod: Cluster Autoscaler's
 * latency bound (its FAQ: 30 s under 100 nodes, 60 s for 100–1000, about 3× with pod
 * affinity) from the base for small clusters; the node count is the scheduler's `0/N nodes`.
 * Pure.
 */
export function noScaleUpBound(baseMs: number, scheduler: string, pod: Pod): number {
  const nodes = Number(/^0\/(\d+) nodes are available/.exec(scheduler)?.[1] ?? 0);
  const affinity = (pod.spec?.affinity ?? {}) as {
    podAffinity?: unknown;
    podAntiAffinity?: unknown;
  };
  const interPod = !!(affinity.podAffinity || affinity.podAntiAffinity);
  return baseMs * (nodes >= 100 ? 2 : 1) * (interPod ? 3 : 1);
}

/** Unschedulable: waiting while a node is on its way or room is being freed, else failing. */
function scheduleFailure(
  pod: Pod,
  now: number,
  rules: FailFastRules,
  context: PodContext
): PodFailure | null {
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status !== 'False' || scheduled.reason !== 'Unschedulable') return null;
  const since = ageMs(scheduled.lastTransitionTime ?? pod.metadata?.creationTimestamp, now);
  const name = pod.metadata?.name ?? '';
  const scheduler = scheduled.message ?? '';
  const scaleUp = (context.events ?? []).filter((e) =>
    ['TriggeredScaleUp', 'NotTriggerScaleUp', 'Nominated'].includes(e.reason ?? '')
  );
  const latest = scaleUp.at(-1);
  const fail = (message: string): PodFailure => ({
    pod: name,
    initContainer: false,
    reason: 'Unschedulable',
    message
  });
  // The scheduler tries again as soon as a pod on a node is gone: a rollout with
  // maxUnavailable (or a StatefulSet replacing a pod) waits for its own old pods' room, and an
  // autoscaler that sees no node group to grow says NotTriggerScaleUp meanwhile.
  const sinceRoom = context.roomFreedAt === undefined ? Infinity : now - context.roomFreedAt;
  if (sinceRoom < rules.noScaleUpMs) return null;
  const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;
  if (latest?.reason === 'NotTriggerScaleUp' && !pod.status?.nominatedNodeName) {
    return fail(`${scheduler}; cluster-autoscaler: ${latest.message ?? ''}`.replace(/^; /, ''));
  }
  const nodeComing = !!pod.status?.nominatedNodeName || !!latest || context.events === undefined;
  if (nodeComing) {
    if (since < rules.scaleUpMs) return null;
    const why =
      context.events === undefined
        ? 'its events cannot be read to see whether a node is being added'
        : `although a node was being added (${latest?.reason ?? 'nominated'})`;
    return fail(`${scheduler} (for ${seconds(since)}, ${why})`.trim());
  }
  const bound = noScaleUpBound(rules.noScaleUpMs, scheduler, pod);
  if (since < bound) return null;
  const room =
    sinceRoom === Infinity
      ? ''
      : `, ${seconds(sinceRoom)} after the pods of its workload that were terminating were gone,`;
  return fail(
    `${scheduler} (for ${seconds(since)}${room} and no autoscaler is adding a node)`.trim()
  );
}

/** A volume that cannot be mounted because its Secret or ConfigMap does not exist. */
function mountFailure(
  pod: Pod,
  now: number,
  rules: FailFastRules,
  context: PodContext
): PodFailure | null {
  const mount = (context.events ?? [])
    .filter((e) => e.reason === 'FailedMount' && /not found/i.test(e.message ?? ''))
    .at(-1);
  if (!mount || pod.status?.phase !== 'Pending') return null;
  const podAge = ageMs(pod.metadata?.creationTimestamp, now);
  const grace = missingObjectGrace(rules, context, podAge);
  if (podAge < grace.bound) return null;
  return {
    pod: pod.metadata?.name ?? '',
    initContainer: false,
    reason: 'FailedMount',
    message: `${(mount.message ?? '').trim()}${grace.note}`
  };
}

/** The first final problem of the pod (init containers first: they block the rest), or null. */
export function classifyPod(
  pod: Pod,
  now: number,
  rules: FailFastRules = DEFAULT_FAIL_FAST_RULES,
  context: PodContext = {}
): PodFailure | null {
  const name = pod.metadata?.name ?? '(unnamed pod)';
  const groups: Array<[boolean, ContainerStatus[] | undefined]> = [
    [true, pod.status?.initContainerStatuses],
    [false, pod.status?.containerStatuses]
  ];
  for (const [initContainer, statuses] of groups) {
    for (const status of statuses ?? []) {
      const failure = containerFailure(pod, status, now, rules, context);
      if (failure) return { pod: name, initContainer, ...failure };
    }
  }
  return scheduleFailure(pod, now, rules, context) ?? mountFailure(pod, now, rules, context);
}

/** Whether a pod's own events could change its verdict (so they are worth reading). Pure. */
export function needsEvents(pod: Pod): boolean {
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? [])
  ];
  const pulling = statuses.some(
    (s) =>
      ['ImagePullBackOff', 'ErrImagePull'].includes(s.state?.waiting?.reason ?? '') &&
      pullCause(s.state?.waiting?.message ?? '') === 'unknown'
  );
  const unschedulable = pod.status?.conditions?.some(
    (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable'
  );
  const creating =
    pod.status?.phase === 'Pending' &&
    !!pod.spec?.nodeName &&
    statuses.every((s) => !s.state?.running && !s.state?.terminated);
  return pulling || !!unschedulable || creating;
}

/**
 * Failures without a failing container: a ReplicaSet that cannot create pods (ReplicaFailure),
 * a StatefulSet/DaemonSet/Job with FailedCreate events and too few pods, a Job past its
 * backoffLimit or activeDeadlineSeconds. Pure.
 */
export function classifyWorkload(
  kind: string,
  object: LiveWorkload,
  podCount: number,
  wanted: number,
  now: number,
  rules: FailFastRules,
  events: KubeEvent[] = []
): PodFailure | null {
  const name = object.metadata?.name ?? '';
  const failed = (reason: string, message: string): PodFailure => ({
    pod: name,
    kind,
    initContainer: false,
    reason,
    message: message.trim()
  });
  const conditions = object.status?.conditions ?? [];
  if (kind === 'Job') {
    const jobFailed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
    if (jobFailed) return failed(jobFailed.reason ?? 'Failed', jobFailed.message ?? '');
  }
  const replicaFailure = conditions.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  if (replicaFailure && ageMs(replicaFailure.lastTransitionTime, now) >= rules.createFailureMs) {
    return failed(replicaFailure.reason ?? 'FailedCreate', replicaFailure.message ?? '');
  }
  if (podCount < wanted) {
    // The controller retries with back-off and says so again: a recent event that has been
    // repeating for longer than the grace.
    const creates = events.filter((e) => e.reason === 'FailedCreate');
    const last = creates.at(-1);
    const first = creates[0];
    const firstSeen = first && timeMicros(first.firstTimestamp ?? first.eventTime) / 1000;
    if (last && firstSeen && now - firstSeen >= rules.createFailureMs) {
      return failed('FailedCreate', last.message ?? '');
    }
  }
  return null;
}

/** "pod web-7d4 container app: ImagePullBackOff (Back-off pulling image …)". */
export function describePodFailure(failure: PodFailure): string {
  const container = failure.container
    ? ` ${failure.initContainer ? 'init container' : 'container'} ${failure.container}`
    : '';
  const detail = failure.message ? ` (${failure.message})` : '';
  return `${failure.kind ?? 'pod'} ${failure.pod}${container}: ${failure.reason}${detail}`;
}
