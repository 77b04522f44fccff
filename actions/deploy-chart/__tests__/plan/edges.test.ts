import { gzipSync } from 'node:zlib';
import { describe, expect, test } from '@jest/globals';
import { apiBase, asHelmSendsIt, limiter, objectPath } from '../../src/plan/cluster.js';
import { parseManifest } from '../../src/plan/manifest.js';
import { revisionOf, upgradeBase, type StoredRelease } from '../../src/plan/release.js';
import { parseMode } from '../../src/plan/mode.js';
import type { Plan } from '../../src/plan/plan.js';
import { planLogLines, planOutputs } from '../../src/plan/report.js';
import { forceConflicts, scrub } from '../../src/plan/run.js';

const rev = (version: number, status: string): StoredRelease => ({
  version,
  status,
  manifest: `m${version}`
});

describe('upgradeBase: the revision helm upgrades from', () => {
  test.each<[string, StoredRelease[], number | undefined]>([
    ['no release', [], undefined],
    ['the latest, deployed', [rev(1, 'superseded'), rev(2, 'deployed')], 2],
    ['the last deployed when the latest failed', [rev(2, 'deployed'), rev(3, 'failed')], 2],
    ['a latest failed with none deployed', [rev(1, 'failed')], 1],
    ['unordered input', [rev(3, 'deployed'), rev(1, 'superseded')], 3],
    ['an uninstalled release (kept history)', [rev(1, 'uninstalled')], undefined],
    ['a latest pending install with none deployed', [rev(1, 'pending-install')], undefined]
  ])('%s', (_, releases, want) => expect(upgradeBase(releases)?.version).toBe(want));
});

// A release Secret's data.release as the API serves it: base64 of helm's base64 of gzip of JSON.
const stored = (record: object) =>
  Buffer.from(gzipSync(JSON.stringify(record)).toString('base64')).toString('base64');

describe('revisionOf: a release Secret told apart by its labels, decoded only without them', () => {
  test.each<[string, Record<string, string> | undefined, string, [number, string, boolean]]>([
    // Not a record at all: decoding it would throw, so the labels alone answered.
    [
      "helm's labels",
      { version: '7', status: 'superseded' },
      'not-a-record',
      [7, 'superseded', false]
    ],
    [
      'no labels: the record',
      undefined,
      stored({ version: 3, info: { status: 'failed' } }),
      [3, 'failed', true]
    ],
    [
      'a version label that is no number: the record',
      { version: 'x', status: 'deployed' },
      stored({ version: 4, info: { status: 'deployed' } }),
      [4, 'deployed', true]
    ]
  ])('%s', (_, labels, release, [version, status, decoded]) => {
    const revision = revisionOf({ metadata: { name: 'r', labels }, data: { release } });
    expect([revision.version, revision.status, revision.record !== undefined]).toEqual([
      version,
      status,
      decoded
    ]);
  });
});

describe('API paths', () => {
  test.each([
    ['v1', '/api/v1'],
    ['apps/v1', '/apis/apps/v1'],
    ['networking.k8s.io/v1', '/apis/networking.k8s.io/v1']
  ])('%s is served under %s', (apiVersion, base) => expect(apiBase(apiVersion)).toBe(base));

  test.each([
    [
      { base: '/apis/apps/v1', plural: 'deployments', namespaced: true },
      'web',
      'omer',
      '/apis/apps/v1/namespaces/omer/deployments/web'
    ],
    [
      { base: '/api/v1', plural: 'namespaces', namespaced: false },
      'omer',
      undefined,
      '/api/v1/namespaces/omer'
    ],
    [
      { base: '/apis/rbac.authorization.k8s.io/v1', plural: 'clusterroles', namespaced: false },
      'r',
      'omer',
      '/apis/rbac.authorization.k8s.io/v1/clusterroles/r'
    ]
  ])('%j %s in %s', (type, name, namespace, want) =>
    expect(objectPath(type, name, namespace)).toBe(want)
  );
});

