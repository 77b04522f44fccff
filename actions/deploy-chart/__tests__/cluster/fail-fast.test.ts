import { afterEach, describe, expect, test } from '@jest/globals';
import { KubeApiError } from '../../src/cluster/client.js';
import { watchRollout, wantedPods, type FailFastWatch } from '../../src/cluster/fail-fast.js';
import { Permissions } from '../../src/cluster/permissions.js';
import type { PodFailure } from '../../src/cluster/pod-failure.js';
import type { KubeObject, Pod } from '../../src/cluster/types.js';
import { FakeKube } from './fake-kube.js';
import { captureStdout } from './capture-stdout.js';
import { releaseSecret } from './helm-storage.js';
import { deployment, HOOKS, MANIFEST, notFound, pod, replicaSet } from './rollout-fixtures.js';

const NS = '/api/v1/namespaces/web';
const PODS = `${NS}/pods`;
const SECRETS = `${NS}/secrets`;
const EVENTS = `${NS}/events`;
const DEPLOYMENTS = '/apis/apps/v1/namespaces/web/deployments';
const REPLICASETS = '/apis/apps/v1/namespaces/web/replicasets';
const JOBS = '/apis/batch/v1/namespaces/web/jobs';
const target = { release: 'shop', namespace: 'web' };

const stdout = captureStdout();

function record(revision: number) {
  return releaseSecret(
    'shop',
    {
      revision,
      status: 'pending-upgrade',
      chart: 'shop-1.0.0',
      app_version: '2',
      description: 'Preparing upgrade'
    },
    { manifest: MANIFEST, hooks: HOOKS }
  );
}

/** The cluster mid-upgrade to revision 2: v2's ReplicaSet and v1's, each with a pod. */
function cluster(newPod: Pod, image = 'ghcr.io/o/shop:v2'): FakeKube {
  return new FakeKube()
    .set(SECRETS, [record(2)])
    .set(DEPLOYMENTS, [deployment(image)])
    .set(REPLICASETS, [replicaSet('rs-old', 1), replicaSet('rs-new', 2)])
    .set(PODS, [pod('old-1', 'rs-old', notFound), newPod])
    .set(JOBS, [])
    .set(EVENTS, []);
}

/** v2's pod new-1, Unschedulable with the scheduler's `message` since `since`. */
const pendingPod = (message: string, since: string) =>
  pod('new-1', 'rs-new', undefined, {
    spec: {},
    status: {
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message,
          lastTransitionTime: since
        }
      ]
    }
  });

