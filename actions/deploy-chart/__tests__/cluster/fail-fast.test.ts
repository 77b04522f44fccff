import { afterEach, describe, expect, test } from '@jest/globals';
import { KubeApiError } from '../../src/cluster/client.js';
import {
  firstFailure,
  releaseSelector,
  watchForPodFailures,
  type FailFastWatch
} from '../../src/cluster/fail-fast.js';
import { follow } from '../../src/cluster/follow.js';
import { DEFAULT_FAIL_FAST_RULES, type PodFailure } from '../../src/cluster/pod-failure.js';
import type { Pod } from '../../src/cluster/types.js';
import { FakeKube, settle } from './fake-kube.js';
import { captureStdout } from './capture-stdout.js';

const PODS = '/api/v1/namespaces/web/pods';
const labels = { 'app.kubernetes.io/instance': 'demo' };

function pod(uid: string, reason?: string, extra: Partial<NonNullable<Pod['metadata']>> = {}): Pod {
  return {
    metadata: { uid, name: `demo-${uid}`, labels, ...extra },
    status: {
      phase: 'Pending',
      containerStatuses: [
        {
          name: 'app',
          restartCount: 0,
          state: reason ? { waiting: { reason, message: `${reason} message` } } : { running: {} }
        }
      ]
    }
  };
}

const stdout = captureStdout();

test.each<[string, Pod[], string[], string | null]>([
  ['a new pod with a bad image', [pod('new', 'ImagePullBackOff')], [], 'demo-new'],
  [
    'a pod from before the deploy is not ours to judge',
    [pod('old', 'ImagePullBackOff')],
    ['old'],
    null
  ],
  [
    'a terminating pod is ignored',
    [pod('gone', 'CrashLoopBackOff', { deletionTimestamp: '2026-11-25T12:00:00Z' })],
    [],
    null
  ],
  ['healthy new pod', [pod('new')], [], null],
  [
    'first failing new pod among several',
    [pod('old', 'ImagePullBackOff'), pod('ok'), pod('bad', 'InvalidImageName')],
    ['old'],
    'demo-bad'
  ]
])('firstFailure: %s', (_name, pods, baseline, want) => {
  expect(
    firstFailure(pods, new Set(baseline), Date.now(), DEFAULT_FAIL_FAST_RULES)?.pod ?? null
  ).toBe(want);
});

test("the selector is helm's standard instance label", () => {
  expect(releaseSelector('demo')).toBe('app.kubernetes.io/instance=demo');
});

describe('watchForPodFailures', () => {
  let watch: FailFastWatch | undefined;
  afterEach(async () => {
    await watch?.stop();
    watch = undefined;
  });

  test('reports the first new pod that turns terminal, once, and ignores pods from before', async () => {
    const kube = new FakeKube().set(PODS, [pod('old', 'ImagePullBackOff')]);
    const failures: PodFailure[] = [];
    watch = await watchForPodFailures(kube, {
      release: 'demo',
      namespace: 'web',
      onFailure: (f) => failures.push(f)
    });
    await settle();
    expect(failures).toEqual([]);

    kube.emit(PODS, 'ADDED', pod('new', 'ContainerCreating'));
    expect(failures).toEqual([]);
    kube.emit(PODS, 'MODIFIED', pod('new', 'ImagePullBackOff'));
    kube.emit(PODS, 'MODIFIED', pod('new', 'ImagePullBackOff'));
    expect(failures).toEqual([
      {
        pod: 'demo-new',
        container: 'app',
        initContainer: false,
        reason: 'ImagePullBackOff',
        message: 'ImagePullBackOff message'
      }
    ]);
    expect(watch.failure).toEqual(failures[0]);
    expect(stdout.text()).toContain(
      'Fail-fast: pod demo-new container app: ImagePullBackOff (ImagePullBackOff message)'
    );
  });

  test('stop() closes the watch', async () => {
    const kube = new FakeKube();
    watch = await watchForPodFailures(kube, {
      release: 'demo',
      namespace: 'web',
      onFailure: () => {}
    });
    await settle();
    expect(kube.openWatches).toBe(1);
    await watch.stop();
    expect(kube.openWatches).toBe(0);
  });

  test('re-checks time-based rules without events', async () => {
    let clock = Date.parse('2026-11-25T12:00:00Z');
    const unschedulable: Pod = {
      metadata: {
        uid: 'u',
        name: 'demo-u',
        labels,
        creationTimestamp: new Date(clock).toISOString()
      },
      status: {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            lastTransitionTime: new Date(clock).toISOString()
          }
        ]
      }
    };
    const kube = new FakeKube();
    const failures: PodFailure[] = [];
    watch = await watchForPodFailures(kube, {
      release: 'demo',
      namespace: 'web',
      onFailure: (f) => failures.push(f),
      recheckMs: 10,
      now: () => clock
    });
    kube.emit(PODS, 'ADDED', unschedulable);
    expect(failures).toEqual([]);
    clock += DEFAULT_FAIL_FAST_RULES.unschedulableMs;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(failures.map((f) => f.reason)).toEqual(['Unschedulable']);
  });

  test('cannot list pods: warns and watches nothing, the deploy goes on', async () => {
    const kube = new FakeKube().fail(
      PODS,
      new KubeApiError('GET', PODS, 403, 'Forbidden', 'pods is forbidden')
    );
    watch = await watchForPodFailures(kube, {
      release: 'demo',
      namespace: 'web',
      onFailure: () => {}
    });
    expect(watch.failure).toBeUndefined();
    expect(stdout.text()).toMatch(
      /::warning::Fail-fast is off for this deploy: cannot list the pods of release "demo".*403 Forbidden/
    );
  });
});

describe('follow', () => {
  test('lists again after a watch error and watches again when the stream ends', async () => {
    const kube = new FakeKube().set(PODS, [pod('a')]);
    const controller = new AbortController();
    const seen: string[][] = [];
    const errors: unknown[] = [];
    const following = await follow<Pod>(
      kube,
      PODS,
      {},
      (pods) => seen.push(pods.map((p) => p.metadata?.uid ?? '')),
      controller.signal,
      {
        retryDelayMs: 1,
        onError: (e) => errors.push(e)
      }
    );
    expect(following.initial.map((p) => p.metadata?.uid)).toEqual(['a']);
    await settle();

    kube.set(PODS, [pod('a'), pod('b')]); // changed while the watch was down
    kube.endWatches(new KubeApiError('WATCH', PODS, 410, 'Expired', 'too old resource version'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(errors).toHaveLength(1);
    expect(seen.at(-1)).toEqual(['a', 'b']);
    expect(kube.openWatches).toBe(1);

    kube.emit(PODS, 'DELETED', pod('a'));
    expect(seen.at(-1)).toEqual(['b']);

    controller.abort();
    await following.done;
    expect(kube.calls.filter((c) => c.startsWith('LIST'))).toHaveLength(2);
  });
});
