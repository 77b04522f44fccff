import { expect, test } from '@jest/globals';
import { KubeApiError } from '../../src/cluster/client.js';
import {
  collectDiagnostics,
  containersToLog,
  diagnosticsLogSections,
  logDiagnostics,
  releaseEvents,
  renderDiagnosticsSummary,
  summarizePod
} from '../../src/cluster/diagnostics.js';
import type { KubeEvent, Pod } from '../../src/cluster/types.js';
import { FakeHelm } from './fake-helm.js';
import { FakeKube } from './fake-kube.js';
import { releaseSecret } from './helm-storage.js';
import { captureStdout } from './capture-stdout.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const labels = { 'app.kubernetes.io/instance': 'demo' };

const badImage: Pod = {
  metadata: { uid: '1', name: 'demo-web-1', labels },
  spec: { nodeName: 'node-a' },
  status: {
    phase: 'Pending',
    containerStatuses: [
      {
        name: 'app',
        ready: false,
        restartCount: 0,
        state: {
          waiting: {
            reason: 'ImagePullBackOff',
            message: 'Back-off pulling image "ghcr.io/o/app:nope"'
          }
        }
      }
    ]
  }
};
const crashing: Pod = {
  metadata: { uid: '2', name: 'demo-web-2', labels },
  status: {
    phase: 'Running',
    containerStatuses: [
      {
        name: 'app',
        ready: false,
        restartCount: 2,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 3, reason: 'Error' } }
      },
      { name: 'sidecar', ready: true, restartCount: 0, state: { running: {} } }
    ]
  }
};
const healthy: Pod = {
  metadata: { uid: '3', name: 'demo-web-3', labels },
  status: {
    phase: 'Running',
    containerStatuses: [{ name: 'app', ready: true, state: { running: {} } }]
  }
};
const unready: Pod = {
  metadata: { uid: '4', name: 'demo-web-4', labels },
  status: {
    phase: 'Running',
    conditions: [
      { type: 'Ready', status: 'False', message: 'containers with unready status: [app]' }
    ],
    containerStatuses: [{ name: 'app', ready: false, state: { running: {} } }]
  }
};
const failedInit: Pod = {
  metadata: { uid: '5', name: 'demo-web-5', labels, deletionTimestamp: '2026-11-25T11:59:00Z' },
  status: {
    phase: 'Pending',
    initContainerStatuses: [
      { name: 'migrate', restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } }
    ],
    containerStatuses: [{ name: 'app', state: { waiting: { reason: 'PodInitializing' } } }]
  }
};

test.each<[string, Pod, Partial<ReturnType<typeof summarizePod>>]>([
  [
    'bad image',
    badImage,
    {
      phase: 'Pending',
      ready: '0/1',
      restarts: 0,
      reason: 'ImagePullBackOff: Back-off pulling image "ghcr.io/o/app:nope"',
      node: 'node-a'
    }
  ],
  [
    'crash loop (reported even before the fail-fast threshold)',
    crashing,
    {
      ready: '1/2',
      restarts: 2,
      reason: 'CrashLoopBackOff: restarted 2 times, last exit code 3 (Error)'
    }
  ],
  ['healthy', healthy, { ready: '1/1', reason: '' }],
  [
    'running but not ready',
    unready,
    { ready: '0/1', reason: 'containers with unready status: [app]' }
  ],
  [
    'terminating with a failed init container',
    failedInit,
    { phase: 'Terminating', reason: 'Error (exit code 1)' }
  ]
])('summarizes a pod: %s', (_name, pod, want) =>
  expect(summarizePod(pod, NOW)).toMatchObject(want)
);

test('logs the containers that ran and failed, previous instance for crash loops, none for image errors', () => {
  expect(containersToLog([badImage, crashing, healthy, unready, failedInit], 10)).toEqual([
    { pod: 'demo-web-2', container: 'app', previous: true },
    { pod: 'demo-web-4', container: 'app', previous: false },
    { pod: 'demo-web-5', container: 'migrate', previous: false }
  ]);
  expect(containersToLog([crashing, unready, failedInit], 2)).toHaveLength(2);
});

const event = (
  name: string,
  time: string,
  reason: string,
  extra: Partial<KubeEvent> = {}
): KubeEvent => ({
  involvedObject: { kind: 'Pod', name },
  lastTimestamp: time,
  type: 'Warning',
  reason,
  message: `${reason} of ${name}`,
  count: 1,
  ...extra
});

test("keeps the last events about the release's objects, oldest first", () => {
  const events = [
    event('demo-web-1', '2026-11-25T11:59:50Z', 'BackOff', { count: 4 }),
    event('other-app', '2026-11-25T11:59:55Z', 'BackOff'),
    event('demo-web-1', '2026-11-25T11:59:40Z', 'Failed'),
    event('demo-web', '', 'ScalingReplicaSet', {
      type: 'Normal',
      involvedObject: { kind: 'Deployment', name: 'demo-web' },
      eventTime: '2026-11-25T11:59:30.000000Z'
    }),
    event('demo-web-1', '2026-11-25T11:59:35Z', 'Scheduled', {
      type: 'Normal',
      series: { count: 7, lastObservedTime: '2026-11-25T11:59:58Z' },
      lastTimestamp: undefined
    })
  ];
  const lines = releaseEvents(events, new Set(['demo-web-1', 'demo-web']), 3);
  expect(lines.map((e) => `${e.time} ${e.reason} ${e.object} x${e.count}`)).toEqual([
    '2026-11-25T11:59:40Z Failed Pod/demo-web-1 x1',
    '2026-11-25T11:59:50Z BackOff Pod/demo-web-1 x4',
    '2026-11-25T11:59:58Z Scheduled Pod/demo-web-1 x7'
  ]);
});

