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
import { deployment, MANIFEST, notFound, pod, replicaSet } from './rollout-fixtures.js';

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
  involvedObject: { kind: 'Pod', name, uid: `uid-${name}` },
  lastTimestamp: time,
  type: 'Warning',
  reason,
  message: `${reason} of ${name}`,
  count: 1,
  ...extra
});

test("keeps the last events about the release's objects, oldest first by their real time, without the previous rollout's", () => {
  const events = [
    event('demo-web-1', '2026-11-25T11:59:50Z', 'BackOff', { count: 4 }),
    event('other-app', '2026-11-25T11:59:55Z', 'BackOff'),
    event('demo-web-1', '2026-11-25T11:59:40Z', 'Failed'),
    // events.k8s.io events read as core/v1: eventTime with microseconds, no lastTimestamp.
    event('demo-web-1', '', 'Pulling', {
      type: 'Normal',
      lastTimestamp: undefined,
      eventTime: '2026-11-25T11:59:40.500000Z'
    }),
    event('demo-web', '', 'ScalingReplicaSet', {
      type: 'Normal',
      involvedObject: { kind: 'Deployment', name: 'demo-web' },
      lastTimestamp: undefined,
      eventTime: '2026-11-25T11:59:30.000000Z'
    }),
    event('demo-web', '2026-11-25T11:50:00Z', 'ScalingReplicaSet', {
      involvedObject: { kind: 'Deployment', name: 'demo-web' },
      message: 'the previous rollout'
    }),
    event('demo-web-1', '2026-11-25T11:59:35Z', 'Scheduled', {
      type: 'Normal',
      series: { count: 7, lastObservedTime: '2026-11-25T11:59:58Z' },
      lastTimestamp: undefined
    })
  ];
  const about = { uids: new Set(['uid-demo-web-1']), names: new Set(['Deployment/demo-web']) };
  const since = Date.parse('2026-11-25T11:59:00Z');
  const lines = releaseEvents(events, about, 10, since);
  expect(lines.map((e) => `${e.time} ${e.reason} ${e.object} x${e.count}`)).toEqual([
    '2026-11-25T11:59:30.000Z ScalingReplicaSet Deployment/demo-web x1',
    '2026-11-25T11:59:40.000Z Failed Pod/demo-web-1 x1',
    '2026-11-25T11:59:40.500Z Pulling Pod/demo-web-1 x1',
    '2026-11-25T11:59:50.000Z BackOff Pod/demo-web-1 x4',
    '2026-11-25T11:59:58.000Z Scheduled Pod/demo-web-1 x7'
  ]);
  expect(releaseEvents(events, about, 2, since)).toHaveLength(2);
});

test('keeps an event with a whole-second time from the second the deploy started in', () => {
  const about = { uids: new Set(['uid-demo-web-1']), names: new Set<string>() };
  const events = [
    event('demo-web-1', '2026-11-25T11:59:31Z', 'Unhealthy'),
    event('demo-web-1', '2026-11-25T11:59:30Z', 'BackOff', { message: 'the previous rollout' })
  ];
  const since = Date.parse('2026-11-25T11:59:31.400Z');
  expect(releaseEvents(events, about, 10, since).map((e) => e.reason)).toEqual(['Unhealthy']);
});

const stdout = captureStdout();

