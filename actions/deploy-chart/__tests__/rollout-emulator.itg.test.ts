// Fail-fast and diagnostics against the EKS emulator over HTTPS, without helm: a release whose
// chart sets no app.kubernetes.io/instance label and has two Deployments, read from the release
// Secret the way helm stores it; events read by uid (the field selector the real API server
// supports, and the emulator now refuses the ones it does not); and an identity that RBAC denies
// events and pod logs; pulls that fail transiently then succeed, a never-ready pod, and a
// LoadBalancer that is never assigned.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createKubeClient, KubeApiError, type KubeClient } from '../src/cluster/client.js';
import { collectDiagnostics } from '../src/cluster/diagnostics.js';
import { objectEvents } from '../src/cluster/events.js';
import { watchRollout } from '../src/cluster/fail-fast.js';
import { waitForReleaseUrl } from '../src/cluster/url.js';
import { Permissions } from '../src/cluster/permissions.js';
import type { PodFailure } from '../src/cluster/pod-failure.js';
import type { Pod } from '../src/cluster/types.js';
import { startCluster, type Cluster } from '../../../test/emulator/index.js';
import { kubeRequest } from '../../../test/emulator/__tests__/client.js';
import { encodeRecord } from './cluster/helm-storage.js';
import { FakeHelm } from './cluster/fake-helm.js';
import { captureStdout } from './cluster/capture-stdout.js';

const NS = 'omer';
const ADMIN = 'admin-token';
const LIMITED = 'limited-token';

function deploymentYaml(name: string, image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: { app: ${name} }
spec:
  replicas: 3
  strategy: { type: RollingUpdate, rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers: [{ name: main, image: ${JSON.stringify(image)} }]
`;
}

function deploymentObject(name: string, image: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: 3,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image }] }
      }
    }
  };
}

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

/** Writes the release Secret helm would write, then creates its Deployments (and Services). */
async function install(
  target: Cluster,
  release: string,
  deployments: Array<[string, string]>,
  services: string[] = []
): Promise<void> {
  const serviceYaml = (name: string) =>
    `apiVersion: v1\nkind: Service\nmetadata: { name: ${name} }\nspec:\n  type: LoadBalancer\n  selector: { app: ${name} }\n  ports: [{ port: 80 }]\n`;
  const manifest = [
    ...deployments.map(([name, image]) => deploymentYaml(name, image)),
    ...services.map(serviceYaml)
  ]
    .map((doc) => `---\n${doc}`)
    .join('');
  const record = {
    name: release,
    version: 1,
    info: { status: 'pending-install' },
    chart: { metadata: { name: release, version: '1.0.0' } },
    manifest
  };
  const post = (path: string, body: object) =>
    kubeRequest(target, ADMIN, 'POST', path, { body }).then((answer) => {
      if (answer.status >= 300) throw new Error(JSON.stringify(answer.body));
    });
  await post(`/api/v1/namespaces/${NS}/secrets`, {
    metadata: {
      name: `sh.helm.release.v1.${release}.v1`,
      labels: { owner: 'helm', name: release, version: '1', status: 'pending-install' }
    },
    type: 'helm.sh/release.v1',
    data: { release: encodeRecord(record) }
  });
  for (const [name, image] of deployments) {
    await post(`/apis/apps/v1/namespaces/${NS}/deployments`, deploymentObject(name, image));
  }
  for (const name of services) {
    await post(`/api/v1/namespaces/${NS}/services`, {
      metadata: { name },
      spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port: 80 }] }
    });
  }
}

/** Fail-fast on `release` for `ms`, or until it reports. */
async function failFastFor(release: string, ms: number): Promise<PodFailure[]> {
  const failures: PodFailure[] = [];
  const watch = watchRollout(admin, {
    release,
    namespace: NS,
    revision: 1,
    permissions: new Permissions(NS),
    onFailure: (f) => failures.push(f),
    pollMs: 200
  });
  for (const end = Date.now() + ms; !failures.length && Date.now() < end;) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await watch.stop();
  return failures;
}

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
  await install(cluster, 'shop', [
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
  await install(cluster, 'flaky', [['flaky-web', 'registry.local/flaky-web:flaky']]);
  const failures = await failFastFor('flaky', 4000);
  expect(failures).toEqual([]);
  const pods = await podsOf('flaky-web');
  expect(pods.every((p) => p.status?.containerStatuses?.[0]?.ready)).toBe(true);
  const events = await objectEvents(admin, NS, pods[0].metadata?.uid ?? '');
  expect(events.some((e) => /TLS handshake timeout/.test(e.message ?? ''))).toBe(true);
});

test('a pod that runs but never gets Ready is not stopped early; the diagnostics show the probe failures and its log', async () => {
  await install(cluster, 'slow', [['slow-web', 'registry.local/slow-web:unready']]);
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
    await install(broken, 'lb', [['lb-web', 'registry.local/lb-web:1']], ['lb-web']);
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
