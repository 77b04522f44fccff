import { expect, test } from '@jest/globals';
import {
  containsSpec,
  manifestObjects,
  planRolloutWatch,
  releaseObjects,
  rolloutPods,
  selectorString
} from '../../src/cluster/release-objects.js';
import type { LiveWorkload, Pod } from '../../src/cluster/types.js';
import { deployment, HOOKS, MANIFEST, notFound, pod, replicaSet } from './rollout-fixtures.js';

test("the release's objects come from its manifest and its install hooks, not its tests", () => {
  const objects = releaseObjects({ manifest: MANIFEST, hooks: HOOKS }, 'web');
  expect(objects.map((o) => `${o.kind}/${o.name} ${o.namespace}${o.hook ? ' hook' : ''}`)).toEqual([
    'Deployment/shop-web web',
    'Service/shop-web web',
    'Widget/shop-widget web',
    'Job/shop-migrate web hook'
  ]);
});

test('a List document and an explicit namespace are read; empty documents skipped', () => {
  const objects = manifestObjects(
    '---\n---\napiVersion: v1\nkind: List\nitems:\n  - { apiVersion: v1, kind: ConfigMap, metadata: { name: a, namespace: other } }\n',
    'web'
  );
  expect(objects).toEqual([
    { apiVersion: 'v1', kind: 'ConfigMap', name: 'a', namespace: 'other', template: undefined }
  ]);
});

test('workloads are followed; a custom resource is named as not followable; pod-less kinds are neither', () => {
  const plan = planRolloutWatch(releaseObjects({ manifest: MANIFEST, hooks: HOOKS }, 'web'));
  expect(plan.workloads.map((w) => `${w.kind}/${w.name}`)).toEqual([
    'Deployment/shop-web',
    'Job/shop-migrate'
  ]);
  expect(plan.unfollowable.map((w) => `${w.kind}/${w.name}`)).toEqual(['Widget/shop-widget']);
});

test.each<[string, unknown, unknown, boolean]>([
  ['defaults added by the server', { a: 1 }, { a: 1, b: 2 }, true],
  ['a number the server turned into a string', { port: '80' }, { port: 80 }, true],
  ['a changed image', { image: 'x:2' }, { image: 'x:1' }, false],
  ['list item by item', [{ name: 'a' }, { name: 'b' }], [{ name: 'a' }, { name: 'b', x: 1 }], true],
  ['a missing list item', [{ name: 'a' }, { name: 'b' }], [{ name: 'a' }], false],
  [
    'resource quantities are not compared',
    { resources: { cpu: '1000m' } },
    { resources: { cpu: '1' } },
    true
  ],
  ['null in the manifest', { creationTimestamp: null }, {}, true],
  ['an empty map the server dropped', { annotations: {} }, {}, true]
])('containsSpec: %s', (_case, want, have, expected) => {
  expect(containsSpec(want, have)).toBe(expected);
});

const [web] = planRolloutWatch(releaseObjects({ manifest: MANIFEST }, 'web')).workloads;
const names = (pods: Pod[]) => pods.map((p) => p.metadata?.name);

test.each<[string, LiveWorkload | undefined, LiveWorkload[], Pod[], boolean, string[]]>([
  ['not created yet', undefined, [], [], false, []],
  [
    'the old spec is still running (helm has not applied v2): the old pods are not judged',
    deployment('ghcr.io/o/shop:v1'),
    [replicaSet('rs-old', 1)],
    [pod('old-1', 'rs-old', notFound)],
    false,
    []
  ],
  [
    'v2 applied but not observed by the controller yet',
    deployment('ghcr.io/o/shop:v2', 3, 2),
    [replicaSet('rs-old', 1)],
    [pod('old-1', 'rs-old')],
    false,
    []
  ],
  [
    'the newest ReplicaSet is the rollout; pods of the old one (recreated by a drain or an HPA) are not',
    deployment('ghcr.io/o/shop:v2'),
    [replicaSet('rs-old', 1), replicaSet('rs-new', 2)],
    [pod('old-1', 'rs-old', notFound), pod('new-1', 'rs-new', notFound), pod('other', 'rs-x')],
    true,
    ['new-1']
  ],
  [
    're-run of the same failing commit: nothing new is created, the failing pods are judged',
    deployment('ghcr.io/o/shop:v2', 2),
    [replicaSet('rs-old', 1, 0), replicaSet('rs-new', 2)],
    [pod('new-1', 'rs-new', notFound), pod('old-1', 'rs-old')],
    true,
    ['new-1']
  ],
  [
    'a pod being deleted is left out',
    deployment('ghcr.io/o/shop:v2'),
    [replicaSet('rs-new', 2)],
    [
      pod('new-1', 'rs-new', undefined, {
        metadata: {
          name: 'new-1',
          deletionTimestamp: 'x',
          ownerReferences: [{ kind: 'ReplicaSet', name: 'rs-new', uid: 'rs-new' }]
        }
      })
    ],
    true,
    []
  ]
])('Deployment: %s', (_case, live, replicaSets, pods, current, want) => {
  const rollout = rolloutPods({ workload: web, live, replicaSets, pods });
  expect(rollout.current).toBe(current);
  expect(names(rollout.pods)).toEqual(want);
});