const until = async (check: () => boolean, ms = 2000) => {
  for (const end = Date.now() + ms; !check() && Date.now() < end;) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('watchRollout', () => {
  let watch: FailFastWatch | undefined;
  afterEach(async () => {
    await watch?.stop();
    watch = undefined;
  });
  const start = (kube: FakeKube, failures: PodFailure[], extra = {}) =>
    (watch = watchRollout(kube, {
      ...target,
      revision: 2,
      permissions: new Permissions('web'),
      onFailure: (f) => failures.push(f),
      pollMs: 5,
      ...extra
    }));

  test("judges the newest ReplicaSet's pods, found by ownership (no instance label), and names what it cannot follow once", async () => {
    const kube = cluster(pod('new-1', 'rs-new', notFound));
    const failures: PodFailure[] = [];
    start(kube, failures);
    await until(() => failures.length > 0);
    expect(failures.map((f) => `${f.pod} ${f.reason}`)).toEqual(['new-1 ImagePullBackOff']);
    expect(stdout.text()).toContain('Fail-fast: pod new-1 container web: ImagePullBackOff');
    expect(stdout.text()).toContain(
      'Fail-fast follows Deployment/shop-web, Job/shop-migrate of release "shop" revision 2'
    );
    const warnings = stdout.text().match(/::warning::Fail-fast and the diagnostics cannot follow/g);
    expect(warnings).toHaveLength(1);
    expect(stdout.text()).toContain('cannot follow Widget/shop-widget of release "shop"');
  });

  test('helm done before the first look found its record: stopping still names what the release holds, and what nothing follows', async () => {
    const kube = cluster(pod('new-1', 'rs-new')).set(SECRETS, []);
    const failures: PodFailure[] = [];
    start(kube, failures, { pollMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    kube.set(SECRETS, [record(2)]); // helm wrote it, deployed and exited within one poll
    await watch?.stop();
    watch = undefined;
    expect(failures).toEqual([]);
    expect(stdout.text()).toContain(
      'Fail-fast follows Deployment/shop-web, Job/shop-migrate of release "shop" revision 2'
    );
    expect(stdout.text()).toContain('cannot follow Widget/shop-widget of release "shop"');
  });

  test("the old ReplicaSet's failing pods (a drain, an HPA) are not this deploy's", async () => {
    const kube = cluster(pod('new-1', 'rs-new'));
    const failures: PodFailure[] = [];
    start(kube, failures);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(failures).toEqual([]);
  });

  test('waits for the release record helm is writing, and for helm to apply the new spec', async () => {
    const kube = cluster(pod('new-1', 'rs-new', notFound), 'ghcr.io/o/shop:v1')
      .set(SECRETS, [])
      .set(REPLICASETS, [replicaSet('rs-new', 1)]);
    const failures: PodFailure[] = [];
    start(kube, failures);
    await new Promise((resolve) => setTimeout(resolve, 40));
    kube.set(SECRETS, [record(2)]);
    await new Promise((resolve) => setTimeout(resolve, 40));
    // v1 still runs (and fails): the fix helm is about to apply must not be stopped for it.
    expect(failures).toEqual([]);
    kube.set(DEPLOYMENTS, [deployment('ghcr.io/o/shop:v2', 3)]);
    kube.set(REPLICASETS, [replicaSet('rs-new', 1), replicaSet('rs-v2', 2)]);
    kube.set(PODS, [pod('v2-1', 'rs-v2', notFound)]);
    await until(() => failures.length > 0);
    expect(failures.map((f) => f.pod)).toEqual(['v2-1']);
  });

  test('a hook Job over its backoffLimit stops the deploy', async () => {
    const kube = cluster(pod('new-1', 'rs-new')).set(JOBS, [
      {
        metadata: { name: 'shop-migrate', uid: 'job-uid', generation: 1 },
        spec: {
          selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'job-uid' } },
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'migrate', image: 'ghcr.io/o/shop:v2' }]
            }
          }
        },
        status: {
          conditions: [
            {
              type: 'Failed',
              status: 'True',
              reason: 'BackoffLimitExceeded',
              message: 'Job has reached the specified backoff limit'
            }
          ]
        }
      } as KubeObject
    ]);
    const failures: PodFailure[] = [];
    start(kube, failures);
    await until(() => failures.length > 0);
    expect(failures[0]).toMatchObject({
      kind: 'Job',
      pod: 'shop-migrate',
      reason: 'BackoffLimitExceeded'
    });
  });

  test('an identity that may not list events: named once, an Unschedulable pod waits for the scale-up bound', async () => {
    const unschedulable = pendingPod(
      '0/3 nodes are available: 3 Insufficient cpu.',
      new Date(Date.now() - 120_000).toISOString()
    );
    const kube = cluster(unschedulable).fail(
      EVENTS,
      new KubeApiError('GET', EVENTS, 403, 'Forbidden', 'events is forbidden')
    );
    const failures: PodFailure[] = [];
    start(kube, failures);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(failures).toEqual([]);
    expect(stdout.text().match(/may not list events/g)).toHaveLength(1);
    expect(kube.calls.filter((c) => c.startsWith(`LIST ${EVENTS}`))).toHaveLength(1);
  });

  test("an Unschedulable pod waits for the room its Deployment's terminating pod frees, after that pod is gone too", async () => {
    let now = Date.parse('2026-11-25T12:00:00Z');
    const at = (ms: number) => new Date(now + ms).toISOString();
    const waiting = pendingPod('0/1 nodes are available: 1 Too many pods.', at(-60_000));
    const terminating = pod('old-1', 'rs-old', undefined, {
      metadata: { ...pod('old-1', 'rs-old').metadata, deletionTimestamp: at(20_000) }
    });
    const kube = cluster(waiting).set(PODS, [terminating, waiting]);
    const failures: PodFailure[] = [];
    const start0 = now;
    start(kube, failures, { now: () => now });
    const looks = () => kube.calls.filter((c) => c.startsWith(`LIST ${PODS}`)).length;
    const afterLooks = async (n: number) => {
      const seen = looks();
      await until(() => looks() >= seen + n);
    };
    await afterLooks(2);
    expect(failures).toEqual([]);
    kube.set(PODS, [waiting]);
    now = start0 + 45_000;
    await afterLooks(2);
    expect(failures).toEqual([]);
    now = start0 + 51_000;
    await until(() => failures.length > 0);
    expect(failures.map((f) => f.pod + ' ' + f.message)).toEqual([
      'new-1 0/1 nodes are available: 1 Too many pods. (for 111s, 31s after the pods of its workload that were terminating were gone, and no autoscaler is adding a node)'
    ]);
  });

  test('an identity that may not list pods: fail-fast is off with one warning, and stops asking', async () => {
    const kube = cluster(pod('new-1', 'rs-new', notFound)).fail(
      PODS,
      new KubeApiError('GET', PODS, 403, 'Forbidden', 'pods is forbidden')
    );
    const failures: PodFailure[] = [];
    start(kube, failures);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(failures).toEqual([]);
    expect(stdout.text()).toMatch(
      /::warning::The deploy identity may not read the pods of its workloads.*fail-fast is off/
    );
    expect(kube.calls.filter((c) => c.startsWith(`LIST ${PODS}`))).toHaveLength(1);
  });
});

test.each<[string, number]>([
  ['Deployment', 3],
  ['StatefulSet', 2],
  ['DaemonSet', 4],
  ['Job', 1]
])('wantedPods %s', (kind, want) => {
  const live = { spec: { replicas: 2 }, status: { desiredNumberScheduled: 4 } };
  expect(wantedPods(kind, live, { spec: { replicas: 3 } })).toBe(want);
});
