import { describe, expect, test } from '@jest/globals';
import {
  commandLineForLog,
  translateFlags,
  upgradeArgs,
  type DeployPlan
} from '../src/helm-args.js';

const base: DeployPlan = {
  release: 'python-application',
  chart: '/ws/charts/python-application',
  namespace: 'omer',
  valuesFiles: [],
  setArgs: [],
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
      'values files in order, then the set arguments, so that set wins',
      {
        valuesFiles: ['/ws/prod.yaml', '/ws/eu.yaml'],
        setArgs: ['--set', 'replicas=2', '--set-file', 'tag=/tmp/k/set/1']
      },
      [
        wait,
        '--values',
        '/ws/prod.yaml',
        '--values',
        '/ws/eu.yaml',
        '--set',
        'replicas=2',
        '--set-file',
        'tag=/tmp/k/set/1'
      ]
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

describe('the helm command line in the log hides values that may be secret', () => {
  test.each<[string[], string]>([
    [
      ['--set', 'replicas=2', '--set-file', 'tag=/tmp/k/set/0'],
      '--set replicas=*** --set-file tag=/tmp/k/set/0'
    ],
    [['--set=a\\=b=1'], '--set=a\\=b=***'],
    [['--set-json', 'cfg={"token":"s3cr3t"}'], '--set-json cfg=***'],
    [['--set-json={"token":"s3cr3t"}'], '--set-json=***'],
    [['--set-literal', 'pw=a,b=c'], '--set-literal pw=***'],
    [['--set-string', 'multi=line1\nline2'], '--set-string multi=***'],
    [['--password', 'hunter2', '--username', 'bot'], '--password *** --username bot'],
    [['--password=hunter2'], '--password=***'],
    [
      ['--description', 'first deploy', '--history-max', '5'],
      '--description first deploy --history-max 5'
    ]
  ])('%j', (args, want) => {
    expect(commandLineForLog(args)).toBe(want);
    for (const secret of ['s3cr3t', 'hunter2', 'line2', 'a,b']) {
      expect(commandLineForLog(args)).not.toContain(secret);
    }
  });
});