test("the latest deletionTimestamp of the workload's terminating pods is when their room is free", () => {
  const terminating = (name: string, owner: string, at?: string) =>
    pod(name, owner, undefined, {
      metadata: {
        name,
        deletionTimestamp: at,
        ownerReferences: [{ kind: 'ReplicaSet', name: owner, uid: owner }]
      }
    });
  const replicaSets = [replicaSet('rs-old', 1), replicaSet('rs-new', 2)];
  const rollout = (pods: Pod[]) =>
    rolloutPods({ workload: web, live: deployment('ghcr.io/o/shop:v2'), replicaSets, pods });
  expect(
    rollout([
      terminating('old-1', 'rs-old', '2026-11-25T12:00:30Z'),
      terminating('old-2', 'rs-old', '2026-11-25T12:00:10Z'),
      terminating('new-1', 'rs-new')
    ]).roomFreedAt
  ).toBe(Date.parse('2026-11-25T12:00:30Z'));
  expect(rollout([terminating('new-1', 'rs-new')]).roomFreedAt).toBeUndefined();
});

const owned = (name: string, uid: string, labels: Record<string, string>): Pod => ({
  metadata: { name, uid: name, labels, ownerReferences: [{ kind: 'X', name: 'x', uid }] }
});

const statefulSet = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet' as const,
  name: 'db',
  namespace: 'web',
  template: {}
};
/** StatefulSet db at revision db-2. */
const liveStatefulSet = (podManagementPolicy?: string) => ({
  metadata: { uid: 'sts', generation: 2 },
  spec: { template: {}, podManagementPolicy },
  status: { observedGeneration: 2, updateRevision: 'db-2' }
});

test('StatefulSet: only pods of its updateRevision', () => {
  const pods = [
    owned('db-0', 'sts', { 'controller-revision-hash': 'db-2' }),
    owned('db-1', 'sts', { 'controller-revision-hash': 'db-1' })
  ];
  const rollout = rolloutPods({
    workload: statefulSet,
    live: liveStatefulSet(),
    replicaSets: [],
    pods
  });
  expect(names(rollout.pods)).toEqual(['db-0']);
});

const statefulPod = (name: string, revision: string, ready: boolean): Pod => ({
  ...owned(name, 'sts', { 'controller-revision-hash': revision }),
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] }
});

test.each<[string, string | undefined, Pod[], string[], string[]]>([
  [
    'a fix over a broken pod (default OrderedReady): the old pod holds the rollout',
    undefined,
    [statefulPod('db-0', 'db-1', false)],
    [],
    ['db-0']
  ],
  [
    'OrderedReady named: the same',
    'OrderedReady',
    [statefulPod('db-0', 'db-2', true), statefulPod('db-1', 'db-1', false)],
    ['db-0'],
    ['db-1']
  ],
  [
    'an old pod that is Ready holds nothing (the controller replaces it)',
    undefined,
    [statefulPod('db-0', 'db-1', true)],
    [],
    []
  ],
  [
    'Parallel: the controller replaces old pods, ready or not',
    'Parallel',
    [statefulPod('db-0', 'db-1', false)],
    [],
    []
  ]
])('StatefulSet blocking pods: %s', (_case, policy, pods, want, blocking) => {
  const live = liveStatefulSet(policy);
  const rollout = rolloutPods({ workload: statefulSet, live, replicaSets: [], pods });
  expect(names(rollout.pods)).toEqual(want);
  expect(names(rollout.blocking ?? [])).toEqual(blocking);
});

test('DaemonSet: only pods of its current template generation', () => {
  const workload = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet' as const,
    name: 'agent',
    namespace: 'web',
    template: {}
  };
  const live = {
    metadata: { uid: 'ds', generation: 3 },
    spec: { template: {} },
    status: { observedGeneration: 3 }
  };
  const pods = [
    owned('agent-a', 'ds', { 'pod-template-generation': '3' }),
    owned('agent-b', 'ds', { 'pod-template-generation': '2' }),
    owned('stranger', 'other', { 'pod-template-generation': '3' })
  ];
  expect(names(rolloutPods({ workload, live, replicaSets: [], pods }).pods)).toEqual(['agent-a']);
});

test('Job: its own pods', () => {
  const workload = {
    apiVersion: 'batch/v1',
    kind: 'Job' as const,
    name: 'migrate',
    namespace: 'web',
    template: {}
  };
  const live = { metadata: { uid: 'job', generation: 1 }, spec: { template: {} } };
  const pods = [owned('migrate-x', 'job', {}), owned('older-job-pod', 'job-before', {})];
  expect(names(rolloutPods({ workload, live, replicaSets: [], pods }).pods)).toEqual(['migrate-x']);
});

test.each<[string, unknown, string | undefined]>([
  ['matchLabels', { matchLabels: { app: 'a', tier: 'web' } }, 'app=a,tier=web'],
  [
    'matchExpressions',
    {
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['a', 'b'] },
        { key: 'skip', operator: 'DoesNotExist' }
      ]
    },
    'env in (a,b),!skip'
  ],
  ['none', undefined, undefined]
])('selectorString: %s', (_case, selector, want) => expect(selectorString(selector)).toBe(want));
