// Fail-fast and diagnostics against the EKS emulator over HTTPS, without helm: a release whose
// chart sets no app.kubernetes.io/instance label and has two Deployments, read from the release
// Secret the way helm stores it; events read by uid (the field selector the real API server
// supports, and the emulator now refuses the ones it does not); and an identity that RBAC denies
// events and pod logs.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createKubeClient, KubeApiError, type KubeClient } from '../src/cluster/client.js';
import { collectDiagnostics } from '../src/cluster/diagnostics.js';
import { objectEvents } from '../src/cluster/events.js';
import { watchRollout } from '../src/cluster/fail-fast.js';
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

beforeAll(async () => {
  cluster = await startCluster({
    staticTokens: [ADMIN, LIMITED],
    podReadyDelayMs: 200,
    pullableImages: [/^registry\.local\//],
    crashLoopImages: [/:crash$/],
    deny: [
      { token: LIMITED, user: 'ci-deployer', verb: 'list', resource: 'events' },
      { token: LIMITED, user: 'ci-deployer', verb: 'get', resource: 'pods/log' }
    ]
  });
  admin = createKubeClient(access(ADMIN));
  limited = createKubeClient(access(LIMITED));
  const manifest = [
    deploymentYaml('shop-api', 'ghcr.io/nobody/shop-api:v404'),
    deploymentYaml('shop-worker', 'registry.local/shop-worker:crash')
  ]
    .map((doc) => `---\n${doc}`)
    .join('');
  const record = {
    name: 'shop',
    version: 1,
    info: { status: 'pending-install' },
    chart: { metadata: { name: 'shop', version: '1.0.0' } },
    manifest
  };
  const post = (path: string, body: object) =>
    kubeRequest(cluster, ADMIN, 'POST', path, { body }).then((answer) => {
      if (answer.status >= 300) throw new Error(JSON.stringify(answer.body));
    });
  await post(`/api/v1/namespaces/${NS}/secrets`, {
    metadata: {
      name: 'sh.helm.release.v1.shop.v1',
      labels: { owner: 'helm', name: 'shop', version: '1', status: 'pending-install' }
    },
    type: 'helm.sh/release.v1',
    data: { release: encodeRecord(record) }
  });
  await post(
    `/apis/apps/v1/namespaces/${NS}/deployments`,
    deploymentObject('shop-api', 'ghcr.io/nobody/shop-api:v404')
  );
  await post(
    `/apis/apps/v1/namespaces/${NS}/deployments`,
    deploymentObject('shop-worker', 'registry.local/shop-worker:crash')
  );
});

afterAll(async () => {
  await cluster.stop();
});

test("fail-fast finds a release's bad image through its Deployment's ReplicaSet, without any instance label", async () => {
  const failures: PodFailure[] = [];
  const watch = watchRollout(admin, {
    release: 'shop',
    namespace: NS,
    revision: 1,
    permissions: new Permissions(NS),
    onFailure: (f) => failures.push(f),
    pollMs: 200
  });
  for (let i = 0; i < 100 && !failures.length; i++) await new Promise((r) => setTimeout(r, 100));
  await watch.stop();
  expect(failures[0]).toMatchObject({
    container: 'main',
    reason: expect.stringMatching(/^(ErrImagePull|ImagePullBackOff)$/)
  });
  expect(failures[0].pod).toMatch(/^shop-api-/);
  expect(failures[0].message).toContain('not found');
});

test('events are read by uid; an unsupported field selector is a 400, as on a real API server', async () => {
  const pods = await admin.list<Pod>(`/api/v1/namespaces/${NS}/pods`, {
    labelSelector: 'app=shop-api'
  });
  const uid = pods.items[0].metadata?.uid ?? '';
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
    const pods = await admin.list<Pod>(`/api/v1/namespaces/${NS}/pods`, {
      labelSelector: 'app=shop-worker'
    });
    if (pods.items.some((p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) > 0)) break;
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
