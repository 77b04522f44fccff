// While helm waits for the rollout, follow the release's own objects and report the first
// final problem (a bad image, a crash loop, pods that cannot be created …) so the caller can
// stop helm in seconds instead of letting it burn the whole timeout.
//
// The objects come from the release record helm writes before it applies anything (the
// revision it is creating, with its hooks); their pods from each workload's ownership chain
// (release-objects.ts). The cluster is polled, never watched: a few GETs per workload every
// `pollMs`, the same for an identity that may not watch pods, and a 403 on something that
// is only needed for a better verdict (events) is named once and not asked again.
import * as core from '@actions/core';
import { KubeApiError, type KubeClient } from './client.js';
import { objectEvents } from './events.js';
import { pause } from './pause.js';
import type { Permissions } from './permissions.js';
import {
  classifyPod,
  classifyWorkload,
  DEFAULT_FAIL_FAST_RULES,
  describePodFailure,
  needsEvents,
  type FailFastRules,
  type PodFailure
} from './pod-failure.js';
import type { ReleaseTarget } from './release-plan.js';
import { readReleaseRecord } from './release-history.js';
import {
  collectionPath,
  describeObjects,
  planRolloutWatch,
  releaseObjects,
  replicaSetsPath,
  rolloutPods,
  selectorString,
  type ReleasePlanOfWatch,
  type RolloutPods
} from './release-objects.js';
import type { KubeEvent, KubeObject, LiveWorkload, Pod } from './types.js';

interface FailFastOptions extends ReleaseTarget {
  /** The revision helm is writing (the newest one + 1). */
  revision: number;
  permissions: Permissions;
  onFailure: (failure: PodFailure) => void;
  rules?: Partial<FailFastRules>;
  /** Between two looks at the cluster. */
  pollMs?: number;
  now?: () => number;
}

export interface FailFastWatch {
  /** The failure reported to onFailure, if any. */
  readonly failure?: PodFailure;
  stop(): Promise<void>;
}

type Live = LiveWorkload;

const EVENTS = 'list events';
const EVENTS_WITHOUT =
  'fail-fast cannot see scale-ups, mount or create failures in events and waits longer for them, and the diagnostics have no events';

/** How many pods a workload's rollout should have, for "pods cannot be created". Pure. */
export function wantedPods(kind: string, live: Live | undefined, replicaSet?: Live): number {
  if (kind === 'Deployment') return replicaSet?.spec?.replicas ?? 0;
  if (kind === 'StatefulSet') return live?.spec?.replicas ?? 1;
  if (kind === 'DaemonSet') return live?.status?.desiredNumberScheduled ?? 0;
  if (kind === 'Job') return live?.spec?.parallelism ?? 1;
  return 0;
}

async function getOrNone(client: KubeClient, path: string): Promise<Live | undefined> {
  try {
    return await client.get<Live>(path);
  } catch (error) {
    if (error instanceof KubeApiError && error.statusCode === 404) return undefined;
    throw error;
  }
}

/** One workload as it runs now: the live object, and the pods of its rollout. */
export async function readWorkload(
  client: KubeClient,
  workload: ReleasePlanOfWatch['workloads'][number]
): Promise<{ rollout: RolloutPods; live?: Live }> {
  const base = collectionPath(workload.kind, workload.namespace);
  const live = await getOrNone(client, `${base}/${encodeURIComponent(workload.name)}`);
  const selector = selectorString(live?.spec?.selector);
  const list = async <T>(path: string) =>
    live && selector
      ? (await client.list<T>(path, { labelSelector: selector })).items
      : ([] as T[]);
  const [replicaSets, pods] = await Promise.all([
    workload.kind === 'Deployment'
      ? list<KubeObject>(replicaSetsPath(workload.namespace))
      : Promise.resolve([]),
    workload.kind === 'Pod'
      ? Promise.resolve([])
      : list<Pod>(collectionPath('Pod', workload.namespace))
  ]);
  return { rollout: rolloutPods({ workload, live, replicaSets, pods }), live };
}

/** Reads what the pure rules need, one workload at a time; the first failure wins. */
class RolloutReader {
  private readonly eventCache = new Map<string, { at: number; events?: KubeEvent[] }>();
  /** Per workload, when the last of its pods seen terminating is gone: pods vanish once deleted. */
  private readonly roomFreedAt = new Map<string, number>();

  constructor(
    private readonly client: KubeClient,
    private readonly options: FailFastOptions,
    private readonly rules: FailFastRules,
    private readonly now: () => number
  ) {}

  /** The object's events, read at most every 10 s; undefined when they may not be listed. */
  private async events(object: KubeObject): Promise<KubeEvent[] | undefined> {
    const uid = object.metadata?.uid ?? '';
    const cached = this.eventCache.get(uid);
    if (cached && this.now() - cached.at < 10_000) return cached.events;
    const events = await this.options.permissions.attempt<KubeEvent[] | undefined>(
      EVENTS,
      EVENTS_WITHOUT,
      undefined,
      () => objectEvents(this.client, this.options.namespace, uid)
    );
    this.eventCache.set(uid, { at: this.now(), events });
    return events;
  }

