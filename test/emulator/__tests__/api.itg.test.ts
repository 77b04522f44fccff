// The API surface against a started emulator: authentication, discovery, the Status error
// shapes, field validation, dry-run, watches (incl. WatchList bookmarks), server-side apply,
// delete propagation, paging, tables and fault injection.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { once } from 'node:events';
import { connect } from 'node:net';
import { startCluster, type Cluster } from '../index.js';
import { eventually, kubeRequest, kubeWatch } from './client.js';

const TOKEN = 'api-test-token';
let cluster: Cluster;
const call = (method: string, path: string, options?: Parameters<typeof kubeRequest>[4]) =>
  kubeRequest(cluster, TOKEN, method, path, options);
const CM = '/api/v1/namespaces/default/configmaps';
const configMap = (name: string, data: Record<string, string> = { a: '1' }) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data
});

beforeAll(async () => {
  cluster = await startCluster({
    staticTokens: [TOKEN],
    podReadyDelayMs: 50,
    loadBalancerDelayMs: 50
  });
});
afterAll(() => cluster.stop());

describe('authentication', () => {
  test.each([
    ['no token', null],
    ['an unknown token', 'not-a-valid-token']
  ])('answers %s with a 401 Status', async (_label, token) => {
    const answer = await call('GET', '/api/v1/namespaces', { token });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401
    });
  });
});

describe('discovery', () => {
  test('serves /version like EKS', async () => {
    const { body } = await call('GET', '/version');
    expect(body.gitVersion).toMatch(/^v1\.\d+\.\d+-eks-/);
  });

  test('serves aggregated discovery when asked, legacy otherwise', async () => {
    const aggregated = await call('GET', '/apis', {
      accept:
        'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json'
    });
    expect(aggregated.headers['content-type']).toContain('as=APIGroupDiscoveryList');
    const apps = aggregated.body.items.find(
      (i: { metadata: { name: string } }) => i.metadata.name === 'apps'
    );
    expect(apps.versions[0].resources.map((r: { resource: string }) => r.resource)).toContain(
      'deployments'
    );
    const legacy = await call('GET', '/apis');
    expect(legacy.body.kind).toBe('APIGroupList');
    const resources = await call('GET', '/apis/apps/v1');
    expect(resources.body.resources.map((r: { name: string }) => r.name)).toEqual(
      expect.arrayContaining(['deployments', 'deployments/status', 'replicasets'])
    );
  });

  test('OpenAPI v3 documents advertise fieldValidation on PATCH with the GVK', async () => {
    const index = await call('GET', '/openapi/v3');
    const doc = await call('GET', index.body.paths['apis/apps/v1'].serverRelativeURL);
    const patch = doc.body.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({
      group: 'apps',
      version: 'v1',
      kind: 'Deployment'
    });
    expect(patch.parameters.map((p: { name: string }) => p.name)).toContain('fieldValidation');
  });
});

describe('Status errors', () => {
  test('404 NotFound', async () => {
    const { status, body } = await call('GET', `${CM}/missing`);
    expect(status).toBe(404);
    expect(body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'NotFound',
      message: 'configmaps "missing" not found',
      details: { name: 'missing', kind: 'configmaps' },
      code: 404
    });
  });

  test('409 AlreadyExists', async () => {
    expect((await call('POST', CM, { body: configMap('twice') })).status).toBe(201);
    const { status, body } = await call('POST', CM, { body: configMap('twice') });
    expect(status).toBe(409);
    expect(body).toMatchObject({
      reason: 'AlreadyExists',
      message: 'configmaps "twice" already exists'
    });
  });

  test('409 Conflict on a stale resourceVersion', async () => {
    const created = await call('POST', CM, { body: configMap('stale') });
    const first = { ...created.body, data: { a: '2' } };
    expect((await call('PUT', `${CM}/stale`, { body: first })).status).toBe(200);
    const { status, body } = await call('PUT', `${CM}/stale`, {
      body: { ...created.body, data: { a: '3' } }
    });
    expect(status).toBe(409);
    expect(body.reason).toBe('Conflict');
    expect(body.message).toBe(
      'Operation cannot be fulfilled on configmaps "stale": the object has been modified; please apply your changes to the latest version and try again'
    );
  });

  test('422 Invalid for a bad name, with the cause', async () => {
    const { status, body } = await call('POST', CM, { body: configMap('Bad_Name') });
    expect(status).toBe(422);
    expect(body.reason).toBe('Invalid');
    expect(body.message).toMatch(
      /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/
    );
    expect(body.details.causes).toEqual([
      expect.objectContaining({ reason: 'FieldValueInvalid', field: 'metadata.name' })
    ]);
  });

  test('422 Invalid names the group for a Deployment whose selector misses its labels', async () => {
    const { status, body } = await call('POST', '/apis/apps/v1/namespaces/default/deployments', {
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'mismatch' },
        spec: {
          selector: { matchLabels: { app: 'a' } },
          template: {
            metadata: { labels: { app: 'b' } },
            spec: { containers: [{ name: 'c', image: 'i:1' }] }
          }
        }
      }
    });
    expect(status).toBe(422);
    expect(body.message).toContain(
      'Deployment.apps "mismatch" is invalid: spec.template.metadata.labels'
    );
    expect(body.details).toMatchObject({ group: 'apps', kind: 'Deployment' });
  });

  test('404 for a namespace that does not exist', async () => {
    const { status, body } = await call('POST', '/api/v1/namespaces/nowhere/configmaps', {
      body: configMap('x')
    });
    expect(status).toBe(404);
    expect(body.message).toBe('namespaces "nowhere" not found');
  });
});

