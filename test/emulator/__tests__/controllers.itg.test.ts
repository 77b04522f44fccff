// The simulated controllers, observed through the API as helm and kubectl see them.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { startRegistry, type RegistryRig } from '../../harness/rigs/registry.js';
import { startCluster, type Cluster } from '../index.js';
import { eventually, kubeRequest } from './client.js';

const TOKEN = 'controllers-test-token';
let cluster: Cluster;
let registry: RegistryRig;
const call = (method: string, path: string, body?: unknown) =>
  kubeRequest(cluster, TOKEN, method, path, body === undefined ? {} : { body });
const get = async (path: string) => (await call('GET', path)).body;
const NS = '/api/v1/namespaces/default';
const APPS = '/apis/apps/v1/namespaces/default';

function deployment(name: string, image: string, replicas = 1) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image }] }
      }
    }
  };
}

const podsOf = async (app: string) => (await get(`${NS}/pods?labelSelector=app%3D${app}`)).items;
const eventsFor = async (name: string) =>
  (await get(`${NS}/events`)).items.filter(
    (e: { involvedObject: { name: string } }) => e.involvedObject.name === name
  );
const waitingReason = async (app: string) =>
  (await podsOf(app))[0]?.status?.containerStatuses?.[0]?.state?.waiting?.reason;

/** Pushes a minimal image (a config blob and an OCI manifest) through the registry's v2 API. */
async function pushImage(repository: string, tag: string): Promise<void> {
  const auth = await registry.authorization(`repository:${repository}:pull,push`);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
      config: {}
    })
  );
  const digest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const upload = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, {
    method: 'POST',
    headers: { Authorization: auth }
  });
  const location = new URL(upload.headers.get('location') ?? '', registry.url);
  location.searchParams.set('digest', digest);
  const blob = await fetch(location, {
    method: 'PUT',
    headers: { Authorization: auth, 'Content-Type': 'application/octet-stream' },
    body: config
  });
  expect(blob.status).toBe(201);
  const manifest = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { Authorization: auth, 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
    body: JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest,
        size: config.length
      },
      layers: []
    })
  });
  expect(manifest.status).toBe(201);
}

