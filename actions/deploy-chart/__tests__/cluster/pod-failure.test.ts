import { expect, test } from '@jest/globals';
import {
  classifyPod,
  classifyWorkload,
  describePodFailure,
  DEFAULT_FAIL_FAST_RULES,
  noScaleUpBound,
  pullCause,
  timeMicros,
  type PodContext,
  type PullCause
} from '../../src/cluster/pod-failure.js';
import type {
  ContainerStatus,
  KubeEvent,
  LiveWorkload,
  Pod,
  PodCondition
} from '../../src/cluster/types.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const secondsAgo = (s: number) => new Date(NOW - s * 1000).toISOString();

function waiting(reason: string, message = '', restartCount = 0): ContainerStatus {
  return {
    name: 'app',
    image: 'ghcr.io/o/app:1',
    restartCount,
    state: { waiting: { reason, message } }
  };
}

function pod(options: {
  containers?: ContainerStatus[];
  init?: ContainerStatus[];
  conditions?: PodCondition[];
  startedSecondsAgo?: number;
  nominatedNodeName?: string;
}): Pod {
  return {
    metadata: { name: 'web-1', creationTimestamp: secondsAgo(options.startedSecondsAgo ?? 60) },
    status: {
      phase: 'Pending',
      nominatedNodeName: options.nominatedNodeName,
      startTime: secondsAgo(options.startedSecondsAgo ?? 60),
      containerStatuses: options.containers,
      initContainerStatuses: options.init,
      conditions: options.conditions
    }
  };
}

const crashing: ContainerStatus = {
  name: 'app',
  restartCount: 3,
  state: {
    waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' }
  },
  lastState: { terminated: { exitCode: 1, reason: 'Error' } }
};

const unschedulable = (since: number): PodCondition => ({
  type: 'PodScheduled',
  status: 'False',
  reason: 'Unschedulable',
  message: '0/3 nodes are available: 3 Insufficient cpu.',
  lastTransitionTime: secondsAgo(since)
});

const ev = (reason: string, message: string, ago = 10): KubeEvent => ({
  reason,
  message,
  type: 'Warning',
  lastTimestamp: secondsAgo(ago)
});
const backOff = (cause: string) =>
  `Back-off pulling image "ghcr.io/o/app:1": ErrImagePull: ${cause}`;

