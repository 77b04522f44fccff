import { describe, expect, test } from '@jest/globals';
import { timeBudget } from '../../src/budget.js';
import {
  chartVersion,
  decideRecovery,
  describeRecovery,
  formatDuration,
  parseHistory,
  type HelmRevision
} from '../../src/cluster/release-plan.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

function rev(revision: number, status: string, updated = minutesAgo(60)): HelmRevision {
  return {
    revision,
    status,
    updated,
    chart: 'python-application-0.1.0',
    app_version: '1.0',
    description: ''
  };
}

// Default timeout 5m → live window 11m.
const rules = { liveWindowMs: timeBudget(5 * 60_000).pendingLiveWindowMs };

describe('decideRecovery', () => {
  test.each<[string, HelmRevision[], string]>([
    ['no release', [], 'none'],
    ['deployed', [rev(1, 'deployed')], 'none'],
    ['failed upgrade', [rev(1, 'superseded'), rev(2, 'failed')], 'none'],
    ['uninstalled with history', [rev(1, 'uninstalled')], 'none'],
    [
      'stale pending-upgrade',
      [rev(1, 'superseded'), rev(2, 'deployed'), rev(3, 'pending-upgrade', minutesAgo(30))],
      'rollback 2'
    ],
    [
      'stale pending-upgrade after failures',
      [rev(1, 'deployed'), rev(2, 'failed'), rev(3, 'pending-upgrade', minutesAgo(12))],
      'rollback 1'
    ],
    [
      'stale pending-rollback',
      [rev(1, 'superseded'), rev(2, 'deployed'), rev(3, 'pending-rollback', minutesAgo(20))],
      'rollback 2'
    ],
    ['stale pending-install', [rev(1, 'pending-install', minutesAgo(20))], 'uninstall'],
    [
      'stale pending-upgrade, never deployed',
      [rev(1, 'failed'), rev(2, 'pending-upgrade', minutesAgo(20))],
      'uninstall'
    ],
    [
      'live pending-upgrade (1 minute old)',
      [rev(1, 'deployed'), rev(2, 'pending-upgrade', minutesAgo(1))],
      'refuse'
    ],
    [
      'live pending-install (10 minutes old, window 11m)',
      [rev(1, 'pending-install', minutesAgo(10))],
      'refuse'
    ],
    [
      'pending with no timestamp counts as live',
      [rev(1, 'deployed'), { ...rev(2, 'pending-upgrade'), updated: '' }],
      'refuse'
    ],
    [
      'pending timestamp in the future (clock skew) counts as live',
      [rev(1, 'deployed'), rev(2, 'pending-upgrade', minutesAgo(-2))],
      'refuse'
    ],
    [
      'history given newest first',
      [rev(3, 'pending-upgrade', minutesAgo(30)), rev(2, 'deployed'), rev(1, 'superseded')],
      'rollback 2'
    ],
    [
      'only the latest revision matters',
      [rev(1, 'pending-upgrade', minutesAgo(90)), rev(2, 'deployed')],
      'none'
    ]
  ])('%s → %s', (_name, history, want) => {
    const decision = decideRecovery(history, NOW, rules);
    const got =
      decision.action === 'rollback' ? `rollback ${decision.toRevision}` : decision.action;
    expect(got).toBe(want);
  });

  test.each<[string, HelmRevision[], string]>([
    [
      'our own fresh pending-upgrade',
      [rev(1, 'deployed'), rev(2, 'pending-upgrade', minutesAgo(0))],
      'rollback'
    ],
    ['our own fresh pending-install', [rev(1, 'pending-install', minutesAgo(0))], 'uninstall'],
    [
      'no timestamp',
      [rev(1, 'deployed'), { ...rev(2, 'pending-upgrade'), updated: undefined }],
      'rollback'
    ]
  ])('with no live window (after our helm exited): %s → %s', (_name, history, want) => {
    expect(decideRecovery(history, NOW, { liveWindowMs: 0 }).action).toBe(want);
  });
});

test.each<[string, HelmRevision[], string]>([
  [
    'a refusal, with the time left until the release counts as abandoned',
    [rev(1, 'deployed'), rev(2, 'pending-upgrade', minutesAgo(1))],
    'release "web" in namespace "prod" is pending-upgrade (revision 2, started 1m 00s ago): another run may still be changing it, so this run leaves it alone; it will be considered abandoned after 11m 00s (2 × timeout + 1m), in 10m 00s'
  ],
  [
    'a refusal of a revision without a start time',
    [rev(1, 'deployed'), { ...rev(2, 'pending-upgrade'), updated: '' }],
    'release "web" in namespace "prod" is pending-upgrade (revision 2, started at an unknown time): another run may still be changing it, so this run leaves it alone; its start time is unknown, so it is never considered abandoned automatically'
  ],
  [
    'a rollback',
    [rev(1, 'deployed'), rev(2, 'pending-upgrade', minutesAgo(30))],
    'release "web" in namespace "prod" is pending-upgrade (revision 2, started 30m 00s ago): no helm is working on it any more, so it is rolled back to revision 1, the last successful one'
  ],
  [
    'an uninstall',
    [rev(1, 'pending-install', minutesAgo(30))],
    'release "web" in namespace "prod" is pending-install (revision 1, started 30m 00s ago) and was never deployed successfully: no helm is working on it any more, so it is uninstalled'
  ]
])('describes %s', (_name, history, want) => {
  expect(describeRecovery('web', 'prod', decideRecovery(history, NOW, rules))).toBe(want);
});

test.each([
  [4_000, '4s'],
  [65_000, '1m 05s'],
  [2 * 3600_000 + 5 * 60_000, '2h 05m']
])('formats %d ms as %s', (ms, want) => expect(formatDuration(ms)).toBe(want));

test.each([
  ['python-application-0.1.0', '0.1.0'],
  ['app-2fa-1.0.0', '1.0.0'],
  ['my-chart-1.2.3-rc.1', '1.2.3-rc.1'],
  ['my-chart-1.2.3+build.5', '1.2.3+build.5'],
  ['chart-v2.0.0', 'v2.0.0'],
  ['chart-1.2', '1.2'],
  ['no-version', '']
])('the chart version of %s is "%s"', (chart, want) => expect(chartVersion(chart)).toBe(want));

describe('parseHistory', () => {
  test('reads helm 3 output (empty time as "") and sorts by revision', () => {
    const stdout =
      '[{"revision":2,"updated":"2026-11-25T11:59:58.123456789Z","status":"pending-upgrade","chart":"c-0.1.0","app_version":"1","description":"Preparing upgrade"},' +
      '{"revision":1,"updated":"","status":"deployed","chart":"c-0.1.0","app_version":"1","description":"Install complete"}]\n';
    const history = parseHistory(stdout);
    expect(history.map((r) => r.revision)).toEqual([1, 2]);
    expect(decideRecovery(history, NOW, rules)).toMatchObject({ action: 'refuse', ageMs: 1877 }); // nanoseconds parsed to the millisecond;
  });

  test('reads helm 4 output (no "updated" field)', () => {
    const history = parseHistory(
      '[{"revision":1,"status":"deployed","chart":"c-0.1.0","app_version":"1","description":"Install complete"}]'
    );
    expect(history[0].updated).toBeUndefined();
  });
});
