// Table tests for the emulator's pure parts: patches, selectors, field ownership, protobuf
// decoding, name validation and strict field checks.
import { describe, expect, test } from '@jest/globals';
import { fieldPaths, serverSideApply } from '../apply.js';
import { splitImage } from '../controllers/images.js';
import { jsonPatch, mergePatch, strategicMergePatch } from '../patch.js';
import { decodeProtobuf } from '../protobuf.js';
import { findType } from '../resources.js';
import { unknownFields } from '../schema.js';
import { parseFieldSelector, parseLabelSelector } from '../selectors.js';
import { nameCauses } from '../validation.js';

const containers = (...list: object[]) => ({ spec: { containers: list } });

describe('strategic merge patch', () => {
  test.each([
    [
      'merges list elements by their merge key',
      containers({ name: 'a', image: '1' }, { name: 'b', image: '1' }),
      containers({ name: 'b', image: '2' }),
      containers({ name: 'a', image: '1' }, { name: 'b', image: '2' })
    ],
    [
      'deletes an element with $patch: delete',
      containers({ name: 'a' }, { name: 'b' }),
      containers({ name: 'a', $patch: 'delete' }),
      containers({ name: 'b' })
    ],
    [
      'orders by $setElementOrder',
      containers({ name: 'a' }, { name: 'b' }),
      { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } },
      containers({ name: 'b' }, { name: 'a' })
    ],
    [
      'removes a key set to null',
      { data: { a: '1', b: '2' } },
      { data: { a: null } },
      { data: { b: '2' } }
    ],
    [
      'replaces lists without a merge key',
      { spec: { args: ['x', 'y'] } },
      { spec: { args: ['z'] } },
      { spec: { args: ['z'] } }
    ],
    [
      'keeps only $retainKeys',
      { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } },
      { strategy: { $retainKeys: ['type'], type: 'Recreate' } },
      { strategy: { type: 'Recreate' } }
    ],
    [
      'merges Service ports by port',
      { ports: [{ port: 80, targetPort: 1 }] },
      { ports: [{ port: 80, targetPort: 2 }, { port: 443 }] },
      { ports: [{ port: 80, targetPort: 2 }, { port: 443 }] }
    ],
    [
      'removes values with $deleteFromPrimitiveList',
      { finalizers: ['a', 'b'] },
      { '$deleteFromPrimitiveList/finalizers': ['a'] },
      { finalizers: ['b'] }
    ]
  ])('%s', (_name, target, patch, want) =>
    expect(strategicMergePatch(target, patch)).toEqual(want)
  );
});

test.each([
  [{ a: 1, b: { c: 2 } }, { b: { c: null, d: 3 } }, { a: 1, b: { d: 3 } }],
  [{ list: [1, 2] }, { list: [3] }, { list: [3] }]
])('merge patch %j + %j', (target, patch, want) => expect(mergePatch(target, patch)).toEqual(want));

test.each([
  [[{ op: 'add', path: '/a/-', value: 3 }], { a: [1, 2, 3] }],
  [[{ op: 'replace', path: '/b~1c', value: 'y' }], { a: [1, 2], 'b/c': 'y' }],
  [[{ op: 'remove', path: '/a/0' }], { a: [2], 'b/c': 'x' }],
  [[{ op: 'move', from: '/b~1c', path: '/d' }], { a: [1, 2], d: 'x' }]
])('json patch %j', (ops, want) =>
  expect(jsonPatch({ a: [1, 2], 'b/c': 'x' }, ops)).toMatchObject(want)
);

