// The workload controllers and failure shapes of issue 16, observed through the API as helm,
// kubectl and deploy-chart see them: StatefulSets, DaemonSets, the Deployment rollout steps
// and conditions, ResourceQuota refusals, Cluster Autoscaler, missing Secrets, refused pulls.
// Only the in-process emulator runs here.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { formatQuantity, parseQuantity, podUsage } from '../controllers/quota.js';
import {
  newReplicaSetReplicas,
  oldReplicaSetReplicas,
  rollingLimits
} from '../controllers/rollout.js';
import { startCluster, type Cluster } from '../index.js';
import { eventually, kubeRequest } from './client.js';

const TOKEN = 'workloads-test-token';
const NS = '/api/v1/namespaces/default';
const APPS = '/apis/apps/v1/namespaces/default';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function client(cluster: () => Cluster) {
  const call = (method: string, path: string, body?: unknown, contentType?: string) =>
    kubeRequest(cluster(), TOKEN, method, path, { body, contentType });
  const get = async (path: string): Promise<Json> => (await call('GET', path)).body;
  return {
    call,
    get,
    patch: (path: string, body: unknown) =>
      call('PATCH', path, body, 'application/merge-patch+json'),
    pods: async (app: string): Promise<Json[]> =>
      (await get(`${NS}/pods?labelSelector=app%3D${app}`)).items,
    /** Events about `name`, oldest first (by the order the API server stored them). */
    events: async (name: string): Promise<Json[]> =>
      (await get(`${NS}/events`)).items
        .filter((e: Json) => e.involvedObject.name === name)
        .sort(
          (a: Json, b: Json) =>
            Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion)
        )
  };
}

function workload(kind: string, name: string, image: string, spec: Json = {}) {
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image }] }
      },
      ...spec
    }
  };
}

const setImage = (image: string) => ({
  spec: { template: { spec: { containers: [{ name: 'app', image }] } } }
});