test('objects are dry-run as helm sends them: namespace, ownership label and annotations', () => {
  const [object] = parseManifest(
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {a: b}\n',
    'omer'
  ).values();
  expect(asHelmSendsIt(object, 'web', 'omer')).toEqual({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'c',
      namespace: 'omer',
      labels: { a: 'b', 'app.kubernetes.io/managed-by': 'Helm' },
      annotations: { 'meta.helm.sh/release-name': 'web', 'meta.helm.sh/release-namespace': 'omer' }
    }
  });
  expect(object.body.metadata).toEqual({ name: 'c', labels: { a: 'b' } }); // untouched
});

test.each<[3 | 4, string[], string | undefined, boolean]>([
  [3, [], undefined, true],
  [3, [], '', true],
  [4, [], undefined, false], // an install: server-side apply
  [4, [], 'ssa', false],
  [4, [], 'csa', true],
  [4, [], '', true], // a release helm 3 recorded: helm 4 patches it client-side
  [4, ['--server-side=false'], 'ssa', true],
  [4, ['--force-conflicts'], 'ssa', true]
])('helm %s %j on a base applied %p: force %s', (major, args, method, want) => {
  expect(forceConflicts(major, args, method)).toBe(want);
});

test('scrub takes every known value out of a server message, longest first', () => {
  expect(scrub('invalid: "hunter2" and "hunter2-long"', ['hunter2', 'hunter2-long'])).toBe(
    'invalid: "(sensitive)" and "(sensitive)"'
  );
});

test('limiter runs at most its limit at a time and returns each result', async () => {
  const run = limiter(2);
  let running = 0;
  let peak = 0;
  const out = await Promise.all(
    [5, 1, 3, 2, 4].map((n) =>
      run(async () => {
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, n));
        running--;
        return n * 10;
      })
    )
  );
  expect(out).toEqual([50, 10, 30, 20, 40]);
  expect(peak).toBe(2);
});

test('a failed work frees its slot', async () => {
  const run = limiter(1);
  await expect(run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  expect(await run(async () => 'next')).toBe('next');
});

describe('the mode input', () => {
  test.each([
    ['', 'deploy'],
    ['deploy', 'deploy'],
    ['plan', 'plan'],
    [' Plan ', 'plan']
  ])('%j is %s', (text, want) => expect(parseMode(text)).toBe(want));

  test('anything else names the input and the choices', () => {
    expect(() => parseMode('apply')).toThrow('mode: "apply" is neither deploy nor plan');
  });
});

describe('plan outputs and log', () => {
  const plan: Plan = {
    release: 'web',
    namespace: 'omer',
    firstInstall: false,
    unchanged: 1,
    entries: [
      {
        action: 'add',
        ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'omer', name: 'c' },
        fields: [],
        missing: true
      },
      {
        action: 'change',
        ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'omer', name: 'd' },
        fields: [{ path: ['spec', 'replicas'], before: 3, after: 1, hidden: false, drift: true }]
      },
      {
        action: 'remove',
        ref: { apiVersion: 'v1', kind: 'Service', namespace: 'omer', name: 's' },
        kept: false
      },
      { action: 'remove', ref: { apiVersion: 'v1', kind: 'Namespace', name: 'n' }, kept: true }
    ]
  };

  test('outputs count what the deploy changes; a kept object is not a removal', () => {
    expect(planOutputs(plan, '/tmp/p.md')).toEqual({
      'has-changes': 'true',
      added: '1',
      changed: '1',
      removed: '1',
      'plan-file': '/tmp/p.md'
    });
  });

  test('a failed plan has no changes', () => {
    expect(
      planOutputs({ ...plan, entries: [], failure: { stage: 'render', reason: 'x' } }, 'f')[
        'has-changes'
      ]
    ).toBe('false');
  });

  test('the log has one line per object, with paths and no values', () => {
    expect(planLogLines(plan)).toEqual([
      '+ ConfigMap omer/c (deleted from the cluster by hand)',
      '~ Deployment omer/d: spec.replicas (drift)',
      '- Service omer/s',
      '- Namespace n (kept: helm.sh/resource-policy)'
    ]);
  });
});
