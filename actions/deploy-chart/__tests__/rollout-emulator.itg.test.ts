// Fail-fast and diagnostics against the EKS emulator over HTTPS, without helm: a release whose
// chart sets no app.kubernetes.io/instance label and has two Deployments, read from the release
// Secret the way helm stores it; events read by uid (the field selector the real API server
// supports, and the emulator now refuses the ones it does not); and an identity that RBAC denies
// events and pod logs; pulls that fail transiently then succeed, a never-ready pod, a
// LoadBalancer that is never assigned.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createKubeClient, KubeApiError, type KubeClient } from '../src/cluster/client.js';
import { collectDiagnostics } from '../src/cluster/diagnostics.js';
import { objectEvents } from '../src/cluster/events.js';
import { waitForReleaseUrl } from '../src/cluster/url.js';
import type { Pod } from '../src/cluster/types.js';
import { startCluster, type Cluster } from '../../../test/emulator/index.js';
import { failFastOn, releaseWriter } from './cluster/live-release.js';
import { FakeHelm } from './cluster/fake-helm.js';
import { captureStdout } from './cluster/capture-stdout.js';

const NS = 'omer';
const ADMIN = 'admin-token';
const LIMITED = 'limited-token';

let cluster: Cluster;
let admin: KubeClient;
let limited: KubeClient;
const access = (token: string) => ({
  contextName: 'emulator',
  server: cluster.url,
  caPem: cluster.caPem,
  insecureSkipTlsVerify: false,
  token
});
const stdout = captureStdout();

const writer = (target: () => Cluster) => releaseWriter(target, ADMIN, NS);
const failFastFor = (release: string, ms: number) => failFastOn(admin, NS, release, ms);

const podsOf = async (app: string) =>
  (await admin.list<Pod>(`/api/v1/namespaces/${NS}/pods`, { labelSelector: `app=${app}` })).items;

beforeAll(async () => {
  cluster = await startCluster({
    staticTokens: [ADMIN, LIMITED],
    podReadyDelayMs: 200,
    pullableImages: [/^registry\.local\//],
    crashLoopImages: [/:crash$/],
    neverReadyImages: [/:unready$/],
    flakyPulls: { images: [/:flaky$/], failures: 2, cause: 'net/http: TLS handshake timeout' },
    deny: [
      { token: LIMITED, user: 'ci-deployer', verb: 'list', resource: 'events' },
      { token: LIMITED, user: 'ci-deployer', verb: 'get', resource: 'pods/log' }
    ]
  });
  admin = createKubeClient(access(ADMIN));
  limited = createKubeClient(access(LIMITED));
  await writer(() => cluster).install('shop', [
    ['shop-api', 'ghcr.io/nobody/shop-api:v404'],
    ['shop-worker', 'registry.local/shop-worker:crash']
  ]);
});

afterAll(async () => {
  await cluster.stop();
});

test("fail-fast finds a release's bad image through its Deployment's ReplicaSet, without any instance label", async () => {
  const failures = await failFastFor('shop', 10_000);
  expect(failures[0]).toMatchObject({
    container: 'main',
    reason: expect.stringMatching(/^(ErrImagePull|ImagePullBackOff)$/)
  });
  expect(failures[0].pod).toMatch(/^shop-api-/);
  expect(failures[0].message).toContain('not found');
});

test('events are read by uid; an unsupported field selector is a 400, as on a real API server', async () => {
  const uid = (await podsOf('shop-api'))[0].metadata?.uid ?? '';
  const events = await objectEvents(admin, NS, uid);
  expect(events.length).toBeGreaterThan(0);
  expect(events.every((e) => e.involvedObject?.uid === uid)).toBe(true);
  const refused = await admin
    .list(`/api/v1/namespaces/${NS}/events`, { fieldSelector: 'involvedObject.labels=x' })
    .catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(KubeApiError);
  expect((refused as KubeApiError).statusCode).toBe(400);
  expect((refused as KubeApiError).kubeMessage).toBe(
    'field label not supported: involvedObject.labels'
  );
});

test('an identity RBAC denies events and pod logs: diagnostics still list the pods; each permission is named once', async () => {
  // Wait until the crash-looping worker has restarted, so its logs are wanted.
  for (let i = 0; i < 100; i++) {
    if (
      (await podsOf('shop-worker')).some(
        (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) > 0
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const d = await collectDiagnostics(limited, new FakeHelm(), { release: 'shop', namespace: NS });
  expect(d.pods.filter((p) => p.name.startsWith('shop-api-')).length).toBeGreaterThan(0);
  expect(d.pods.filter((p) => p.name.startsWith('shop-worker-')).length).toBeGreaterThan(0);
  expect(d.events).toEqual([]);
  expect(d.logs.length).toBeGreaterThan(0);
  expect(d.logs.every((l) => l.text === '(no permission to read pod logs)')).toBe(true);
  const log = stdout.text();
  expect(log.match(/The deploy identity may not list events/g)).toHaveLength(1);
  expect(log.match(/The deploy identity may not get pods\/log/g)).toHaveLength(1);
});

test('pulls that fail transiently (TLS handshake timeout) and then succeed are waited for: no early stop', async () => {
  await writer(() => cluster).install('flaky', [['flaky-web', 'registry.local/flaky-web:flaky']]);
  const failures = await failFastFor('flaky', 4000);
  expect(failures).toEqual([]);
  const pods = await podsOf('flaky-web');
  expect(pods.every((p) => p.status?.containerStatuses?.[0]?.ready)).toBe(true);
  const events = await objectEvents(admin, NS, pods[0].metadata?.uid ?? '');
  expect(events.some((e) => /TLS handshake timeout/.test(e.message ?? ''))).toBe(true);
});

test('a pod that runs but never gets Ready is not stopped early; the diagnostics show the probe failures and its log', async () => {
  await writer(() => cluster).install('slow', [['slow-web', 'registry.local/slow-web:unready']]);
  expect(await failFastFor('slow', 2000)).toEqual([]);
  const d = await collectDiagnostics(admin, new FakeHelm(), { release: 'slow', namespace: NS });
  expect(
    d.events.some((e) => e.reason === 'Unhealthy' && /Readiness probe failed/.test(e.message))
  ).toBe(true);
  expect(d.logs.some((l) => l.text.includes('503'))).toBe(true);
  expect(d.pods.every((p) => p.ready === '0/1')).toBe(true);
});

test('a LoadBalancer that is never assigned: the url is empty and the warning quotes SyncLoadBalancerFailed', async () => {
  const broken = await startCluster({
    staticTokens: [ADMIN],
    podReadyDelayMs: 100,
    loadBalancerDelayMs: 100,
    loadBalancerFailure: 'could not find any suitable subnets for creating the ELB'
  });
  try {
    await writer(() => broken).install('lb', [['lb-web', 'registry.local/lb-web:1']], ['lb-web']);
    const client = createKubeClient({ ...access(ADMIN), server: broken.url, caPem: broken.caPem });
    const url = await waitForReleaseUrl(
      client,
      { release: 'lb', namespace: NS },
      Date.now() + 20_000,
      {
        pollMs: 100,
        eventsEveryMs: 200
      }
    );
    expect(url).toBeUndefined();
    expect(stdout.text()).toContain(
      'Service/lb-web got no address because its load balancer cannot be made (Service/lb-web: SyncLoadBalancerFailed: Error syncing load balancer: failed to ensure load balancer: could not find any suitable subnets for creating the ELB)'
    );
  } finally {
    await broken.stop();
  }
});