test.each<[string, Pod, string | null, PodContext?]>([
  [
    'running and ready',
    pod({ containers: [{ name: 'app', ready: true, state: { running: {} } }] }),
    null
  ],
  ['just created, no statuses', pod({}), null],
  ['ContainerCreating', pod({ containers: [waiting('ContainerCreating')] }), null],
  [
    'ImagePullBackOff (kubelet ≥1.32): not found is final',
    pod({
      containers: [waiting('ImagePullBackOff', backOff('failed to resolve reference: not found'))]
    }),
    'app ImagePullBackOff'
  ],
  [
    'ImagePullBackOff: unauthorized is final',
    pod({
      containers: [waiting('ImagePullBackOff', backOff('failed to authorize: 401 Unauthorized'))]
    }),
    'app ImagePullBackOff'
  ],
  [
    'ImagePullBackOff: no match for platform is final',
    pod({
      containers: [
        waiting('ImagePullBackOff', backOff('no match for platform in manifest: not found'))
      ]
    }),
    'app ImagePullBackOff'
  ],
  [
    'ImagePullBackOff: an i/o timeout waits (the kubelet retries it)',
    pod({
      containers: [waiting('ImagePullBackOff', backOff('dial tcp 1.2.3.4:443: i/o timeout'))]
    }),
    null
  ],
  [
    'ImagePullBackOff: a TLS handshake timeout waits',
    pod({ containers: [waiting('ImagePullBackOff', backOff('net/http: TLS handshake timeout'))] }),
    null
  ],
  [
    'ImagePullBackOff: a registry 503 waits',
    pod({
      containers: [
        waiting('ImagePullBackOff', backOff('unexpected status code 503 Service Unavailable'))
      ]
    }),
    null
  ],
  [
    'ImagePullBackOff: a connection reset waits',
    pod({ containers: [waiting('ImagePullBackOff', backOff('read: connection reset by peer'))] }),
    null
  ],
  [
    'ImagePullBackOff: transient causes fail once they outlast the bound (3 min)',
    pod({
      containers: [waiting('ImagePullBackOff', backOff('i/o timeout'))],
      startedSecondsAgo: 200
    }),
    'app ImagePullBackOff'
  ],
  [
    'ImagePullBackOff of an older kubelet (no cause): waits without events',
    pod({ containers: [waiting('ImagePullBackOff', 'Back-off pulling image "x"')] }),
    null
  ],
  [
    "ImagePullBackOff of an older kubelet: the pod's Failed event has the cause",
    pod({ containers: [waiting('ImagePullBackOff', 'Back-off pulling image "x"')] }),
    'app ImagePullBackOff',
    { events: [ev('Failed', 'Failed to pull image "x": manifest unknown')] }
  ],
  [
    'ErrImagePull: manifest unknown',
    pod({ containers: [waiting('ErrImagePull', 'manifest unknown: manifest unknown')] }),
    'app ErrImagePull'
  ],
  [
    'ErrImagePull: not found',
    pod({ containers: [waiting('ErrImagePull', 'rpc error: ghcr.io/o/app:nope: not found')] }),
    'app ErrImagePull'
  ],
  [
    'ErrImagePull: unauthorized',
    pod({ containers: [waiting('ErrImagePull', '401 Unauthorized')] }),
    'app ErrImagePull'
  ],
  [
    'ErrImagePull: network timeout (transient, wait for back-off)',
    pod({ containers: [waiting('ErrImagePull', 'dial tcp: i/o timeout')] }),
    null
  ],
  [
    'InvalidImageName',
    pod({ containers: [waiting('InvalidImageName', 'Failed to apply default image tag')] }),
    'app InvalidImageName'
  ],
  [
    'ErrImageNeverPull',
    pod({ containers: [waiting('ErrImageNeverPull')] }),
    'app ErrImageNeverPull'
  ],
  ['CrashLoopBackOff after 3 restarts', pod({ containers: [crashing] }), 'app CrashLoopBackOff'],
  [
    'CrashLoopBackOff after 1 restart',
    pod({ containers: [{ ...crashing, restartCount: 1 }] }),
    null
  ],
  [
    'CreateContainerConfigError on a 30s old pod',
    pod({
      containers: [waiting('CreateContainerConfigError', 'secret "db" not found')],
      startedSecondsAgo: 30
    }),
    'app CreateContainerConfigError'
  ],
  [
    'CreateContainerConfigError on a 5s old pod',
    pod({
      containers: [waiting('CreateContainerConfigError', 'secret "db" not found')],
      startedSecondsAgo: 5
    }),
    null
  ],
  [
    'init container ImagePullBackOff',
    pod({
      init: [{ ...waiting('ImagePullBackOff', backOff('not found')), name: 'migrate' }],
      containers: [waiting('PodInitializing')]
    }),
    'init migrate ImagePullBackOff'
  ],
  [
    'init container crash loop',
    pod({ init: [{ ...crashing, name: 'migrate' }] }),
    'init migrate CrashLoopBackOff'
  ],
  [
    'Unschedulable for 90 s and no autoscaler adding a node',
    pod({ conditions: [unschedulable(90)] }),
    'Unschedulable',
    { events: [ev('FailedScheduling', '0/3 nodes are available')] }
  ],
  [
    'Unschedulable for 20 s, no scale-up yet: waits (an autoscaler speaks within 10-20 s)',
    pod({ conditions: [unschedulable(20)] }),
    null,
    { events: [] }
  ],
  [
    'Unschedulable for 35 s, no scale-up announced: final',
    pod({ conditions: [unschedulable(35)] }),
    'Unschedulable',
    { events: [] }
  ],
  [
    'Unschedulable for 90 s while a pod of its workload terminates for 10 s more: waits',
    pod({ conditions: [unschedulable(90)] }),
    null,
    { events: [], roomFreedAt: NOW + 10_000 }
  ],
  [
    'Unschedulable for 90 s, the terminating pods gone 15 s ago: waits for the scheduler',
    pod({ conditions: [unschedulable(90)] }),
    null,
    { events: [], roomFreedAt: NOW - 15_000 }
  ],
  [
    'Unschedulable for 90 s, the terminating pods gone 40 s ago: final',
    pod({ conditions: [unschedulable(90)] }),
    'Unschedulable',
    { events: [], roomFreedAt: NOW - 40_000 }
  ],
  [
    'NotTriggerScaleUp 40 s after its terminating pods were gone: final',
    pod({ conditions: [unschedulable(60)] }),
    'Unschedulable',
    {
      events: [
        ev('NotTriggerScaleUp', "pod didn't trigger scale-up: 1 max node group size reached")
      ],
      roomFreedAt: NOW - 40_000
    }
  ],
  [
    'Unschedulable for 10 s, the terminating pods gone long before: waits its own 30 s',
    pod({ conditions: [unschedulable(10)] }),
    null,
    { events: [], roomFreedAt: NOW - 300_000 }
  ],
  [
    'NotTriggerScaleUp while a pod of its workload terminates: room is coming, waits',
    pod({ conditions: [unschedulable(15)] }),
    null,
    {
      events: [
        ev('NotTriggerScaleUp', "pod didn't trigger scale-up: 1 max node group size reached")
      ],
      roomFreedAt: NOW + 10_000
    }
  ],
  [
    'Unschedulable for 3 min while Cluster Autoscaler adds a node (TriggeredScaleUp): waits',
    pod({ conditions: [unschedulable(180)] }),
    null,
    { events: [ev('TriggeredScaleUp', 'pod triggered scale-up: [{eks-ng 1->2 (max: 5)}]')] }
  ],
  [
    'Unschedulable for 3 min while Karpenter nominated a node claim: waits',
    pod({ conditions: [unschedulable(180)] }),
    null,
    { events: [ev('Nominated', 'Pod should schedule on: nodeclaim/default-x8z')] }
  ],
  [
    'Unschedulable with nominatedNodeName: waits',
    pod({ conditions: [unschedulable(180)], nominatedNodeName: 'ip-10-0-0-1' }),
    null,
    { events: [] }
  ],
  [
    'Unschedulable past the scale-up bound (10 min) although a node was coming',
    pod({ conditions: [unschedulable(700)] }),
    'Unschedulable',
    { events: [ev('TriggeredScaleUp', 'pod triggered scale-up')] }
  ],
  [
    'NotTriggerScaleUp: the autoscaler will not add a node, final at once',
    pod({ conditions: [unschedulable(15)] }),
    'Unschedulable',
    {
      events: [
        ev('NotTriggerScaleUp', "pod didn't trigger scale-up: 1 max node group size reached")
      ]
    }
  ],
  [
    'Unschedulable for 3 min and events cannot be read: waits for the scale-up bound',
    pod({ conditions: [unschedulable(180)] }),
    null
  ],
  [
    'FailedMount of a missing Secret, 90 s old pod',
    pod({ containers: [waiting('ContainerCreating')], startedSecondsAgo: 90 }),
    'FailedMount',
    {
      events: [
        ev('FailedMount', 'MountVolume.SetUp failed for volume "cfg" : secret "db" not found')
      ]
    }
  ],
  [
    'FailedMount of a missing Secret, 15 s old pod: waits (the kubelet retries the mount)',
    pod({ containers: [waiting('ContainerCreating')], startedSecondsAgo: 15 }),
    null,
    {
      events: [
        ev('FailedMount', 'MountVolume.SetUp failed for volume "cfg" : secret "db" not found')
      ]
    }
  ],
  [
    'FailedMount of a missing Secret, 25 s old pod, nothing in the release makes Secrets: final',
    pod({ containers: [waiting('ContainerCreating')], startedSecondsAgo: 25 }),
    'FailedMount',
    {
      events: [
        ev('FailedMount', 'MountVolume.SetUp failed for volume "cfg" : secret "db" not found')
      ]
    }
  ],
  [
    'FailedMount, 90 s old pod, the release holds a Certificate: its operator may create it',
    pod({ containers: [waiting('ContainerCreating')], startedSecondsAgo: 90 }),
    null,
    {
      events: [
        ev('FailedMount', 'MountVolume.SetUp failed for volume "tls" : secret "web-tls" not found')
      ],
      customResources: 'Certificate/web-tls'
    }
  ],
  [
    'FailedMount, 130 s old pod, the release holds a Certificate: final after 2 min',
    pod({ containers: [waiting('ContainerCreating')], startedSecondsAgo: 130 }),
    'FailedMount',
    {
      events: [
        ev('FailedMount', 'MountVolume.SetUp failed for volume "tls" : secret "web-tls" not found')
      ],
      customResources: 'Certificate/web-tls'
    }
  ],
  [
    'CreateContainerConfigError, 30 s old pod, the release holds an ExternalSecret: waits',
    pod({
      containers: [waiting('CreateContainerConfigError', 'secret "db" not found')],
      startedSecondsAgo: 30
    }),
    null,
    { customResources: 'ExternalSecret/db' }
  ],
  [
    'CreateContainerConfigError, 130 s old pod, the release holds an ExternalSecret: final',
    pod({
      containers: [waiting('CreateContainerConfigError', 'secret "db" not found')],
      startedSecondsAgo: 130
    }),
    'app CreateContainerConfigError',
    { customResources: 'ExternalSecret/db' }
  ],
  [
    'Running but never Ready (failing readiness probe): never early',
    pod({
      containers: [{ name: 'app', ready: false, state: { running: {} } }],
      startedSecondsAgo: 600
    }),
    null,
    { events: [ev('Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 500')] }
  ],
  [
    'a liveness restart (137 OOMKilled) below the crash-loop count: not early',
    pod({
      containers: [
        {
          name: 'app',
          restartCount: 1,
          state: { running: {} },
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } }
        }
      ]
    }),
    null
  ]
  // A rest parameter: rows without a context must not make jest pass a `done` callback.
])('%s', (...[, input, want, context]) => {
  const failure = classifyPod(input, NOW, DEFAULT_FAIL_FAST_RULES, context);
  const got =
    failure &&
    [failure.initContainer ? 'init' : '', failure.container, failure.reason]
      .filter(Boolean)
      .join(' ');
  expect(got).toBe(want);
});

