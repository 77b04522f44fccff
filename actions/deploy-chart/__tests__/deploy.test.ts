// deploy() around helm: helm outliving its own --timeout (an API server that accepts
// connections and never answers) is stopped at the plan's deadline and the step fails clearly;
// a helm that failed because the API server was unavailable runs once more.
import { describe, expect, test } from '@jest/globals';
import type { RunResult } from '../../shared/src/exec.js';
import { ActionError } from '../../shared/src/errors.js';
import { deploy } from '../src/deploy.js';
import type { DeployPlan } from '../src/helm-args.js';
import type { HelmCli, HelmRunOptions } from '../src/helm-cli.js';
import { FakeKube } from './cluster/fake-kube.js';
import { captureStdout } from './cluster/capture-stdout.js';

const plan: DeployPlan = {
  release: 'web',
  chart: '/ws/charts/python-application',
  namespace: 'omer',
  valuesFiles: [],
  setArgs: [],
  timeout: '5m',
  helmDeadlineMs: 200,
  wait: true,
  rollbackOnFailure: false,
  createNamespace: false,
  dryRun: 'none',
  extraArgs: []
};

/** A helm whose upgrade hangs until it is signalled. */
class HangingHelm implements HelmCli {
  readonly path = '/fake/helm';
  readonly major = 4 as const;
  readonly env = {};
  readonly calls: string[] = [];

  run(args: string[], options: HelmRunOptions = {}): Promise<RunResult> {
    this.calls.push(args[0]);
    return new Promise((resolve) => {
      options.signal?.addEventListener('abort', () =>
        resolve({ exitCode: 143, stdout: '', stderr: '' })
      );
    });
  }
}

const stdout = captureStdout();

test('a helm still running at the deadline is stopped, and the error says so and what to check', async () => {
  const helm = new HangingHelm();
  const started = Date.now();
  const kube = new FakeKube();
  const error = await deploy(helm, kube, plan, false).catch((e: unknown) => e);
  expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  expect(error).toBeInstanceOf(ActionError);
  const [message, hint] = (error as ActionError).message.split('\n');
  expect(message).toBe(
    'deploy of web: helm was still running 0s after it started, past its own --timeout 5m (twice, for a rollback); it was stopped and the release is not left pending'
  );
  expect(hint).toMatch(/without an answer: check the control plane/);
  // helm was told to stop, then the release was settled from its history (release Secrets).
  expect(helm.calls).toEqual(['upgrade']);
  expect(kube.calls[0]).toBe('LIST /api/v1/namespaces/omer/secrets');
  expect(stdout.text()).toMatch(/^helm upgrade web /m);
});

const UNAVAILABLE =
  'Error: could not get information about the resource Service "web-service" in namespace "omer": the server is currently unable to handle the request\n';

/** A helm whose upgrades answer, in turn, with the given stderr ('' = success). */
class ScriptedHelm implements HelmCli {
  readonly path = '/fake/helm';
  readonly major = 4 as const;
  readonly env = {};
  readonly calls: string[] = [];

  constructor(private readonly answers: string[]) {}

  run(args: string[]): Promise<RunResult> {
    this.calls.push(args[0]);
    const stderr = this.answers.shift() ?? '';
    return Promise.resolve({ exitCode: stderr ? 1 : 0, stdout: '', stderr });
  }
}

describe('a helm failure because the API server was unavailable', () => {
  const pauses: number[] = [];
  const sleep = (ms: number) => {
    pauses.push(ms);
    return Promise.resolve();
  };
  const quick = { ...plan, helmDeadlineMs: 60_000 };

  test.each<[string, string[], number, RegExp | undefined]>([
    [
      'one 503 before the wait: settled, helm runs once more and deploys',
      [UNAVAILABLE, ''],
      2,
      undefined
    ],
    [
      'unavailable twice: one clear error, no third run',
      [
        UNAVAILABLE,
        'Error: UPGRADE FAILED: Get "https://x/api": dial tcp: connect: connection refused\n'
      ],
      2,
      /^deploy of web failed: the Kubernetes API server was unavailable .*also when helm ran again/
    ],
    [
      'a chart error is not retried',
      ['Error: UPGRADE FAILED: cannot patch "web-deployment": field is immutable\n'],
      1,
      /^helm upgrade web \(namespace omer\) failed with exit code 1/
    ]
  ])('%s', async (_, answers, runs, error) => {
    pauses.length = 0;
    const helm = new ScriptedHelm(answers);
    const outcome = deploy(helm, new FakeKube(), quick, false, sleep);
    if (error) await expect(outcome).rejects.toThrow(error);
    else await expect(outcome).resolves.toBeUndefined();
    expect(helm.calls).toEqual(Array(runs).fill('upgrade'));
    expect(pauses).toEqual(runs > 1 ? [5000] : []);
    if (runs > 1) {
      expect(stdout.text()).toContain(
        '::warning::helm upgrade web: the Kubernetes API server was unavailable (Error: could not get information about the resource Service'
      );
    }
  });
});