beforeAll(async () => {
  registry = await startRegistry();
  await pushImage('team/app', '1.0');
  cluster = await startCluster({
    staticTokens: [TOKEN],
    podReadyDelayMs: 50,
    loadBalancerDelayMs: 50,
    pullableImages: [/^good\//],
    crashLoopImages: [/^good\/crash/],
    registry: { url: registry.url, username: registry.username, password: registry.password }
  });
});

afterAll(async () => {
  await cluster.stop();
  await registry.stop();
});

describe('deployments', () => {
  test('become available with the status helm and kstatus read', async () => {
    await call('POST', `${APPS}/deployments`, deployment('ready', 'good/app:1', 2));
    const status = await eventually(async () => {
      const d = await get(`${APPS}/deployments/ready`);
      return d.status.availableReplicas === 2 && d.status;
    });
    expect(status).toMatchObject({
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2
    });
    expect(status.conditions).toEqual([
      expect.objectContaining({
        type: 'Available',
        status: 'True',
        reason: 'MinimumReplicasAvailable'
      }),
      expect.objectContaining({
        type: 'Progressing',
        status: 'True',
        reason: 'NewReplicaSetAvailable'
      })
    ]);
    const pod = (await podsOf('ready'))[0];
    expect(pod.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Ready', status: 'True' })
    );
    expect(pod.metadata.ownerReferences[0]).toMatchObject({ kind: 'ReplicaSet', controller: true });
    const reasons = (await eventsFor(pod.metadata.name)).map((e: { reason: string }) => e.reason);
    expect(reasons).toEqual(
      expect.arrayContaining(['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started'])
    );
    const log = await call('GET', `${NS}/pods/${pod.metadata.name}/log`);
    expect(log.status).toBe(200);
  });

  test('roll out a new ReplicaSet on a template change, not on scaling', async () => {
    await call('POST', `${APPS}/deployments`, deployment('rolling', 'good/app:1'));
    await eventually(
      async () => (await get(`${APPS}/deployments/rolling`)).status.availableReplicas === 1
    );
    const sets = async () => (await get(`${APPS}/replicasets?labelSelector=app%3Drolling`)).items;
    const patch = (body: unknown) =>
      kubeRequest(cluster, TOKEN, 'PATCH', `${APPS}/deployments/rolling`, {
        body,
        contentType: 'application/merge-patch+json'
      });
    await patch({ spec: { replicas: 2 } });
    await eventually(
      async () => (await get(`${APPS}/deployments/rolling`)).status.availableReplicas === 2
    );
    expect(await sets()).toHaveLength(1);
    await patch({
      spec: { template: { spec: { containers: [{ name: 'app', image: 'good/app:2' }] } } }
    });
    const rolled = await eventually(async () => {
      const d = await get(`${APPS}/deployments/rolling`);
      return (
        d.status.updatedReplicas === 2 &&
        d.status.replicas === 2 &&
        d.status.availableReplicas === 2 &&
        d
      );
    });
    expect(rolled.metadata.generation).toBe(3);
    const revisions = (await sets()).map(
      (rs: { spec: { replicas: number }; metadata: { annotations: Record<string, string> } }) => [
        rs.metadata.annotations['deployment.kubernetes.io/revision'],
        rs.spec.replicas
      ]
    );
    expect(revisions.sort()).toEqual([
      ['1', 0],
      ['2', 2]
    ]);
  });
  test('report ProgressDeadlineExceeded when a rollout makes no progress in time', async () => {
    const stuck = deployment('stuck', 'ghcr.io/nobody/nothing:2');
    await call('POST', `${APPS}/deployments`, {
      ...stuck,
      spec: { ...stuck.spec, progressDeadlineSeconds: 1 }
    });
    const progressing = await eventually(async () => {
      const d = await get(`${APPS}/deployments/stuck`);
      const condition = d.status.conditions?.find(
        (c: { type: string }) => c.type === 'Progressing'
      );
      return condition?.reason === 'ProgressDeadlineExceeded' && condition;
    });
    expect(progressing).toMatchObject({
      status: 'False',
      message: expect.stringMatching(/has timed out progressing/)
    });
  });
});

describe('pods', () => {
  test('an image that cannot be pulled goes ErrImagePull then ImagePullBackOff, with events', async () => {
    await call('POST', `${APPS}/deployments`, deployment('unpullable', 'ghcr.io/nobody/nothing:1'));
    await eventually(async () => (await waitingReason('unpullable')) === 'ImagePullBackOff');
    const pod = (await podsOf('unpullable'))[0];
    const messages = (await eventsFor(pod.metadata.name)).map(
      (e: { message: string }) => e.message
    );
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^Failed to pull image "ghcr.io\/nobody\/nothing:1": rpc error: code = NotFound/
        ),
        'Error: ErrImagePull',
        'Error: ImagePullBackOff'
      ])
    );
    const log = await call('GET', `${NS}/pods/${pod.metadata.name}/log`);
    expect(log.status).toBe(400);
    expect(log.body.message).toBe(
      `container "app" in pod "${pod.metadata.name}" is waiting to start: trying and failing to pull image`
    );
    const d = await get(`${APPS}/deployments/unpullable`);
    expect(d.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Available', status: 'False' })
    );
  });

  test('images pushed to the registry rig pull (as localhost or 127.0.0.1); missing tags do not', async () => {
    const port = registry.host.split(':')[1];
    await call(
      'POST',
      `${APPS}/deployments`,
      deployment('fromregistry', `localhost:${port}/team/app:1.0`)
    );
    await call(
      'POST',
      `${APPS}/deployments`,
      deployment('missingtag', `127.0.0.1:${port}/team/app:9.9`)
    );
    await eventually(
      async () => (await get(`${APPS}/deployments/fromregistry`)).status.availableReplicas === 1
    );
    await eventually(async () => (await waitingReason('missingtag')) === 'ImagePullBackOff');
  });

  test('a crashing container goes into CrashLoopBackOff', async () => {
    await call('POST', `${APPS}/deployments`, deployment('crashing', 'good/crash:1'));
    await eventually(async () => (await waitingReason('crashing')) === 'CrashLoopBackOff');
    const pod = (await podsOf('crashing'))[0];
    expect(pod.status.containerStatuses[0].restartCount).toBeGreaterThanOrEqual(1);
    expect(pod.status.containerStatuses[0].lastState.terminated).toMatchObject({
      exitCode: 1,
      reason: 'Error'
    });
    const reasons = (await eventsFor(pod.metadata.name)).map((e: { reason: string }) => e.reason);
    expect(reasons).toContain('BackOff');
  });
  test('a deleted pod is Terminating until its containers stopped, and is replaced at once', async () => {
    await call('POST', `${APPS}/deployments`, deployment('replaced', 'good/app:1'));
    await eventually(
      async () => (await get(`${APPS}/deployments/replaced`)).status.availableReplicas === 1
    );
    const [pod] = await podsOf('replaced');
    const answer = await call('DELETE', `${NS}/pods/${pod.metadata.name}`);
    expect(answer.body.metadata.deletionTimestamp).toBeDefined();
    expect(answer.body.metadata.deletionGracePeriodSeconds).toBe(30);
    const names = async () =>
      (await podsOf('replaced')).map((p: { metadata: { name: string } }) => p.metadata.name);
    await eventually(
      async () => !(await names()).includes(pod.metadata.name) && (await names()).length === 1
    );
    const reasons = (await eventsFor(pod.metadata.name)).map((e: { reason: string }) => e.reason);
    expect(reasons).toContain('Killing');
  });
});