describe('rolling update arithmetic (pkg/controller/deployment)', () => {
  test.each([
    [undefined, 4, { maxSurge: 1, maxUnavailable: 1 }],
    [{ rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, 3, { maxSurge: 1, maxUnavailable: 0 }],
    [{ rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }, 3, { maxSurge: 0, maxUnavailable: 1 }],
    [
      { rollingUpdate: { maxSurge: '50%', maxUnavailable: '50%' } },
      3,
      { maxSurge: 2, maxUnavailable: 1 }
    ],
    [{ type: 'Recreate' }, 3, { maxSurge: 0, maxUnavailable: 0 }]
  ])('limits of %j with %i replicas', (strategy, desired, want) =>
    expect(rollingLimits(strategy, desired)).toEqual(want)
  );

  test.each([
    // desired, surge, new, all → new replicas
    [3, 1, 0, 3, 1],
    [3, 1, 1, 4, 1],
    [3, 1, 1, 3, 2],
    [3, 1, 4, 4, 3],
    [3, 0, 0, 3, 0]
  ])('new ReplicaSet: %i desired, surge %i, %i of %i → %i', (desired, maxSurge, next, all, want) =>
    expect(newReplicaSetReplicas(desired, { maxSurge, maxUnavailable: 0 }, next, all)).toBe(want)
  );

  test.each([
    // maxUnavailable 0: old pods go only as new ones become available
    [{ replicas: 1, available: 0 }, [{ replicas: 3, available: 3 }], 0, [3]],
    [{ replicas: 1, available: 1 }, [{ replicas: 3, available: 3 }], 0, [2]],
    // unavailable old pods go first, without counting against availability
    [{ replicas: 1, available: 0 }, [{ replicas: 3, available: 1 }], 1, [2]],
    // oldest first
    [
      { replicas: 2, available: 2 },
      [
        { replicas: 1, available: 1 },
        { replicas: 2, available: 2 }
      ],
      1,
      [0, 0]
    ]
  ])(
    'old ReplicaSets: new %j, old %j, maxUnavailable %i → %j',
    (newSet, olds, maxUnavailable, want) =>
      expect(oldReplicaSetReplicas(3, { maxSurge: 1, maxUnavailable }, newSet, olds)).toEqual(want)
  );
});

describe('quantities as ResourceQuota counts them', () => {
  test.each([
    ['500m', 0.5],
    ['2', 2],
    ['64Mi', 64 * 2 ** 20],
    ['1G', 1e9],
    ['1e3', 1000]
  ])('parses %s', (text, want) => expect(parseQuantity(text)).toBeCloseTo(want));
  test.each([
    ['requests.cpu', 1.5, '1500m'],
    ['limits.cpu', 2, '2'],
    ['requests.memory', 128 * 2 ** 20, '128Mi'],
    ['pods', 3, '3']
  ])('prints %s %d as %s', (resource, value, want) =>
    expect(formatQuantity(resource, value)).toBe(want)
  );
  test('a pod charges its containers, requests defaulting to limits', () => {
    expect(
      podUsage({
        metadata: { name: 'p', uid: 'u', resourceVersion: '1' },
        spec: {
          containers: [
            { resources: { requests: { cpu: '100m' }, limits: { cpu: '200m', memory: '64Mi' } } },
            { resources: { limits: { cpu: '1' } } }
          ]
        }
      })
    ).toEqual({
      pods: 1,
      'requests.cpu': 1.1,
      'limits.cpu': 1.2,
      'requests.memory': 64 * 2 ** 20,
      'limits.memory': 64 * 2 ** 20
    });
  });
});

describe('a cluster of two nodes', () => {
  let cluster: Cluster;
  const k = client(() => cluster);
  beforeAll(async () => {
    cluster = await startCluster({
      staticTokens: [TOKEN],
      podReadyDelayMs: 30,
      nodes: 2,
      neverReadyImages: [/:unready$/],
      unauthorizedImages: [/^private\//],
      pullableImages: [/^good\//]
    });
  });
  afterAll(() => cluster.stop());

  test('has Ready Node objects with the labels EKS gives them', async () => {
    const nodes = (await k.get('/api/v1/nodes')).items;
    expect(nodes.map((n: Json) => n.metadata.name)).toEqual([
      'ip-192-168-42-17.eu-west-1.compute.internal',
      'ip-192-168-42-18.eu-west-1.compute.internal'
    ]);
    expect(nodes[0].status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Ready', status: 'True', reason: 'KubeletReady' })
    );
    expect(nodes[0].metadata.labels['topology.kubernetes.io/region']).toBe('eu-west-1');
  });

  describe('StatefulSets', () => {
    test('create <name>-0..N-1 in order with the revision labels and status', async () => {
      await k.call(
        'POST',
        `${APPS}/statefulsets`,
        workload('StatefulSet', 'db', 'good/db:1', { replicas: 3, serviceName: 'db' })
      );
      const status = await eventually(async () => {
        const s = await k.get(`${APPS}/statefulsets/db`);
        return s.status?.readyReplicas === 3 && s.status;
      });
      expect(status).toMatchObject({
        observedGeneration: 1,
        replicas: 3,
        readyReplicas: 3,
        availableReplicas: 3,
        currentReplicas: 3,
        updatedReplicas: 3,
        collisionCount: 0
      });
      expect(status.updateRevision).toMatch(/^db-[a-z0-9]{10}$/);
      expect(status.currentRevision).toBe(status.updateRevision);
      const pods = (await k.pods('db')).sort((a, b) =>
        a.metadata.name.localeCompare(b.metadata.name)
      );
      expect(pods.map((p) => p.metadata.name)).toEqual(['db-0', 'db-1', 'db-2']);
      expect(pods[1].metadata.labels).toMatchObject({
        'controller-revision-hash': status.updateRevision,
        'statefulset.kubernetes.io/pod-name': 'db-1',
        'apps.kubernetes.io/pod-index': '1'
      });
      expect(pods[1].spec).toMatchObject({ hostname: 'db-1', subdomain: 'db' });
      const creates = (await k.events('db')).filter((e) => e.reason === 'SuccessfulCreate');
      expect(creates.map((e) => e.message)).toEqual([
        'create Pod db-0 in StatefulSet db successful',
        'create Pod db-1 in StatefulSet db successful',
        'create Pod db-2 in StatefulSet db successful'
      ]);
      const revision = await k.get(`${APPS}/controllerrevisions/${status.updateRevision}`);
      expect(revision).toMatchObject({ kind: 'ControllerRevision', revision: 1 });
    });

    test('OrderedReady waits for each pod to be Ready before creating the next', async () => {
      await k.call(
        'POST',
        `${APPS}/statefulsets`,
        workload('StatefulSet', 'slow', 'good/db:unready', { replicas: 3 })
      );
      await eventually(async () => (await k.pods('slow')).length === 1);
      await new Promise((r) => setTimeout(r, 300));
      expect((await k.pods('slow')).map((p) => p.metadata.name)).toEqual(['slow-0']);
    });

    test('a RollingUpdate replaces pods from the highest ordinal, one at a time', async () => {
      await k.call(
        'POST',
        `${APPS}/statefulsets`,
        workload('StatefulSet', 'web', 'good/web:1', { replicas: 3 })
      );
      const first = await eventually(async () => {
        const s = await k.get(`${APPS}/statefulsets/web`);
        return s.status?.readyReplicas === 3 && s.status;
      });
      // A new template whose pods never get Ready: only the highest ordinal is replaced.
      await k.patch(`${APPS}/statefulsets/web`, setImage('good/web:unready'));
      const stuck = await eventually(async () => {
        const s = await k.get(`${APPS}/statefulsets/web`);
        return s.status?.updatedReplicas === 1 && s.status;
      });
      expect(stuck.updateRevision).not.toBe(first.updateRevision);
      expect(stuck.currentRevision).toBe(first.updateRevision);
      await new Promise((r) => setTimeout(r, 300));
      const revisions = Object.fromEntries(
        (await k.pods('web')).map((p) => [
          p.metadata.name,
          p.metadata.labels['controller-revision-hash']
        ])
      );
      expect(revisions).toEqual({
        'web-0': first.updateRevision,
        'web-1': first.updateRevision,
        'web-2': stuck.updateRevision
      });
      // A good template rolls through all of them, 2 → 1 → 0, once the broken pod is deleted
      // by hand: OrderedReady waits for it to be Ready first, as the real controller does
      // ("you must also delete any Pods that StatefulSet had already attempted to run with the
      // bad configuration").
      await k.patch(`${APPS}/statefulsets/web`, setImage('good/web:2'));
      await new Promise((r) => setTimeout(r, 300));
      expect((await k.get(`${APPS}/statefulsets/web`)).status.updatedReplicas ?? 0).toBe(0);
      await k.call('DELETE', `${NS}/pods/web-2`);
      const done = await eventually(async () => {
        const s = await k.get(`${APPS}/statefulsets/web`);
        return s.status?.updatedReplicas === 3 && s.status.readyReplicas === 3 && s.status;
      });
      expect(done.currentRevision).toBe(done.updateRevision);
      const deletes = (await k.events('web'))
        .filter((e) => e.reason === 'SuccessfulDelete')
        .map((e) => e.message.split(' ')[2]);
      expect(deletes).toEqual(['web-2', 'web-1', 'web-0']);
    });
  });

  describe('DaemonSets', () => {
    test('run one pod per node and report the scheduled, ready and updated counts', async () => {
      await k.call('POST', `${APPS}/daemonsets`, workload('DaemonSet', 'agent', 'good/agent:1'));
      const status = await eventually(async () => {
        const d = await k.get(`${APPS}/daemonsets/agent`);
        return d.status?.numberReady === 2 && d.status;
      });
      expect(status).toEqual({
        currentNumberScheduled: 2,
        desiredNumberScheduled: 2,
        numberMisscheduled: 0,
        numberReady: 2,
        numberAvailable: 2,
        updatedNumberScheduled: 2,
        observedGeneration: 1
      });
      const pods = await k.pods('agent');
      expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBe(2);
      expect(pods[0].metadata.labels['pod-template-generation']).toBe('1');
      expect(
        pods[0].spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
          .nodeSelectorTerms[0].matchFields[0]
      ).toEqual({ key: 'metadata.name', operator: 'In', values: [pods[0].spec.nodeName] });
    });

    test('roll a new template out node by node', async () => {
      await k.patch(`${APPS}/daemonsets/agent`, setImage('good/agent:2'));
      const status = await eventually(async () => {
        const d = await k.get(`${APPS}/daemonsets/agent`);
        return (
          d.status?.observedGeneration === 2 &&
          d.status.updatedNumberScheduled === 2 &&
          d.status.numberReady === 2 &&
          d.status
        );
      });
      expect(status.desiredNumberScheduled).toBe(2);
      const live = (await k.pods('agent')).filter((p) => !p.metadata.deletionTimestamp);
      expect(live.map((p) => p.metadata.labels['pod-template-generation'])).toEqual(['2', '2']);
    });
  });

  describe('Deployment rollouts', () => {
    const sets = async (app: string): Promise<Record<string, number>> =>
      Object.fromEntries(
        (await k.get(`${APPS}/replicasets?labelSelector=app%3D${app}`)).items.map((rs: Json) => [
          rs.metadata.annotations['deployment.kubernetes.io/revision'],
          rs.spec.replicas
        ])
      );
    const rolling = {
      replicas: 3,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }
    };

    test('step by maxSurge/maxUnavailable: old pods go only as new ones become available', async () => {
      await k.call(
        'POST',
        `${APPS}/deployments`,
        workload('Deployment', 'steps', 'good/app:1', rolling)
      );
      await eventually(
        async () => (await k.get(`${APPS}/deployments/steps`)).status.availableReplicas === 3
      );
      await k.patch(`${APPS}/deployments/steps`, setImage('good/app:unready'));
      const stuck = await eventually(async () => {
        const d = await k.get(`${APPS}/deployments/steps`);
        return d.status.updatedReplicas === 1 && d.status;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(await sets('steps')).toEqual({ '1': 3, '2': 1 });
      expect(stuck).toMatchObject({ replicas: 4, availableReplicas: 3 });
      expect(stuck.conditions.find((c: Json) => c.type === 'Progressing')).toMatchObject({
        status: 'True',
        reason: 'ReplicaSetUpdated'
      });

      await k.patch(`${APPS}/deployments/steps`, setImage('good/app:2'));
      const done = await eventually(async () => {
        const d = await k.get(`${APPS}/deployments/steps`);
        const progressing = d.status.conditions.find((c: Json) => c.type === 'Progressing');
        return progressing?.reason === 'NewReplicaSetAvailable' && d;
      });
      expect(done.status).toMatchObject({ replicas: 3, updatedReplicas: 3, availableReplicas: 3 });
      expect(await sets('steps')).toEqual({ '1': 0, '2': 0, '3': 3 });
      const newest = (await k.get(`${APPS}/replicasets?labelSelector=app%3Dsteps`)).items.find(
        (rs: Json) => rs.metadata.annotations['deployment.kubernetes.io/revision'] === '3'
      ).metadata.name;
      const steps = (await k.events('steps'))
        .filter((e) => e.reason === 'ScalingReplicaSet' && e.message.includes(newest))
        .map((e) => e.message.replace(` replica set ${newest}`, ''));
      expect(steps).toEqual([
        'Scaled up from 0 to 1',
        'Scaled up from 1 to 2',
        'Scaled up from 2 to 3'
      ]);
    });

    test('a new rollout after ProgressDeadlineExceeded progresses again', async () => {
      await k.call(
        'POST',
        `${APPS}/deployments`,
        workload('Deployment', 'late', 'good/app:unready', { progressDeadlineSeconds: 1 })
      );
      await eventually(async () => {
        const d = await k.get(`${APPS}/deployments/late`);
        return d.status.conditions?.some((c: Json) => c.reason === 'ProgressDeadlineExceeded');
      });
      await k.patch(`${APPS}/deployments/late`, setImage('good/app:1'));
      const progressing = await eventually(async () => {
        const d = await k.get(`${APPS}/deployments/late`);
        const c = d.status.conditions.find((x: Json) => x.type === 'Progressing');
        return c?.reason === 'NewReplicaSetAvailable' && c;
      });
      expect(progressing.status).toBe('True');
    });
  });

  describe('ResourceQuota', () => {
    const QNS = '/api/v1/namespaces/quota';
    const QAPPS = '/apis/apps/v1/namespaces/quota';
    beforeAll(async () => {
      await k.call('POST', '/api/v1/namespaces', { metadata: { name: 'quota' } });
      await k.call('POST', `${QNS}/resourcequotas`, {
        metadata: { name: 'team-quota' },
        spec: { hard: { pods: '1' } }
      });
    });
    const pod = (name: string) => ({
      metadata: { name },
      spec: { containers: [{ name: 'app', image: 'good/app:1' }] }
    });

    test('a pod beyond the quota is refused with the admission plugin wording', async () => {
      expect((await k.call('POST', `${QNS}/pods`, pod('first'))).status).toBe(201);
      const answer = await k.call('POST', `${QNS}/pods`, pod('extra'));
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({
        reason: 'Forbidden',
        message:
          'pods "extra" is forbidden: exceeded quota: team-quota, requested: pods=1, used: pods=1, limited: pods=1'
      });
      const quota = await eventually(async () => {
        const q = await k.get(`${QNS}/resourcequotas/team-quota`);
        return q.status?.used && q;
      });
      expect(quota.status).toEqual({ hard: { pods: '1' }, used: { pods: '1' } });
    });

    test('a ReplicaSet that cannot create pods says FailedCreate, and its Deployment ReplicaFailure', async () => {
      await k.call('POST', `${QAPPS}/deployments`, workload('Deployment', 'capped', 'good/app:1'));
      const rs = await eventually(async () => {
        const [set] = (await k.get(`${QAPPS}/replicasets?labelSelector=app%3Dcapped`)).items;
        return set?.status?.conditions?.length && set;
      });
      const message = `pods "${rs.metadata.name}-" is forbidden: exceeded quota: team-quota, requested: pods=1, used: pods=1, limited: pods=1`;
      expect(rs.status.conditions[0]).toMatchObject({
        type: 'ReplicaFailure',
        status: 'True',
        reason: 'FailedCreate',
        message
      });
      const events = (await k.get(`${QNS}/events`)).items.filter(
        (e: Json) => e.involvedObject.name === rs.metadata.name
      );
      expect(events[0]).toMatchObject({
        type: 'Warning',
        reason: 'FailedCreate',
        message: `Error creating: ${message}`,
        source: { component: 'replicaset-controller' }
      });
      const deployment = await eventually(async () => {
        const d = await k.get(`${QAPPS}/deployments/capped`);
        return d.status.conditions?.some((c: Json) => c.type === 'ReplicaFailure') && d;
      });
      expect(deployment.status.conditions).toContainEqual(
        expect.objectContaining({
          type: 'ReplicaFailure',
          status: 'True',
          reason: 'FailedCreate',
          message
        })
      );
      // Room in the quota: the ReplicaSet tries again and the condition goes.
      await k.patch(`${QNS}/resourcequotas/team-quota`, { spec: { hard: { pods: '5' } } });
      await eventually(
        async () => (await k.get(`${QAPPS}/deployments/capped`)).status.availableReplicas === 1
      );
      const after = await k.get(`${QAPPS}/replicasets/${rs.metadata.name}`);
      expect(after.status.conditions).toBeUndefined();
      const healed = await k.get(`${QAPPS}/deployments/capped`);
      expect(healed.status.conditions.map((c: Json) => c.type)).not.toContain('ReplicaFailure');
    });
  });

  describe('the kubelet', () => {
    const pod = (name: string, spec: Json) => ({
      metadata: { name, labels: { app: name } },
      spec: { containers: [{ name: 'app', image: 'good/app:1' }], ...spec }
    });

    test('holds a pod whose Secret volume is missing with FailedMount, until the Secret exists', async () => {
      await k.call(
        'POST',
        `${NS}/pods`,
        pod('mounts', { volumes: [{ name: 'creds', secret: { secretName: 'db-creds' } }] })
      );
      const failed = await eventually(async () =>
        (await k.events('mounts')).find((e) => e.reason === 'FailedMount')
      );
      expect(failed).toMatchObject({
        type: 'Warning',
        message: 'MountVolume.SetUp failed for volume "creds" : secret "db-creds" not found',
        source: { component: 'kubelet' }
      });
      expect((await k.get(`${NS}/pods/mounts`)).status.phase).toBe('Pending');
      await k.call('POST', `${NS}/secrets`, { metadata: { name: 'db-creds' }, data: {} });
      await eventually(async () => (await k.get(`${NS}/pods/mounts`)).status.phase === 'Running');
    });

    test('reports CreateContainerConfigError for an env Secret that is missing', async () => {
      await k.call(
        'POST',
        `${NS}/pods`,
        pod('envs', {
          containers: [
            {
              name: 'app',
              image: 'good/app:1',
              env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } }]
            }
          ]
        })
      );
      const waiting = await eventually(async () => {
        const p = await k.get(`${NS}/pods/envs`);
        return (
          p.status.containerStatuses?.[0]?.state?.waiting?.reason ===
            'CreateContainerConfigError' && p.status.containerStatuses[0].state.waiting
        );
      });
      expect(waiting.message).toBe('secret "api" not found');
    });

    test('refuses a pull the registry does not authorize, with the 401 in the cause', async () => {
      await k.call(
        'POST',
        `${NS}/pods`,
        pod('private', { containers: [{ name: 'app', image: 'private/app:1' }] })
      );
      const waiting = await eventually(async () => {
        const p = await k.get(`${NS}/pods/private`);
        const w = p.status.containerStatuses?.[0]?.state?.waiting;
        return w?.reason === 'ImagePullBackOff' && w;
      });
      expect(waiting.message).toMatch(
        /^Back-off pulling image "private\/app:1": ErrImagePull: .*401 Unauthorized$/
      );
    });
  });
});

describe('Cluster Autoscaler', () => {
  let growing: Cluster;
  let capped: Cluster;
  const grow = client(() => growing);
  const cap = client(() => capped);
  beforeAll(async () => {
    growing = await startCluster({
      staticTokens: [TOKEN],
      podReadyDelayMs: 30,
      unschedulable: true,
      clusterAutoscaler: { scaleUpMs: 1000, nodeGroup: 'eks-workers-1a2b', maxSize: 5 }
    });
    capped = await startCluster({
      staticTokens: [TOKEN],
      podReadyDelayMs: 30,
      unschedulable: true,
      clusterAutoscaler: { notTriggerScaleUp: '1 max node group size reached' }
    });
  });
  afterAll(async () => {
    await growing.stop();
    await capped.stop();
  });

  test('TriggeredScaleUp: Unschedulable until the new node joins, then bound there', async () => {
    await grow.call('POST', `${APPS}/deployments`, workload('Deployment', 'grows', 'good/app:1'));
    const [pending] = await eventually(async () => {
      const pods = await grow.pods('grows');
      return pods.length > 0 && pods;
    });
    const events = await eventually(async () => {
      const list = await grow.events(pending.metadata.name);
      return list.some((e) => e.reason === 'TriggeredScaleUp') && list;
    });
    expect(events.map((e) => e.reason).slice(0, 2)).toEqual([
      'FailedScheduling',
      'TriggeredScaleUp'
    ]);
    expect(events.find((e) => e.reason === 'TriggeredScaleUp')).toMatchObject({
      type: 'Normal',
      message: 'pod triggered scale-up: [{eks-workers-1a2b 1->2 (max: 5)}]',
      source: { component: 'cluster-autoscaler' }
    });
    const running = await eventually(async () => {
      const p = await grow.get(`${NS}/pods/${pending.metadata.name}`);
      return p.status.phase === 'Running' && p;
    });
    expect(running.spec.nodeName).toBe('ip-192-168-42-18.eu-west-1.compute.internal');
    expect((await grow.get('/api/v1/nodes')).items).toHaveLength(2);
  });

  test('NotTriggerScaleUp: the pod stays Pending and the autoscaler says why', async () => {
    await cap.call('POST', `${APPS}/deployments`, workload('Deployment', 'stays', 'good/app:1'));
    const [pod] = await eventually(async () => {
      const pods = await cap.pods('stays');
      return pods[0]?.status?.conditions?.[0]?.reason === 'Unschedulable' && pods;
    });
    const event = await eventually(async () =>
      (await cap.events(pod.metadata.name)).find((e) => e.reason === 'NotTriggerScaleUp')
    );
    expect(event.message).toBe("pod didn't trigger scale-up: 1 max node group size reached");
    expect((await cap.get(`${NS}/pods/${pod.metadata.name}`)).status.phase).toBe('Pending');
  });
});

describe('a node with room for one pod (podsPerNode)', () => {
  let full: Cluster;
  const api = client(() => full);
  beforeAll(async () => {
    full = await startCluster({
      staticTokens: [TOKEN],
      podReadyDelayMs: 30,
      stopDelayMs: 1500,
      podsPerNode: 1
    });
  });
  afterAll(async () => {
    await full.stop();
  });

  const running = (app: string, image: string) =>
    eventually(async () => {
      const pods = await api.pods(app);
      const live = pods.filter((p) => !p.metadata.deletionTimestamp);
      return live.length === 1 &&
        live[0].status.phase === 'Running' &&
        live[0].spec.containers[0].image === image
        ? live[0]
        : false;
    });

  test('maxUnavailable 1: the new pod is Unschedulable (Too many pods) until the old one has terminated, then bound', async () => {
    await api.call(
      'POST',
      `${APPS}/deployments`,
      workload('Deployment', 'swap', 'good/app:1', {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } }
      })
    );
    const old = await running('swap', 'good/app:1');
    expect((await api.get('/api/v1/nodes')).items[0].status.allocatable.pods).toBe('1');
    await api.patch(`${APPS}/deployments/swap`, setImage('good/app:2'));
    const waiting = await eventually(async () => {
      const pods = await api.pods('swap');
      const terminating = pods.find((p) => p.metadata.name === old.metadata.name);
      const pending = pods.find((p) => p.status?.conditions?.[0]?.reason === 'Unschedulable');
      return terminating?.metadata.deletionTimestamp && pending;
    });
    expect(waiting.status.conditions[0].message).toBe(
      '0/1 nodes are available: 1 Too many pods. no new claims to deallocate, preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.'
    );
    const replaced = await running('swap', 'good/app:2');
    expect(replaced.metadata.name).toBe(waiting.metadata.name);
    expect((await api.pods('swap')).map((p) => p.metadata.name)).toEqual([waiting.metadata.name]);
  });

  test('maxSurge 1 / maxUnavailable 0 on a full node: the surge pod stays Unschedulable, the old pod stays', async () => {
    // The first test's pod leaves the node's one place free.
    await api.call('DELETE', `${APPS}/deployments/swap`);
    await eventually(async () => (await api.pods('swap')).length === 0);
    await api.call(
      'POST',
      `${APPS}/deployments`,
      workload('Deployment', 'stuck', 'good/app:1', {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }
      })
    );
    const old = await running('stuck', 'good/app:1');
    await api.patch(`${APPS}/deployments/stuck`, setImage('good/app:2'));
    const surge = await eventually(async () =>
      (await api.pods('stuck')).find((p) => p.status?.conditions?.[0]?.reason === 'Unschedulable')
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const pods = await api.pods('stuck');
    expect(
      pods.map((p) => [p.metadata.name, p.status.phase, !!p.metadata.deletionTimestamp])
    ).toEqual(
      expect.arrayContaining([
        [old.metadata.name, 'Running', false],
        [surge.metadata.name, 'Pending', false]
      ])
    );
  });
});
