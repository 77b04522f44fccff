import { describe, expect, test } from '@jest/globals';
import {
  diffFields,
  formatPath,
  isDrift,
  withoutDroppedFields,
  withoutServerFields,
  type FieldChange
} from '../../src/plan/diff.js';
import { objectKey, parseManifest, type JsonObject } from '../../src/plan/manifest.js';
import { redactChange, secretValues, sensitiveValues } from '../../src/plan/redact.js';
import { chartSchema } from '../../src/plan/release.js';

const MANIFEST = `---
# Source: app/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  index.html: hi
---
# Source: app/templates/empty.yaml
---
# Source: app/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: other
spec:
  replicas: 1
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
`;

describe('parseManifest', () => {
  test('keys objects by kind/namespace/name, with the release namespace where none is set', () => {
    const objects = parseManifest(MANIFEST, 'omer');
    expect([...objects.keys()]).toEqual([
      'ConfigMap/omer/web-config',
      'Deployment/other/web',
      'ClusterRole/reader'
    ]);
    expect(objects.get('ConfigMap/omer/web-config')?.source).toBe('app/templates/configmap.yaml');
    expect(objects.get('Deployment/other/web')?.body.spec).toEqual({ replicas: 1 });
  });

  test.each([
    ['', []],
    ['---\n# only a comment\n', []],
    [
      'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: s}}\n',
      ['Secret/ns/s']
    ]
  ])('%j has %j', (text, keys) => {
    expect([...parseManifest(text, 'ns').keys()]).toEqual(keys);
  });

  test.each([
    ['kind: ConfigMap\nmetadata: {name: a}\n', /no apiVersion, kind or metadata.name/],
    [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n',
      /ConfigMap\/ns\/a appears twice/
    ],
    ['- a\n- b\n', /not a mapping/]
  ])('refuses %j', (text, error) => {
    expect(() => parseManifest(text, 'ns')).toThrow(error);
  });

  test('objectKey of a cluster-scoped object has no namespace', () => {
    expect(objectKey({ kind: 'Namespace', name: 'omer' })).toBe('Namespace/omer');
  });
});

const live: JsonObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'omer',
    uid: 'u-1',
    resourceVersion: '42',
    generation: 3,
    creationTimestamp: '2026-01-01T00:00:00Z',
    managedFields: [{ manager: 'helm' }],
    annotations: { 'deployment.kubernetes.io/revision': '3', 'meta.helm.sh/release-name': 'web' }
  },
  spec: {
    replicas: 1,
    template: {
      metadata: { creationTimestamp: null, labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'app', image: 'a:1', env: [{ name: 'MODE', value: 'x' }] },
          { name: 'sidecar', image: 's:1' }
        ]
      }
    }
  },
  status: { readyReplicas: 1 }
};

describe('withoutServerFields', () => {
  test('drops status, server metadata, server annotations and template timestamps', () => {
    expect(withoutServerFields(live)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        namespace: 'omer',
        annotations: { 'meta.helm.sh/release-name': 'web' }
      },
      spec: {
        replicas: 1,
        template: {
          metadata: { labels: { app: 'web' } },
          spec: (live.spec as JsonObject).template
            ? ((live.spec as { template: { spec: JsonObject } }).template.spec as JsonObject)
            : {}
        }
      }
    });
  });

  test('an object that differs only in server fields has no changes', () => {
    const other = structuredClone(live);
    (other.metadata as JsonObject).resourceVersion = '43';
    (other.metadata as JsonObject).annotations = { 'meta.helm.sh/release-name': 'web' };
    other.status = { readyReplicas: 0 };
    expect(diffFields(withoutServerFields(live), withoutServerFields(other))).toEqual([]);
  });
});

const after = (change: (o: JsonObject) => void): JsonObject => {
  const copy = structuredClone(live);
  change(copy);
  return copy;
};
const containers = (o: JsonObject) =>
  (o as { spec: { template: { spec: { containers: JsonObject[] } } } }).spec.template.spec
    .containers;

