// Which pod states mean "this rollout will not become ready before the timeout", so the
// deploy can stop now instead of waiting minutes. Pure: a pod object and the time in, a
// reason or null out. Transient states (a first ErrImagePull from a flaky registry, one
// crash, a few seconds of missing ConfigMap) are not terminal until they persist.
import type { ContainerStatus, Pod } from './types.js';

export interface PodFailure {
  pod: string;
  container?: string;
  initContainer: boolean;
  reason: string;
  message: string;
}

export interface FailFastRules {
  /** CrashLoopBackOff counts once the container restarted this many times. */
  crashLoopRestarts: number;
  /** A pod unschedulable for this long (cluster-autoscaler needs a minute or two) counts. */
  unschedulableMs: number;
  /** CreateContainerConfigError (missing Secret/ConfigMap key) counts after the pod is this old. */
  configErrorMs: number;
}

export const DEFAULT_FAIL_FAST_RULES: FailFastRules = {
  crashLoopRestarts: 3,
  unschedulableMs: 120_000,
  configErrorMs: 20_000
};

/** Reasons that never fix themselves: the pod spec itself must change. */
const ALWAYS_TERMINAL = ['ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull'];

/** ErrImagePull messages that say the image cannot exist or cannot be read, as opposed to a network hiccup. */
const PERMANENT_PULL_ERROR =
  /not found|manifest unknown|name unknown|does not exist|unauthorized|denied|forbidden|invalid reference/i;

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

function containerFailure(
  pod: Pod,
  status: ContainerStatus,
  now: number,
  rules: FailFastRules
): Omit<PodFailure, 'pod' | 'initContainer'> | null {
  const waiting = status.state?.waiting;
  const reason = waiting?.reason ?? '';
  const message = waiting?.message ?? '';
  const restarts = status.restartCount ?? 0;
  const named = { container: status.name, reason };
  if (ALWAYS_TERMINAL.includes(reason)) {
    return { ...named, message: message || `cannot pull image ${status.image ?? ''}`.trim() };
  }
  if (reason === 'ErrImagePull' && PERMANENT_PULL_ERROR.test(message)) {
    return { ...named, message };
  }
  if (reason === 'CrashLoopBackOff' && restarts >= rules.crashLoopRestarts) {
    const exit = lastExit(status);
    return { ...named, message: `restarted ${restarts} times${exit ? `, ${exit}` : ''}` };
  }
  if (
    reason === 'CreateContainerConfigError' &&
    ageMs(pod.status?.startTime ?? pod.metadata?.creationTimestamp, now) >= rules.configErrorMs
  ) {
    return { ...named, message };
  }
  return null;
}

/** The first terminal problem of the pod (init containers first: they block the rest), or null. */
export function classifyPod(
  pod: Pod,
  now: number,
  rules: FailFastRules = DEFAULT_FAIL_FAST_RULES
): PodFailure | null {
  const name = pod.metadata?.name ?? '(unnamed pod)';
  const groups: Array<[boolean, ContainerStatus[] | undefined]> = [
    [true, pod.status?.initContainerStatuses],
    [false, pod.status?.containerStatuses]
  ];
  for (const [initContainer, statuses] of groups) {
    for (const status of statuses ?? []) {
      const failure = containerFailure(pod, status, now, rules);
      if (failure) return { pod: name, initContainer, ...failure };
    }
  }
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    const since = ageMs(scheduled.lastTransitionTime ?? pod.metadata?.creationTimestamp, now);
    if (since >= rules.unschedulableMs) {
      return {
        pod: name,
        initContainer: false,
        reason: 'Unschedulable',
        message: scheduled.message ?? ''
      };
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
  return `pod ${failure.pod}${container}: ${failure.reason}${detail}`;
}