const stdout = captureStdout();

test('collects pods, events, logs and history, and lists what it could not read', async () => {
  const kube = new FakeKube()
    .set('/api/v1/namespaces/web/pods', [
      badImage,
      crashing,
      { ...healthy, metadata: { name: 'unrelated', labels: {} } }
    ])
    .set('/apis/apps/v1/namespaces/web/deployments', [{ metadata: { name: 'demo-web', labels } }])
    .set('/api/v1/namespaces/web/events', [
      event('demo-web-1', '2026-11-25T11:59:50Z', 'Failed'),
      event('demo-web', '2026-11-25T11:59:30Z', 'ScalingReplicaSet', {
        type: 'Normal',
        involvedObject: { kind: 'Deployment', name: 'demo-web' }
      }),
      event('unrelated', '2026-11-25T11:59:31Z', 'Killing')
    ])
    .fail(
      '/api/v1/namespaces/web/pods/demo-web-2/log',
      new KubeApiError(
        'GET',
        'log',
        400,
        'BadRequest',
        'previous terminated container "app" not found'
      )
    );
  kube.set('/api/v1/namespaces/web/secrets', [
    releaseSecret('demo', {
      revision: 1,
      updated: '2026-11-25T11:59:29Z',
      status: 'failed',
      chart: 'python-application-0.1.0',
      app_version: '1.0',
      description: 'Release "demo" failed: context canceled'
    })
  ]);
  const helm = new FakeHelm();
  const failure = {
    pod: 'demo-web-1',
    container: 'app',
    initContainer: false,
    reason: 'ImagePullBackOff',
    message: 'Back-off pulling image'
  };

  const d = await collectDiagnostics(kube, helm, { release: 'demo', namespace: 'web' }, failure, {
    now: NOW
  });

  expect(d.pods.map((p) => p.name)).toEqual(['demo-web-1', 'demo-web-2']);
  expect(d.events.map((e) => e.object)).toEqual(['Deployment/demo-web', 'Pod/demo-web-1']);
  expect(d.logs).toEqual([{ pod: 'demo-web-2', container: 'app', previous: true, text: '' }]);
  expect(d.history).toHaveLength(1);
  expect(helm.calls).toEqual([]); // history came from the release Secrets, not a helm process
  expect(d.problems).toEqual([
    'logs of demo-web-2/app: GET log: 400 BadRequest: previous terminated container "app" not found'
  ]);
  expect(kube.calls).toContain(
    'GET /api/v1/namespaces/web/pods/demo-web-2/log {"container":"app","tailLines":40,"previous":true}'
  );

  const summary = renderDiagnosticsSummary(d);
  expect(summary).toContain('### Deploy of `demo` to `web` failed');
  expect(summary).toContain(
    '**Stopped early:** pod demo-web-1 container app: ImagePullBackOff (Back-off pulling image)'
  );
  expect(summary).toContain(
    '| demo-web-1 | Pending | 0/1 | 0 | ImagePullBackOff: Back-off pulling image "ghcr.io/o/app:nope" |'
  );
  expect(summary).toContain(
    '| 11:59:50 | Warning | Failed | Pod/demo-web-1 | Failed of demo-web-1 |'
  );
  expect(summary).toContain(
    '| 1 | 2026-11-25T11:59:29Z | failed | python-application-0.1.0 | 1.0 | Release "demo" failed: context canceled |'
  );
  expect(summary).toContain('#### Could not collect');

  logDiagnostics(d);
  const log = stdout.text();
  expect(log).toContain('Deploy stopped early: pod demo-web-1 container app: ImagePullBackOff');
  expect(log).not.toContain('::error::'); // the caller's ActionError is the step's one error
  expect(log).toContain(
    '::group::Pods of release demo in web\ndemo-web-1  Pending  ready 0/1  restarts 0  ImagePullBackOff'
  );
  expect(log).toContain('::group::helm history\n1  2026-11-25T11:59:29Z  failed');
});

test('container logs go in a fence their own backticks cannot close', () => {
  const summary = renderDiagnosticsSummary({
    target: { release: 'demo', namespace: 'web' },
    pods: [],
    events: [],
    logs: [{ pod: 'p', container: 'c', previous: true, text: 'line 1\n```\nline 3\n' }],
    history: [],
    problems: []
  });
  expect(summary).toContain(
    '<details><summary>p/c (previous instance)</summary>\n\n````text\nline 1\n```\nline 3\n````\n\n</details>'
  );
  expect(
    diagnosticsLogSections({
      target: { release: 'demo', namespace: 'web' },
      pods: [],
      events: [],
      logs: [],
      history: [],
      problems: []
    }).map((s) => s.title)
  ).toEqual(['Pods of release demo in web', 'Recent events', 'helm history']);
});