describe('diffFields', () => {
  test.each<[string, JsonObject, Array<[string, unknown, unknown]>]>([
    [
      'an image change',
      after((o) => (containers(o)[0].image = 'a:2')),
      [['spec.template.spec.containers[name=app].image', 'a:1', 'a:2']]
    ],
    [
      'a new env var is one change, not a shifted list',
      after((o) => (containers(o)[0].env as JsonObject[]).unshift({ name: 'NEW', value: 'y' })),
      [
        [
          'spec.template.spec.containers[name=app].env[name=NEW]',
          undefined,
          { name: 'NEW', value: 'y' }
        ]
      ]
    ],
    [
      'a removed container',
      after((o) => containers(o).pop()),
      [
        [
          'spec.template.spec.containers[name=sidecar]',
          { name: 'sidecar', image: 's:1' },
          undefined
        ]
      ]
    ],
    [
      'an added and a removed key',
      after((o) => {
        (o.spec as JsonObject).paused = true;
        delete (o.spec as JsonObject).replicas;
      }),
      [
        ['spec.paused', undefined, true],
        ['spec.replicas', 1, undefined]
      ]
    ],
    [
      'args of another length change as a whole',
      after((o) => (containers(o)[1].args = ['--x'])),
      [['spec.template.spec.containers[name=sidecar].args', undefined, ['--x']]]
    ],
    [
      'an annotation with dots and slashes',
      after((o) => (((o.metadata as JsonObject).annotations as JsonObject)['a.io/b'] = 'c')),
      [['metadata.annotations["a.io/b"]', undefined, 'c']]
    ]
  ])('%s', (_, next, want) => {
    const got = diffFields(live, next).map((c) => [formatPath(c.path), c.before, c.after]);
    expect(got).toEqual(want);
  });

  test('lists of unnamed items compare index by index', () => {
    expect(
      diffFields({ ports: [{ port: 80 }, { port: 81 }] }, { ports: [{ port: 80 }, { port: 82 }] })
    ).toEqual([{ path: ['ports', 1, 'port'], before: 81, after: 82 }]);
  });
});

describe('drift and dropped fields', () => {
  const oldManifest: JsonObject = { spec: { replicas: 1, paused: false, template: { x: 'a' } } };
  const newManifest: JsonObject = { spec: { replicas: 1, template: { x: 'b' } } };
  test.each<[string, FieldChange, boolean]>([
    [
      'replicas scaled by hand, the chart still says 1',
      { path: ['spec', 'replicas'], before: 3, after: 1 },
      true
    ],
    [
      'a field the chart changed',
      { path: ['spec', 'template', 'x'], before: 'a', after: 'b' },
      false
    ],
    [
      'a field the chart does not set',
      { path: ['spec', 'minReadySeconds'], before: 5, after: 0 },
      false
    ]
  ])('%s: drift %p', (_, change, want) => {
    expect(isDrift(change, oldManifest, newManifest)).toBe(want);
  });

  test('a first install has no drift', () => {
    expect(
      isDrift({ path: ['spec', 'replicas'], before: 3, after: 1 }, undefined, newManifest)
    ).toBe(false);
  });

  test('fields the old manifest set and the new one does not are removed, as helm 3 does', () => {
    const predicted = {
      spec: { replicas: 1, paused: false, template: { x: 'b' }, minReadySeconds: 0 }
    };
    expect(withoutDroppedFields(predicted, oldManifest, newManifest)).toEqual({
      spec: { replicas: 1, template: { x: 'b' }, minReadySeconds: 0 }
    });
    expect(predicted.spec.paused).toBe(false); // a copy
  });
});