describe('field validation', () => {
  const bad = { ...configMap('typo'), date: { a: '1' } };
  test('Strict rejects unknown fields with 400', async () => {
    const { status, body } = await call('POST', `${CM}?fieldValidation=Strict`, { body: bad });
    expect(status).toBe(400);
    expect(body.message).toBe('strict decoding error: unknown field "date"');
  });
  test('Warn (the default) accepts them with a Warning header', async () => {
    const answer = await call('POST', CM, { body: bad });
    expect(answer.status).toBe(201);
    expect(answer.headers.warning).toContain('unknown field \\"date\\"');
  });
});

test('dryRun=All validates without storing', async () => {
  const { status, body } = await call('POST', `${CM}?dryRun=All`, { body: configMap('dry') });
  expect(status).toBe(201);
  expect(body.metadata.uid).toBeDefined();
  expect(body.metadata.resourceVersion).toBeUndefined();
  expect((await call('GET', `${CM}/dry`)).status).toBe(404);
});

describe('watch', () => {
  test('sendInitialEvents ends the initial state with a BOOKMARK; objects leaving the selection are DELETED', async () => {
    await call('POST', CM, {
      body: { ...configMap('watched'), metadata: { name: 'watched', labels: { w: 'yes' } } }
    });
    const watch = kubeWatch(
      cluster,
      TOKEN,
      `${CM}?watch=true&labelSelector=w%3Dyes&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`
    );
    const initial = await watch.next(2);
    expect(initial.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
    expect(initial[0].object).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'watched' } });
    expect(initial[1].object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    await call('PATCH', `${CM}/watched`, {
      body: { data: { a: '9' } },
      contentType: 'application/merge-patch+json'
    });
    const [, , modified] = await watch.next(3);
    expect(modified).toMatchObject({ type: 'MODIFIED', object: { data: { a: '9' } } });
    await call('PATCH', `${CM}/watched`, {
      body: { metadata: { labels: { w: 'no' } } },
      contentType: 'application/merge-patch+json'
    });
    const [, , , left] = await watch.next(4);
    expect(left).toMatchObject({ type: 'DELETED', object: { metadata: { labels: { w: 'no' } } } });
    watch.close();
  });

  test('resumes after a resourceVersion, and answers 410 Expired when it is too old', async () => {
    const created = await call('POST', CM, { body: configMap('resume') });
    await call('DELETE', `${CM}/resume`);
    const resumed = kubeWatch(
      cluster,
      TOKEN,
      `${CM}?watch=true&resourceVersion=${created.body.metadata.resourceVersion}`
    );
    expect((await resumed.next(1))[0]).toMatchObject({
      type: 'DELETED',
      object: { metadata: { name: 'resume' } }
    });
    resumed.close();
    const expired = kubeWatch(cluster, TOKEN, `${CM}?watch=true&resourceVersion=1`);
    const [error] = await expired.next(1);
    expect(error).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
    await expired.closed;
  });
});

describe('server-side apply', () => {
  const apply = (data: Record<string, string>, manager: string, force = false) =>
    call('PATCH', `${CM}/applied?fieldManager=${manager}&force=${force}`, {
      body: JSON.stringify(configMap('applied', data)),
      contentType: 'application/apply-patch+yaml'
    });

  test('creates, removes fields the manager stopped applying, and reports conflicts', async () => {
    expect((await apply({ a: '1', b: '2' }, 'helm')).status).toBe(201);
    const pruned = await apply({ a: '1' }, 'helm');
    expect(pruned.body.data).toEqual({ a: '1' });
    const conflict = await apply({ a: 'other' }, 'someone-else');
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toBe(
      'Apply failed with 1 conflict: conflict with "helm": .data.a'
    );
    const forced = await apply({ a: 'other' }, 'someone-else', true);
    expect(forced.status).toBe(200);
    const managers = forced.body.metadata.managedFields.map((m: { manager: string }) => m.manager);
    expect(managers).toEqual(['someone-else']);
  });
});