test('LoadBalancer Services get a cluster IP at once and an ELB hostname later', async () => {
  const created = await call('POST', `${NS}/services`, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'public' },
    spec: { type: 'LoadBalancer', selector: { app: 'x' }, ports: [{ port: 80, targetPort: 8000 }] }
  });
  expect(created.body.spec.clusterIP).toMatch(/^10\.100\.\d+\.\d+$/);
  expect(created.body.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
  const hostname = await eventually(
    async () => (await get(`${NS}/services/public`)).status.loadBalancer.ingress?.[0].hostname
  );
  expect(hostname).toMatch(/^a[0-9a-f]{32}-\d{10}\.eu-west-1\.elb\.amazonaws\.com$/);
});

test('Jobs run a pod to completion and report Complete', async () => {
  await call('POST', '/apis/batch/v1/namespaces/default/jobs', {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'once' },
    spec: {
      template: {
        spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'good/job:1' }] }
      }
    }
  });
  const job = await eventually(async () => {
    const j = await get('/apis/batch/v1/namespaces/default/jobs/once');
    return j.status?.succeeded === 1 && j;
  });
  expect(job.status.conditions.map((c: { type: string }) => c.type)).toEqual([
    'SuccessCriteriaMet',
    'Complete'
  ]);
  expect(job.spec.selector.matchLabels['batch.kubernetes.io/controller-uid']).toBe(
    job.metadata.uid
  );
});

test('deleting a namespace removes what it holds', async () => {
  await call('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'brief' }
  });
  await eventually(
    async () =>
      (await call('GET', '/api/v1/namespaces/brief/serviceaccounts/default')).status === 200
  );
  await call('POST', '/api/v1/namespaces/brief/configmaps', { metadata: { name: 'x' }, data: {} });
  const answer = await call('DELETE', '/api/v1/namespaces/brief');
  expect(answer.body.status.phase).toBe('Terminating');
  await eventually(async () => (await call('GET', '/api/v1/namespaces/brief')).status === 404);
  expect((await call('GET', '/api/v1/namespaces/brief/configmaps/x')).status).toBe(404);
});

describe('an unschedulable cluster', () => {
  let tight: Cluster;
  beforeAll(async () => {
    tight = await startCluster({ staticTokens: [TOKEN], unschedulable: true, podReadyDelayMs: 50 });
  });
  afterAll(() => tight.stop());

  test('leaves pods Pending with an Unschedulable condition and a FailedScheduling event', async () => {
    await kubeRequest(tight, TOKEN, 'POST', `${APPS}/deployments`, {
      body: deployment('pending', 'good/app:1')
    });
    const pod = await eventually(async () => {
      const [p] = (await kubeRequest(tight, TOKEN, 'GET', `${NS}/pods`)).body.items;
      return p?.status?.conditions?.[0]?.reason === 'Unschedulable' && p;
    });
    expect(pod.status.phase).toBe('Pending');
    const events = (await kubeRequest(tight, TOKEN, 'GET', `${NS}/events`)).body.items;
    expect(events.map((e: { reason: string }) => e.reason)).toContain('FailedScheduling');
  });
});
