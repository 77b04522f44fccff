import { expect, test } from '@jest/globals';
import {
  classifyPod,
  describePodFailure,
  DEFAULT_FAIL_FAST_RULES
} from '../../src/cluster/pod-failure.js';
import type { ContainerStatus, Pod, PodCondition } from '../../src/cluster/types.js';

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
}): Pod {
  return {
    metadata: { name: 'web-1', creationTimestamp: secondsAgo(options.startedSecondsAgo ?? 60) },
    status: {
      phase: 'Pending',
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

test.each<[string, Pod, string | null]>([
  [
    'running and ready',
    pod({ containers: [{ name: 'app', ready: true, state: { running: {} } }] }),
    null
  ],
  ['just created, no statuses', pod({}), null],
  ['ContainerCreating', pod({ containers: [waiting('ContainerCreating')] }), null],
  [
    'ImagePullBackOff',
    pod({ containers: [waiting('ImagePullBackOff', 'Back-off pulling image "x"')] }),
    'app ImagePullBackOff'
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
      init: [{ ...waiting('ImagePullBackOff'), name: 'migrate' }],
      containers: [waiting('PodInitializing')]
    }),
    'init migrate ImagePullBackOff'
  ],
  [
    'init container crash loop',
    pod({ init: [{ ...crashing, name: 'migrate' }] }),
    'init migrate CrashLoopBackOff'
  ],
  ['Unschedulable for 3 minutes', pod({ conditions: [unschedulable(180)] }), 'Unschedulable'],
  [
    'Unschedulable for 30 seconds (autoscaler may add a node)',
    pod({ conditions: [unschedulable(30)] }),
    null
  ]
])('%s', (_name, input, want) => {
  const failure = classifyPod(input, NOW, DEFAULT_FAIL_FAST_RULES);
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

test('a crash loop names the restarts and the last exit', () => {
  expect(classifyPod(pod({ containers: [crashing] }), NOW)?.message).toBe(
    'restarted 3 times, last exit code 1 (Error)'
  );
});
