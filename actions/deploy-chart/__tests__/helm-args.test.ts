import { describe, expect, test } from '@jest/globals';
import { recoveryRules } from '../src/cluster/release-plan.js';
import { helmDeadlineMs, translateFlags, upgradeArgs, type DeployPlan } from '../src/helm-args.js';

const base: DeployPlan = {
  release: 'python-application',
  chart: '/ws/charts/python-application',
  namespace: 'omer',
  valuesFiles: [],
  timeout: '5m',
  helmDeadlineMs: 630_000,
  wait: true,
  rollbackOnFailure: false,
  createNamespace: false,
  dryRun: 'none',
  extraArgs: []
};
const head = [
  'upgrade',
  'python-application',
  '/ws/charts/python-application',
  '--install',
  '--namespace',
  'omer',
  '--timeout',
  '5m'
];

describe.each([
  [3, '--wait', '--atomic'],
  [4, '--wait=watcher', '--rollback-on-failure']
] as const)('helm %i', (major, wait, rollback) => {
  test.each<[string, Partial<DeployPlan>, string[]]>([
    ['the defaults: wait, no rollback', {}, [wait]],
    ['no wait', { wait: false }, []],
    ['rollback on failure', { rollbackOnFailure: true }, [wait, rollback]],
    ['create the namespace', { createNamespace: true }, [wait, '--create-namespace']],
    [
      'values files in order, the set file last',
      { valuesFiles: ['/ws/prod.yaml', '/tmp/k/set-values.yaml'] },
      [wait, '--values', '/ws/prod.yaml', '--values', '/tmp/k/set-values.yaml']
    ],
    [
      'client dry run: nothing to wait for or roll back',
      { dryRun: 'client', rollbackOnFailure: true },
      ['--dry-run=client']
    ],
    ['server dry run', { dryRun: 'server' }, ['--dry-run=server']],
    [
      'extra args last',
      { extraArgs: ['--description', 'first deploy', '--history-max', '5'] },
      [wait, '--description', 'first deploy', '--history-max', '5']
    ],
    ['timeout as given', { timeout: '1h30m' }, [wait]]
  ])('%s', (_name, change, tail) => {
    const plan = { ...base, ...change };
    const args = upgradeArgs(plan, major);
    expect(args).toEqual([...head.slice(0, 7), plan.timeout, ...tail]);
  });
});

describe('flags helm 4 renamed, in extra-args', () => {
  test.each<[3 | 4, string[], string[], string[]]>([
    [4, ['--force'], ['--force-replace'], ['--force → --force-replace (helm 4)']],
    [3, ['--force-replace'], ['--force'], ['--force-replace → --force (helm 3)']],
    [3, ['--force'], ['--force'], []],
    [4, ['--force-replace'], ['--force-replace'], []],
    [4, ['--force-conflicts'], ['--force-conflicts'], []],
    [4, ['--force=true'], ['--force-replace=true'], ['--force → --force-replace (helm 4)']]
  ])('helm %i: %j → %j', (major, args, want, notes) => {
    expect(translateFlags(args, major)).toEqual({ args: want, renamed: notes });
  });
});

test.each([
  [60_000, 150_000],
  [5 * 60_000, 630_000],
  [60 * 60_000, 7_230_000]
])(
  'a %d ms timeout stops helm after %d ms, inside the window a pending release counts as live',
  (timeoutMs, deadline) => {
    expect(helmDeadlineMs(timeoutMs)).toBe(deadline);
    expect(helmDeadlineMs(timeoutMs)).toBeLessThan(recoveryRules(timeoutMs).liveWindowMs);
  }
);