describe('redaction', () => {
  const secret = {
    kind: 'Secret',
    body: {
      data: { password: Buffer.from('hunter2-very-secret').toString('base64') },
      stringData: { token: 'tok-123456' }
    }
  };
  const known = secretValues([secret, { kind: 'ConfigMap', body: { data: { a: 'not-secret' } } }]);

  test('knows every Secret value, decoded and encoded, and nothing of other kinds', () => {
    expect(known).toEqual(
      expect.arrayContaining([
        'hunter2-very-secret',
        Buffer.from('hunter2-very-secret').toString('base64'),
        'tok-123456'
      ])
    );
    expect(known).not.toContain('not-secret');
  });

  test.each<[string, string, FieldChange, boolean]>([
    ['Secret data', 'Secret', { path: ['data', 'password'], before: 'YQ==', after: 'Yg==' }, true],
    ['Secret stringData', 'Secret', { path: ['stringData', 'anything'], after: 'x' }, true],
    [
      'a Secret label',
      'Secret',
      { path: ['metadata', 'labels', 'app'], before: 'a', after: 'b' },
      false
    ],
    [
      'an env var named like a password',
      'Deployment',
      { path: ['env', { name: 'DB_PASSWORD' }, 'value'], after: 'abc' },
      true
    ],
    [
      'a whole env item named like a token',
      'Deployment',
      { path: ['env', { name: 'API_TOKEN' }], after: { name: 'API_TOKEN', value: 'v' } },
      true
    ],
    [
      'a plain env var',
      'Deployment',
      { path: ['env', { name: 'MODE' }, 'value'], before: 'a', after: 'b' },
      false
    ],
    [
      'a boolean named like a token',
      'Deployment',
      { path: ['spec', 'automountServiceAccountToken'], before: true, after: false },
      false
    ],
    [
      'a secretName is a name, not a secret',
      'Deployment',
      { path: ['volumes', { name: 'v' }, 'secret', 'secretName'], after: 's' },
      false
    ],
    [
      'an AWS key anywhere',
      'ConfigMap',
      { path: ['data', 'cfg'], after: 'key=AKIAABCDEFGHIJKLMNOP' },
      true
    ],
    [
      'a URL with a password',
      'ConfigMap',
      { path: ['data', 'url'], after: 'postgres://app:pw@db:5432/x' },
      true
    ],
    [
      'a PEM private key',
      'ConfigMap',
      { path: ['data', 'k'], before: '-----BEGIN RSA PRIVATE KEY-----\nMII', after: 'x' },
      true
    ],
    [
      'a Secret value copied into a ConfigMap',
      'ConfigMap',
      { path: ['data', 'copy'], after: 'pw is hunter2-very-secret' },
      true
    ]
  ])('%s (%s)', (_, kind, change, hidden) => {
    const shown = redactChange(kind, change, known);
    expect(shown.hidden).toBe(hidden);
    if (hidden) {
      const text = JSON.stringify(shown);
      for (const value of [change.before, change.after]) {
        if (typeof value === 'string') expect(text).not.toContain(value);
      }
      expect(shown.before === undefined).toBe(change.before === undefined);
      expect(shown.after === undefined).toBe(change.after === undefined);
    } else {
      expect(shown).toEqual({ ...change, hidden: false });
    }
  });
});

describe('values the chart marks secret', () => {
  const schema = {
    type: 'object',
    properties: {
      db: {
        type: 'object',
        properties: { password: { type: 'string' }, dsnPart: { type: 'string', writeOnly: true } }
      },
      apiToken: { type: 'string', format: 'password' },
      name: { type: 'string' }
    }
  };
  test.each<[string, unknown, unknown[], string[]]>([
    [
      'writeOnly and format: password',
      schema,
      [{ db: { dsnPart: 'user=app' }, apiToken: 'tok-1234', name: 'web-app' }],
      ['user=app', 'tok-1234']
    ],
    [
      'keys named like credentials, with or without a schema',
      undefined,
      [{ db: { password: 'pw-123456' }, name: 'web-app' }],
      ['pw-123456']
    ],
    ['the chart defaults too', schema, [{}, { apiToken: 'default-token' }], ['default-token']],
    [
      'a marked object: all its strings',
      { properties: { creds: { writeOnly: true } } },
      [{ creds: { a: 'aaaa1', b: ['bbbb2'] } }],
      ['aaaa1', 'bbbb2']
    ],
    ['nothing secret', schema, [{ name: 'web-app', db: {} }, null], []]
  ])('%s', (_, s, values, want) => expect(sensitiveValues(s, values).sort()).toEqual(want.sort()));
});

test('chartSchema reads helm base64 JSON, and nothing else', () => {
  expect(chartSchema(Buffer.from('{"type":"object"}').toString('base64'))).toEqual({
    type: 'object'
  });
  expect(chartSchema(undefined)).toBeUndefined();
  expect(chartSchema('bm90IGpzb24=')).toBeUndefined();
});
