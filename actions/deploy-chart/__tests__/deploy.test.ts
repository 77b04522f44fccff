// deploy() when helm outlives its own --timeout (an API server that accepts connections and
// never answers): helm is stopped at the plan's deadline and the step fails clearly.
import { expect, test } from '@jest/globals';
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