  /** The latest time a terminating pod of this workload frees its room, over every look. */
  private freedAt(rollout: RolloutPods): number | undefined {
    const { kind, namespace, name } = rollout.workload;
    const key = `${kind}/${namespace}/${name}`;
    const seen = Math.max(this.roomFreedAt.get(key) ?? 0, rollout.roomFreedAt ?? 0);
    if (!seen) return undefined;
    this.roomFreedAt.set(key, seen);
    return seen;
  }

  async judge(
    rollout: RolloutPods,
    live: Live | undefined,
    plan: ReleasePlanOfWatch
  ): Promise<PodFailure | null> {
    const now = this.now();
    const kind = rollout.workload.kind;
    const shared = {
      roomFreedAt: this.freedAt(rollout),
      customResources: describeObjects(plan.unfollowable) || undefined
    };
    const owner = kind === 'Deployment' ? (rollout.replicaSet as Live | undefined) : live;
    if (owner && kind !== 'Pod') {
      const wanted = wantedPods(kind, live, rollout.replicaSet as Live | undefined);
      const short = rollout.pods.length < wanted;
      const events = short && kind !== 'Deployment' ? await this.events(owner) : undefined;
      const failure = classifyWorkload(
        kind === 'Deployment' ? 'ReplicaSet' : kind,
        owner,
        rollout.pods.length,
        wanted,
        now,
        this.rules,
        events
      );
      if (failure) return failure;
    }
    for (const pod of [...rollout.pods, ...(rollout.blocking ?? [])]) {
      const events = needsEvents(pod) ? await this.events(pod) : [];
      const context = { ...shared, events };
      const failure = classifyPod(pod, now, this.rules, context);
      if (!failure) continue;
      if (!rollout.blocking?.includes(pod)) return failure;
      return {
        ...failure,
        message: `${failure.message}; this pod of an earlier revision holds the rollout: ${kind} ${rollout.workload.name} (podManagementPolicy OrderedReady) replaces no pod while one is not Ready, so delete it (kubectl delete pod ${pod.metadata?.name ?? ''} -n ${rollout.workload.namespace}) and re-run`
      };
    }
    return null;
  }
}

/**
 * Starts following the release's rollout; resolves at once (call it before starting helm).
 * Never throws: if the release's pods cannot be read, the deploy goes on without fail-fast
 * and one warning says why.
 */
export function watchRollout(client: KubeClient, options: FailFastOptions): FailFastWatch {
  const rules = { ...DEFAULT_FAIL_FAST_RULES, ...options.rules };
  const now = options.now ?? Date.now;
  const controller = new AbortController();
  const reader = new RolloutReader(client, options, rules, now);
  let failure: PodFailure | undefined;
  let plan: ReleasePlanOfWatch | undefined;

  /** The release's objects, once helm wrote its record; logged (and warned about) once. */
  const readPlan = async (): Promise<ReleasePlanOfWatch | undefined> => {
    if (plan) return plan;
    const record = await readReleaseRecord(client, options, options.revision);
    if (!record) return undefined;
    plan = planRolloutWatch(releaseObjects(record, options.namespace));
    if (plan.unfollowable.length) {
      core.warning(
        `Fail-fast and the diagnostics cannot follow ${describeObjects(plan.unfollowable)} of release "${options.release}" (kinds whose pods this action does not know); helm's --wait alone judges them.`
      );
    }
    core.info(
      `Fail-fast follows ${describeObjects(plan.workloads) || 'no workloads'} of release "${options.release}" revision ${options.revision}`
    );
    return plan;
  };

  const look = async (): Promise<boolean> => {
    const current = await readPlan();
    if (!current) return false;
    for (const workload of current.workloads) {
      const { rollout, live } = await readWorkload(client, workload);
      if (!rollout.current) {
        core.debug(`fail-fast: ${workload.kind}/${workload.name}: ${rollout.note ?? ''}`);
        continue;
      }
      const found = await reader.judge(rollout, live, current);
      if (found) {
        failure = found;
        core.info(`Fail-fast: ${describePodFailure(found)}`);
        options.onFailure(found);
        return true;
      }
    }
    return false;
  };

  const done = (async () => {
    while (!controller.signal.aborted) {
      try {
        if (await look()) return;
      } catch (error) {
        if (
          options.permissions.forbidden(
            error,
            'read the pods of its workloads',
            'fail-fast is off for this deploy; helm waits up to its timeout'
          )
        ) {
          return;
        }
        core.debug(`fail-fast: looking again after an error: ${String(error)}`);
      }
      await pause(options.pollMs ?? 2000, controller.signal);
    }
  })();

  return {
    get failure() {
      return failure;
    },
    async stop() {
      controller.abort();
      await done;
      // helm may finish before the first look found its record: the log still says what the
      // release holds, and which of its objects nothing follows, whatever helm's speed.
      if (!plan && !failure) {
        await readPlan().catch((error: unknown) =>
          core.debug(`fail-fast: release record not read: ${String(error)}`)
        );
      }
    }
  };
}