describe('delete', () => {
  const deployment = (name: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'img:1' }] }
      }
    }
  });
  const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';
  const ownedPods = async (app: string) =>
    (await call('GET', `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`)).body.items;

  test('background propagation removes the ReplicaSets and pods', async () => {
    await call('POST', DEPLOYMENTS, { body: deployment('doomed') });
    await eventually(async () => (await ownedPods('doomed')).length === 1);
    const answer = await call('DELETE', `${DEPLOYMENTS}/doomed`);
    expect(answer.body).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'doomed', group: 'apps' }
    });
    await eventually(async () => (await ownedPods('doomed')).length === 0);
    const sets = await call(
      'GET',
      '/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Ddoomed'
    );
    expect(sets.body.items).toEqual([]);
  });

  test('Orphan propagation keeps the ReplicaSet without its owner reference', async () => {
    await call('POST', DEPLOYMENTS, { body: deployment('orphans') });
    await eventually(async () => (await ownedPods('orphans')).length === 1);
    await call('DELETE', `${DEPLOYMENTS}/orphans?propagationPolicy=Orphan`);
    const sets = await call(
      'GET',
      '/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dorphans'
    );
    expect(sets.body.items).toHaveLength(1);
    expect(sets.body.items[0].metadata.ownerReferences).toBeUndefined();
  });
});

test('the scale subresource reads and writes spec.replicas as an autoscaling/v1 Scale', async () => {
  const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';
  await call('POST', DEPLOYMENTS, {
    body: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'scaled' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'scaled' } },
        template: {
          metadata: { labels: { app: 'scaled' } },
          spec: { containers: [{ name: 'c', image: 'img:1' }] }
        }
      }
    }
  });
  const scale = await call('GET', `${DEPLOYMENTS}/scaled/scale`);
  expect(scale.body).toMatchObject({
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    spec: { replicas: 1 },
    status: { selector: 'app=scaled' }
  });
  const patched = await call('PATCH', `${DEPLOYMENTS}/scaled/scale`, {
    body: { spec: { replicas: 3 } },
    contentType: 'application/merge-patch+json'
  });
  expect(patched.body.spec.replicas).toBe(3);
  expect((await call('GET', `${DEPLOYMENTS}/scaled`)).body.spec.replicas).toBe(3);
});

test('lists page with limit and continue', async () => {
  for (const name of ['page-a', 'page-b', 'page-c']) {
    await call('POST', CM, {
      body: { ...configMap(name), metadata: { name, labels: { page: 'yes' } } }
    });
  }
  const first = await call('GET', `${CM}?labelSelector=page%3Dyes&limit=2`);
  expect(first.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual([
    'page-a',
    'page-b'
  ]);
  expect(first.body.metadata.remainingItemCount).toBe(1);
  const rest = await call(
    'GET',
    `${CM}?labelSelector=page%3Dyes&limit=2&continue=${first.body.metadata.continue}`
  );
  expect(rest.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual([
    'page-c'
  ]);
});

test('answers Table requests for kubectl get', async () => {
  const { body } = await call('GET', '/api/v1/namespaces', {
    accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json'
  });
  expect(body.kind).toBe('Table');
  expect(body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual([
    'Name',
    'Status',
    'Age'
  ]);
  expect(body.rows.map((r: { cells: string[] }) => r.cells[0])).toEqual([
    'default',
    'kube-system',
    'omer'
  ]);
});

describe('faults', () => {
  test('fails a chosen number of matching requests with the given status', async () => {
    const remove = cluster.faults.failRequests({
      path: /configmaps\/flaky/,
      status: 503,
      count: 1
    });
    expect((await call('GET', `${CM}/flaky`)).status).toBe(503);
    expect((await call('GET', `${CM}/flaky`)).status).toBe(404);
    remove();
  });

  test('429 carries Retry-After', async () => {
    const remove = cluster.faults.failRequests({ status: 429 });
    const answer = await call('GET', '/version');
    remove();
    expect(answer.status).toBe(429);
    expect(answer.headers['retry-after']).toBe('1');
    expect(answer.body.reason).toBe('TooManyRequests');
  });

  test('drops open watches', async () => {
    const watch = kubeWatch(cluster, TOKEN, `${CM}?watch=true`);
    await watch.next(1);
    expect(cluster.faults.dropWatches()).toBeGreaterThanOrEqual(1);
    await watch.closed;
  });

  test('restart keeps the state and the port', async () => {
    await call('POST', CM, { body: configMap('survivor') });
    await cluster.restart();
    expect((await call('GET', `${CM}/survivor`)).status).toBe(200);
  });

  // As a real API server's restart does: helm connecting at that moment must not keep a
  // connection to the stopped server (and its watches), nor keep the restart from finishing.
  test('restart cuts every connection, also one still in its TLS handshake', async () => {
    const handshaking = connect(Number(new URL(cluster.url).port), '127.0.0.1');
    handshaking.on('error', () => undefined); // the cut may arrive as ECONNRESET
    const cut = once(handshaking, 'close');
    await once(handshaking, 'connect');
    await new Promise((resolve) => setTimeout(resolve, 100)); // the server accepts it
    await cluster.restart();
    await cut;
    expect((await call('GET', '/version')).status).toBe(200);
  }, 10_000);
});

test('records every request with its status', () => {
  expect(cluster.requests).toContainEqual(
    expect.objectContaining({ method: 'GET', path: `${CM}/missing`, status: 404 })
  );
});