test('json patch test failures are rejected', () => {
  expect(() => jsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(
    'testing value /a failed'
  );
});

describe('selectors', () => {
  test.each([
    ['a=1,b!=2', { a: '1', b: '3' }, true],
    ['a=1,b!=2', { a: '1', b: '2' }, false],
    ['env in (dev, prod),!legacy', { env: 'prod' }, true],
    ['env notin (dev)', { env: 'dev' }, false],
    ['owner', {}, false],
    ['name=web,owner=helm', { name: 'web', owner: 'helm', status: 'deployed' }, true]
  ])('label selector %s on %j → %s', (selector, labels, want) =>
    expect(parseLabelSelector(selector)(labels)).toBe(want)
  );

  test.each([
    ['metadata.name=x', { metadata: { name: 'x' } }, true],
    ['status.phase!=Running', { status: { phase: 'Pending' } }, true],
    [
      'involvedObject.name=p,involvedObject.kind=Pod',
      { involvedObject: { name: 'p', kind: 'Deployment' } },
      false
    ]
  ])('field selector %s → %s', (selector, object, want) =>
    expect(parseFieldSelector(selector)(object)).toBe(want)
  );

  test.each([
    ['events', 'involvedObject.uid=u,involvedObject.kind=Pod', null],
    ['events', 'reason=BackOff', null],
    ['pods', 'spec.nodeName=n,status.phase=Running', null],
    ['deployments', 'metadata.name=web', null],
    ['events', 'involvedObject.labels=x', 'field label not supported: involvedObject.labels'],
    ['deployments', 'spec.replicas=3', 'field label not supported: spec.replicas'],
    ['pods', 'metadata.labels.app=web', 'field label not supported: metadata.labels.app']
  ])('field selector on %s: %s is %s like the real server', (resource, selector, error) => {
    const parse = () => parseFieldSelector(selector, resource);
    if (error) expect(parse).toThrow(error);
    else expect(parse).not.toThrow();
  });
});

describe('server-side apply', () => {
  const cm = (data: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c' },
    data
  });

  test('lists keyed fields by merge key', () => {
    expect(fieldPaths(containers({ name: 'app', image: 'i' }))).toEqual([
      ['f:spec', 'f:containers', 'k:{"name":"app"}'],
      ['f:spec', 'f:containers', 'k:{"name":"app"}', 'f:name'],
      ['f:spec', 'f:containers', 'k:{"name":"app"}', 'f:image']
    ]);
  });

  test('keeps fields another manager owns when the applier drops them', () => {
    const first = serverSideApply(undefined, cm({ a: '1' }), 'helm', false).object;
    const second = serverSideApply(first, cm({ a: '1', b: '2' }), 'other', false).object;
    const third = serverSideApply(second, cm({}), 'helm', false).object;
    expect(third.data).toEqual({ a: '1', b: '2' });
    const fourth = serverSideApply(third, cm({}), 'other', false).object;
    expect(fourth.data).toEqual({});
  });
});

test('decodes a protobuf Secret as client-go writes it', () => {
  const field = (n: number, payload: Buffer) =>
    Buffer.concat([Buffer.from([(n << 3) | 2, payload.length]), payload]);
  const text = (s: string) => Buffer.from(s);
  const labels = field(11, Buffer.concat([field(1, text('owner')), field(2, text('helm'))]));
  const meta = Buffer.concat([field(1, text('sh.helm.release.v1.web.v1')), labels]);
  const data = field(
    2,
    Buffer.concat([field(1, text('release')), field(2, Buffer.from([0, 1, 2]))])
  );
  const secret = Buffer.concat([field(1, meta), data, field(3, text('helm.sh/release.v1'))]);
  const typeMeta = Buffer.concat([field(1, text('v1')), field(2, text('Secret'))]);
  const body = Buffer.concat([Buffer.from('k8s\0'), field(1, typeMeta), field(2, secret)]);
  expect(decodeProtobuf(body)).toEqual({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'sh.helm.release.v1.web.v1', labels: { owner: 'helm' } },
    data: { release: 'AAEC' },
    type: 'helm.sh/release.v1'
  });
});

describe('validation', () => {
  test.each([
    ['configmaps', 'web.content', 0],
    ['configmaps', 'Bad_Name', 1],
    ['services', 'web.content', 1],
    ['services', '1web', 1],
    ['configmaps', 'x'.repeat(254), 1],
    ['services', 'Web_1', 1]
  ])('%s name %s has %d causes', (type, name, count) =>
    expect(nameCauses(findType('', 'v1', type)!, name)).toHaveLength(count)
  );

  test('reports unknown fields by path', () => {
    const deployments = findType('apps', 'v1', 'deployments')!;
    const object = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x', lables: {} },
      spec: { template: { spec: { containers: [{ name: 'a', imagee: 'i' }] } } }
    };
    expect(unknownFields(deployments, object)).toEqual([
      'metadata.lables',
      'spec.template.spec.containers[0].imagee'
    ]);
  });
});

test.each([
  [
    '127.0.0.1:5000/team/app:1.0',
    { host: '127.0.0.1:5000', repository: 'team/app', reference: '1.0' }
  ],
  ['localhost:5000/app', { host: 'localhost:5000', repository: 'app', reference: 'latest' }],
  ['ghcr.io/o/r@sha256:abc', { host: 'ghcr.io', repository: 'o/r', reference: 'sha256:abc' }]
])('splits image %s', (image, want) => expect(splitImage(image)).toEqual(want));