test("collects the rollout's pods (by ownership), their events by uid, logs and history, and lists what it could not read", async () => {
  const failing = pod('new-1', 'rs-new', notFound);
  const crashed = pod('new-2', 'rs-new', { reason: 'CrashLoopBackOff' });
  crashed.status!.containerStatuses![0].restartCount = 2;
  const kube = new FakeKube()
    .set('/api/v1/namespaces/web/secrets', [
      releaseSecret(
        'shop',
        {
          revision: 2,
          updated: '2026-11-25T11:59:29Z',
          status: 'failed',
          chart: 'shop-1.0.0',
          app_version: '2',
          description: 'Upgrade "shop" failed: context canceled'
        },
        { manifest: MANIFEST }
      )
    ])
    .set('/apis/apps/v1/namespaces/web/deployments', [deployment('ghcr.io/o/shop:v2')])
    .set('/apis/apps/v1/namespaces/web/replicasets', [
      replicaSet('rs-old', 1),
      replicaSet('rs-new', 2)
    ])
    .set('/api/v1/namespaces/web/pods', [failing, crashed, pod('old-1', 'rs-old')])
    .set('/api/v1/namespaces/web/events', [
      {
        ...event('new-1', '2026-11-25T11:59:50Z', 'Failed'),
        involvedObject: { kind: 'Pod', name: 'new-1', uid: 'new-1-uid' }
      },
      {
        ...event('old-1', '2026-11-25T11:59:51Z', 'Killing'),
        involvedObject: { kind: 'Pod', name: 'old-1', uid: 'old-1-uid' }
      },
      {
        ...event('shop-web', '2026-11-25T11:59:45Z', 'SyncLoadBalancerFailed'),
        involvedObject: { kind: 'Service', name: 'shop-web', uid: 'svc' },
        message: 'Error syncing load balancer: could not find any suitable subnets'
      }
    ])
    .fail(
      '/api/v1/namespaces/web/pods/new-2/log',
      new KubeApiError(
        'GET',
        'log',
        400,
        'BadRequest',
        'previous terminated container "web" not found'
      )
    );
  const helm = new FakeHelm();
  const failure = {
    pod: 'new-1',
    container: 'web',
    initContainer: false,
    reason: 'ImagePullBackOff',
    message: notFound.message
  };

  const d = await collectDiagnostics(kube, helm, { release: 'shop', namespace: 'web' }, failure, {
    now: NOW,
    since: Date.parse('2026-11-25T11:59:00Z')
  });

  expect(d.pods.map((p) => p.name)).toEqual(['new-1', 'new-2']);
  expect(d.events.map((e) => `${e.object} ${e.reason}`)).toEqual([
    'Service/shop-web SyncLoadBalancerFailed',
    'Pod/new-1 Failed'
  ]);
  expect(kube.calls).toContain('LIST /api/v1/namespaces/web/events');
  expect(d.logs).toEqual([{ pod: 'new-2', container: 'web', previous: true, text: '' }]);
  expect(d.history).toHaveLength(1);
  expect(helm.calls).toEqual([]); // history came from the release Secrets, not a helm process
  expect(d.problems).toEqual([
    'logs of new-2/web: GET log: 400 BadRequest: previous terminated container "web" not found'
  ]);

  const summary = renderDiagnosticsSummary(d);
  expect(summary).toContain('### Deploy of `shop` to `web` failed');
  expect(summary).toContain('**Stopped early:** pod new-1 container web: ImagePullBackOff');
  expect(summary).toContain(
    '| new-1 | Pending | 0/1 | 0 | ImagePullBackOff: Back-off pulling image'
  );
  expect(summary).toContain('| 11:59:50 | Warning | Failed | Pod/new-1 | Failed of new-1 |');
  expect(summary).toContain('#### Could not collect');

  logDiagnostics(d);
  const log = stdout.text();
  expect(log).toContain('Deploy stopped early: pod new-1 container web: ImagePullBackOff');
  expect(log).not.toContain('::error::'); // the caller's ActionError is the step's one error
  expect(log).toContain(
    '::group::Pods of release shop in web\nnew-1  Pending  ready 0/1  restarts 0  ImagePullBackOff'
  );
  expect(log).toContain('::group::helm history\n2  2026-11-25T11:59:29Z  failed');
});

test('an identity that may not list events or read logs: each named once, the rest is collected', async () => {
  const kube = new FakeKube()
    .set('/api/v1/namespaces/web/secrets', [
      releaseSecret(
        'shop',
        { revision: 1, status: 'failed', chart: 'shop-1.0.0', app_version: '2', description: '' },
        { manifest: MANIFEST }
      )
    ])
    .set('/apis/apps/v1/namespaces/web/deployments', [deployment('ghcr.io/o/shop:v2')])
    .set('/apis/apps/v1/namespaces/web/replicasets', [replicaSet('rs-new', 2)])
    .set(
      '/api/v1/namespaces/web/pods',
      [
        { ...pod('new-1', 'rs-new', { reason: 'CrashLoopBackOff' }) },
        { ...pod('new-2', 'rs-new', { reason: 'CrashLoopBackOff' }) }
      ].map((p) => ({
        ...p,
        status: {
          ...p.status,
          containerStatuses: [{ ...p.status!.containerStatuses![0], restartCount: 4 }]
        }
      }))
    )
    .fail(
      '/api/v1/namespaces/web/events',
      new KubeApiError('GET', 'events', 403, 'Forbidden', 'no')
    )
    .fail(
      '/api/v1/namespaces/web/pods/new-1/log',
      new KubeApiError('GET', 'log', 403, 'Forbidden', 'no')
    )
    .fail(
      '/api/v1/namespaces/web/pods/new-2/log',
      new KubeApiError('GET', 'log', 403, 'Forbidden', 'no')
    );
  const d = await collectDiagnostics(kube, new FakeHelm(), { release: 'shop', namespace: 'web' });
  expect(d.pods).toHaveLength(2);
  expect(d.events).toEqual([]);
  expect(stdout.text().match(/may not list events/g)).toHaveLength(1);
  expect(stdout.text().match(/may not get pods\/log/g)).toHaveLength(1);
  expect(kube.calls.filter((c) => c.includes('/log'))).toHaveLength(1);
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