test.each([
  [
    {
      pod: 'web-1',
      container: 'app',
      initContainer: false,
      reason: 'ImagePullBackOff',
      message: 'Back-off pulling image "x"'
    },
    'pod web-1 container app: ImagePullBackOff (Back-off pulling image "x")'
  ],
  [
    {
      pod: 'web-1',
      container: 'migrate',
      initContainer: true,
      reason: 'CrashLoopBackOff',
      message: 'restarted 3 times, last exit code 1 (Error)'
    },
    'pod web-1 init container migrate: CrashLoopBackOff (restarted 3 times, last exit code 1 (Error))'
  ],
  [
    { pod: 'web-1', initContainer: false, reason: 'Unschedulable', message: '' },
    'pod web-1: Unschedulable'
  ]
])('describes %o', (failure, want) => expect(describePodFailure(failure)).toBe(want));

test('a missing Secret past the operator grace names the custom resources waited for', () => {
  const failure = classifyPod(
    pod({ containers: [waiting('ContainerCreating')], startedSecondsAgo: 130 }),
    NOW,
    DEFAULT_FAIL_FAST_RULES,
    {
      events: [
        ev('FailedMount', 'MountVolume.SetUp failed for volume "tls" : secret "web-tls" not found')
      ],
      customResources: 'Certificate/web-tls'
    }
  );
  expect(failure?.message).toBe(
    'MountVolume.SetUp failed for volume "tls" : secret "web-tls" not found (not created for 130s, although an operator of the release\'s Certificate/web-tls could have created it)'
  );
});

