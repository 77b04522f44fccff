// While helm waits for the rollout, watch the release's pods and report the first terminal
// problem (bad image, crash loop …) so the caller can stop helm in seconds instead of letting
// it burn the whole timeout. Pods that existed before the deploy are ignored: during an
// upgrade the old ReplicaSet's pods (maybe broken by the previous release) are not this
// deploy's problem and are removed once the new pods are ready.
import * as core from '@actions/core';
import type { KubeClient } from './client.js';
import { follow, type Following } from './follow.js';
import {
  classifyPod,
  DEFAULT_FAIL_FAST_RULES,
  describePodFailure,
  type FailFastRules,
  type PodFailure
} from './pod-failure.js';
import type { Pod } from './types.js';

export interface FailFastOptions {
  release: string;
  namespace: string;
  onFailure: (failure: PodFailure) => void;
  rules?: Partial<FailFastRules>;
  /** Time-based rules (Unschedulable for 2 minutes) need a look even when no event arrives. */
  recheckMs?: number;
  now?: () => number;
}

export interface FailFastWatch {
  /** The failure reported to onFailure, if any. */
  readonly failure?: PodFailure;
  stop(): Promise<void>;
}

/** Helm's standard instance label, which the chart puts on every pod it creates. */
export function releaseSelector(release: string): string {
  return `app.kubernetes.io/instance=${release}`;
}

/** The first terminal failure among the pods this deploy created. Pure. */
export function firstFailure(
  pods: Pod[],
  baseline: ReadonlySet<string>,
  now: number,
  rules: FailFastRules
): PodFailure | null {
  for (const pod of pods) {
    if (baseline.has(pod.metadata?.uid ?? '') || pod.metadata?.deletionTimestamp) continue;
    const failure = classifyPod(pod, now, rules);
    if (failure) return failure;
  }
  return null;
}

/**
 * Takes the baseline (the pods existing now) and starts watching; resolves once the baseline
 * is taken, so call it before starting helm. Never throws: if pods cannot be listed, the
 * deploy goes on without fail-fast and a warning says why.
 */
export async function watchForPodFailures(
  client: KubeClient,
  options: FailFastOptions
): Promise<FailFastWatch> {
  const rules = { ...DEFAULT_FAIL_FAST_RULES, ...options.rules };
  const now = options.now ?? Date.now;
  const controller = new AbortController();
  const baseline = new Set<string>();
  let watching = false;
  let latest: Pod[] = [];
  let failure: PodFailure | undefined;

  const check = () => {
    if (!watching || failure) return;
    const found = firstFailure(latest, baseline, now(), rules);
    if (!found) return;
    failure = found;
    core.info(`Fail-fast: ${describePodFailure(found)}`);
    options.onFailure(found);
  };

  let following: Following<Pod>;
  try {
    following = await follow<Pod>(
      client,
      `/api/v1/namespaces/${encodeURIComponent(options.namespace)}/pods`,
      { labelSelector: releaseSelector(options.release) },
      (pods) => {
        latest = pods;
        check();
      },
      controller.signal,
      {
        onError: (error) =>
          core.debug(`fail-fast: pod watch interrupted, listing again: ${String(error)}`)
      }
    );
  } catch (error) {
    core.warning(
      `Fail-fast is off for this deploy: cannot list the pods of release "${options.release}" (${(error as Error).message}); helm waits up to its timeout.`
    );
    return { failure: undefined, stop: async () => {} };
  }
  for (const pod of following.initial) baseline.add(pod.metadata?.uid ?? '');
  watching = true;
  check();
  const timer = setInterval(check, options.recheckMs ?? 5000);

  return {
    get failure() {
      return failure;
    },
    async stop() {
      clearInterval(timer);
      controller.abort();
      await following.done;
    }
  };
}