test('Unschedulable after its workload freed room says how long ago the room came', () => {
  const failure = classifyPod(
    pod({ conditions: [unschedulable(90)] }),
    NOW,
    DEFAULT_FAIL_FAST_RULES,
    {
      events: [],
      roomFreedAt: NOW - 40_000
    }
  );
  expect(failure?.message).toBe(
    '0/3 nodes are available: 3 Insufficient cpu. (for 90s, 40s after the pods of its workload that were terminating were gone, and no autoscaler is adding a node)'
  );
});

test('a crash loop names the restarts and the last exit', () => {
  expect(classifyPod(pod({ containers: [crashing] }), NOW)?.message).toBe(
    'restarted 3 times, last exit code 1 (Error)'
  );
});

test.each<[string, PullCause, string]>([
  ['final', 'final', backOff('manifest unknown: manifest unknown')],
  [
    'final',
    'final',
    backOff('pull access denied, repository does not exist or may require authorization')
  ],
  ['final', 'final', 'failed to pull and unpack image: invalid reference format'],
  ['transient', 'transient', backOff('Get "https://ghcr.io/v2/": net/http: TLS handshake timeout')],
  ['transient', 'transient', backOff('received unexpected HTTP status: 502 Bad Gateway')],
  ['transient', 'transient', backOff('failed to do request: EOF')],
  ['transient', 'transient', backOff('unexpected status from HEAD request: 429 Too Many Requests')],
  ['transient', 'transient', backOff('received unexpected HTTP status: 500 Internal Server Error')],
  ['unknown', 'unknown', 'Back-off pulling image "x"']
])('pullCause %s: %s', (_c, want, message) => expect(pullCause(message)).toBe(want));

test.each<[string, string, Pod['spec'], number]>([
  ['1 node', '0/1 nodes are available: 1 Insufficient cpu.', {}, 30],
  ['99 nodes', '0/99 nodes are available: 99 Insufficient cpu.', {}, 30],
  ['240 nodes', '0/240 nodes are available: 240 Insufficient memory.', {}, 60],
  [
    '20 nodes, pod anti-affinity',
    "0/20 nodes are available: 20 node(s) didn't match pod anti-affinity rules.",
    { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [] } } },
    90
  ],
  [
    '500 nodes, pod affinity',
    '0/500 nodes are available: 500 Insufficient cpu.',
    { affinity: { podAffinity: {} } },
    180
  ],
  [
    'node affinity only (no inter-pod affinity)',
    '0/3 nodes are available',
    { affinity: { nodeAffinity: {} } },
    30
  ],
  ['a message without a node count', 'no nodes available to schedule pods', {}, 30]
])('the no-scale-up bound on %s: %d s', (_case, message, spec, seconds) => {
  expect(noScaleUpBound(30_000, message, { spec })).toBe(seconds * 1000);
});

test.each<[string, number, string | null]>([
  ['240 nodes, 50 s: Cluster Autoscaler may take 60 s there', 50, null],
  ['240 nodes, 65 s', 65, 'Unschedulable']
])('Unschedulable on a big cluster, %s', (_case, since, want) => {
  const big = pod({
    conditions: [
      { ...unschedulable(since), message: '0/240 nodes are available: 240 Insufficient cpu.' }
    ]
  });
  expect(classifyPod(big, NOW, DEFAULT_FAIL_FAST_RULES, { events: [] })?.reason ?? null).toBe(want);
});

test('event times keep their microseconds and sort with second-precision ones', () => {
  expect(timeMicros('2026-11-25T12:00:00.000123Z') - timeMicros('2026-11-25T12:00:00Z')).toBe(123);
  expect(timeMicros('2026-11-25T12:00:00.5Z')).toBeGreaterThan(timeMicros('2026-11-25T12:00:00Z'));
  expect(timeMicros('')).toBeNaN();
});

const condition = (type: string, reason: string, message: string, ago = 30) => ({
  type,
  status: 'True',
  reason,
  message,
  lastTransitionTime: secondsAgo(ago)
});

test.each<[string, string, LiveWorkload, number, number, KubeEvent[], string | null]>([
  [
    'ReplicaSet over quota (ReplicaFailure) for 30 s',
    'ReplicaSet',
    {
      metadata: { name: 'web-5d' },
      status: {
        conditions: [
          condition(
            'ReplicaFailure',
            'FailedCreate',
            'pods "web-5d-x" is forbidden: exceeded quota: compute, requested: cpu=1, used: cpu=4, limited: cpu=4'
          )
        ]
      }
    },
    0,
    3,
    [],
    'ReplicaSet web-5d: FailedCreate (pods "web-5d-x" is forbidden: exceeded quota: compute, requested: cpu=1, used: cpu=4, limited: cpu=4)'
  ],
  [
    'ReplicaFailure seconds old: quota may free up as old pods go',
    'ReplicaSet',
    {
      metadata: { name: 'web-5d' },
      status: { conditions: [condition('ReplicaFailure', 'FailedCreate', 'exceeded quota', 3)] }
    },
    0,
    3,
    [],
    null
  ],
  [
    'Job over its backoffLimit',
    'Job',
    {
      metadata: { name: 'migrate' },
      status: {
        conditions: [
          condition('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')
        ]
      }
    },
    0,
    1,
    [],
    'Job migrate: BackoffLimitExceeded (Job has reached the specified backoff limit)'
  ],
  [
    'StatefulSet with FailedCreate events (missing ServiceAccount) and no pods',
    'StatefulSet',
    { metadata: { name: 'db' } },
    0,
    1,
    [
      {
        reason: 'FailedCreate',
        message:
          'create Pod db-0 in StatefulSet db failed error: pods "db-0" is forbidden: error looking up service account web/db: serviceaccount "db" not found',
        firstTimestamp: secondsAgo(30),
        lastTimestamp: secondsAgo(2)
      }
    ],
    'StatefulSet db: FailedCreate (create Pod db-0 in StatefulSet db failed error: pods "db-0" is forbidden: error looking up service account web/db: serviceaccount "db" not found)'
  ],
  [
    'a DaemonSet whose pods all exist is not judged by old FailedCreate events',
    'DaemonSet',
    { metadata: { name: 'agent' } },
    2,
    2,
    [
      {
        reason: 'FailedCreate',
        message: 'admission webhook "x" denied the request',
        firstTimestamp: secondsAgo(30)
      }
    ],
    null
  ]
])('workload: %s', (_case, kind, object, pods, wanted, events, want) => {
  const failure = classifyWorkload(
    kind,
    object,
    pods,
    wanted,
    NOW,
    DEFAULT_FAIL_FAST_RULES,
    events
  );
  expect(failure ? describePodFailure(failure) : null).toBe(want);
});
