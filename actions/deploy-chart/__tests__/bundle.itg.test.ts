// dist/deploy-chart run as the GitHub runner runs it (index.js, then post.js with the saved
// state) against the EKS emulator and a real control plane (test/harness/clusters.ts), the
// real helm 3 and 4 from the loopback mirror, and the real aws CLI as the seed kubeconfig's
// exec plugin.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  archiveName,
  startHelmMirror,
  type HelmMirror
} from '../../../test/harness/rigs/helm-mirror.js';
import { HELM_VERSIONS, helmPath } from '../../../test/harness/rigs/helm.js';
import {
  newRunnerJob,
  runAction,
  type ActionRun,
  type RunnerJob
} from '../../../test/harness/runner.js';
import {
  clusterKinds,
  START_TIMEOUT_MS,
  startDeployCluster,
  type DeployCluster
} from '../../../test/harness/clusters.js';

const TOKEN = 'bundle-test-static-token';
const NS = 'omer';
describe.each(clusterKinds())('[%s]', (kind) => {
  let cluster: DeployCluster;
  let mirror: HelmMirror;
  const jobs: RunnerJob[] = [];

  beforeAll(async () => {
    cluster = await startDeployCluster(kind, {
      staticTokens: [TOKEN],
      podReadyDelayMs: 200,
      loadBalancerDelayMs: 200,
      pullableImages: [/^registry\.local\//]
    });
    mirror = await startHelmMirror();
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await cluster?.stop();
    await mirror?.stop();
    for (const job of jobs) rmSync(job.dir, { recursive: true, force: true });
  });

  function job(): RunnerJob {
    const created = newRunnerJob();
    jobs.push(created);
    return created;
  }

  const secretKey = () => /value: (wJalr\S+)/.exec(cluster.kubeconfig)![1];
  const accessKey = () => /value: (AKIA\S+)/.exec(cluster.kubeconfig)![1];

  /** Everything a user could see, minus the ::add-mask:: commands the runner consumes. */
  function visible(run: ActionRun): string {
    const log = (run.stdout + run.stderr)
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    return [log, run.summary, JSON.stringify(run.outputs)].join('\n');
  }

  function deployInputs(
    kubeconfigSecret: string,
    version: string,
    extra: Record<string, string> = {}
  ) {
    // Each major deploys its own release, with resource names of its own (pythonApp.name).
    const release = `bundle-${version.slice(1, 2)}`;
    return {
      release,
      kubeconfig: kubeconfigSecret,
      namespace: NS,
      'helm-version': version,
      'helm-mirror': mirror.url,
      timeout: '60s',
      set: `pythonApp.name=${release}\npythonApp.image=registry.local/python-app\npythonApp.tag=v1`,
      ...extra
    };
  }

  // helm 3 gets a timeout too long for one EKS token, so helm runs the (rewritten v1beta1) aws
  // exec plugin itself; helm 4 gets a short one, so it reuses the token the API client minted.
  describe.each([
    [HELM_VERSIONS[0], '10m', false],
    [HELM_VERSIONS[1], '60s', true]
  ])('helm %s, timeout %s', (version, timeout, sharesToken) => {
    const release = `bundle-${version.slice(1, 2)}`;
    let runner: RunnerJob;
    let install: ActionRun;

    beforeAll(async () => {
      runner = job();
      mirror.requests.splice(0);
      // The seed's secret as users store it: base64, exec aws with client.authentication.k8s.io/v1alpha1.
      install = await runAction(runner, 'deploy-chart', 'index', {
        inputs: deployInputs(cluster.kubeconfigBase64, version, { timeout })
      });
    });

    test("fresh install with the seed's v1alpha1 kubeconfig and the real aws CLI", () => {
      expect(install.errors).toEqual([]);
      expect(install.exitCode).toBe(0);
      expect(install.stdout).toMatch(
        /::warning::kubeconfig: user ".*" exec uses client.authentication.k8s.io\/v1alpha1/
      );
      expect(install.outputs).toMatchObject({
        revision: '1',
        status: 'deployed',
        'chart-version': '1.0.0',
        'app-version': '1.0.0',
        url: expect.stringMatching(/\S/)
      });
      expect(install.summary).toContain(`Deployed \`${release}\``);
      // The seed's keys are in its exec env: the token helm gets was signed here, not by aws.
      expect(install.stdout.includes('helm uses the EKS token this action signed')).toBe(
        sharesToken
      );
      expect(install.stdout).not.toMatch(/helm reuses the token/);
    });

    test('helm came from the mirror, verified against its published sum', () => {
      expect(mirror.requests).toEqual([
        `/${archiveName(version)}.sha256sum`,
        `/${archiveName(version)}`
      ]);
      expect(install.stdout).toContain("sha256 matches the mirror's published sum");
    });

    test('no secret is visible, and the post step leaves no kubeconfig behind', async () => {
      const text = visible(install);
      for (const secret of [secretKey(), accessKey(), cluster.kubeconfigBase64]) {
        expect(text).not.toContain(secret);
      }
      const dir = install.state['kubeconfig-dir'];
      expect(dir.startsWith(runner.runnerTemp)).toBe(true);
      expect(existsSync(dir)).toBe(true);
      const post = await runAction(runner, 'deploy-chart', 'post');
      expect(post.exitCode).toBe(0);
      expect(existsSync(dir)).toBe(false);
    });

    test('upgrade with a raw-YAML token kubeconfig: revision 2, helm from the tool cache', async () => {
      mirror.requests.splice(0);
      const upgrade = await runAction(runner, 'deploy-chart', 'index', {
        inputs: deployInputs(cluster.tokenKubeconfig(TOKEN), version, {
          set: `pythonApp.name=${release}\npythonApp.image=registry.local/python-app\npythonApp.tag=v2`
        })
      });
      expect(upgrade.errors).toEqual([]);
      expect(upgrade.outputs).toMatchObject({ revision: '2', status: 'deployed' });
      expect(upgrade.stdout).toContain('(yaml)');
      expect(visible(upgrade)).not.toContain(TOKEN);
      expect(mirror.requests).toEqual([]);
      expect(upgrade.stdout).toContain(`helm: ${version} from the tool cache`);
      await runAction(runner, 'deploy-chart', 'post');
    });

    test('a bad image fails fast, and the outputs still carry the revision helm recorded and its status', async () => {
      const failing = job();
      const run = await runAction(failing, 'deploy-chart', 'index', {
        inputs: deployInputs(cluster.tokenKubeconfig(TOKEN), version, {
          set: `pythonApp.name=${release}\npythonApp.image=ghcr.io/nobody/missing-app\npythonApp.tag=v404`
        })
      });
      expect(run.exitCode).toBe(1);
      expect(run.errors).toEqual([
        expect.stringMatching(
          /^deploy of bundle-\d stopped early: .*(ErrImagePull|ImagePullBackOff)/
        )
      ]);
      expect(run.outputs).toEqual({
        revision: '3',
        status: 'failed',
        'current-revision': '3', // nothing rolled back
        'current-status': 'failed',
        'chart-version': '1.0.0',
        'app-version': '1.0.0'
      });
      expect(run.stdout).toContain(`${release}: revision 3 is failed`);
      await runAction(failing, 'deploy-chart', 'post');
    });

    test('a namespace that does not exist: one clear error naming the fix', async () => {
      const missing = job();
      const run = await runAction(missing, 'deploy-chart', 'index', {
        inputs: deployInputs(
          Buffer.from(cluster.tokenKubeconfig(TOKEN)).toString('base64'),
          version,
          { namespace: 'does-not-exist' }
        )
      });
      expect(run.exitCode).toBe(1);
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0]).toMatch(/does-not-exist/);
      expect(run.errors[0]).toMatch(/create-namespace/);
      await runAction(missing, 'deploy-chart', 'post');
      expect(existsSync(run.state['kubeconfig-dir'])).toBe(false);
    });
  });

  test('a corrupted helm archive is refused before anything runs', async () => {
    const corrupted = await startHelmMirror();
    try {
      corrupted.corrupt('v4.1.4');
      const runner = job();
      const run = await runAction(runner, 'deploy-chart', 'index', {
        inputs: {
          kubeconfig: Buffer.from(cluster.tokenKubeconfig(TOKEN)).toString('base64'),
          namespace: NS,
          'helm-version': 'v4.1.4',
          'helm-mirror': corrupted.url
        }
      });
      expect(run.exitCode).toBe(1);
      expect(run.errors).toEqual([
        expect.stringMatching(
          /^helm v4\.1\.4: helm-v4\.1\.4-linux-\w+\.tar\.gz: sha256 [0-9a-f]{64} does not match the published/
        )
      ]);
      const cache = `${runner.dir}/toolcache`;
      expect(existsSync(cache) ? readdirSync(cache) : []).toEqual([]);
      await runAction(runner, 'deploy-chart', 'post');
      expect(existsSync(run.state['kubeconfig-dir'])).toBe(false);
    } finally {
      await corrupted.stop();
    }
  });

  test('a server dry run changes nothing and says so', async () => {
    const runner = job();
    const kubeconfig = cluster.tokenKubeconfig(TOKEN);
    const run = await runAction(runner, 'deploy-chart', 'index', {
      inputs: deployInputs(kubeconfig, 'v4.1.4', {
        release: 'dry-run-only',
        'dry-run': 'server',
        set: 'pythonApp.name=dry-run-only\npythonApp.image=registry.local/python-app\npythonApp.tag=v1'
      })
    });
    expect(run.errors).toEqual([]);
    expect(run.outputs).toMatchObject({ revision: '', status: 'dry-run' });
    expect(run.stdout).toContain('--dry-run=server');
    // The real helm finds no release: nothing was recorded in the cluster.
    const file = path.join(runner.dir, 'token-kubeconfig');
    writeFileSync(file, kubeconfig, { mode: 0o600 });
    // (asynchronously: the emulator serves from this process)
    const history = await promisify(execFile)(
      helmPath('v4.1.4'),
      ['history', 'dry-run-only', '--namespace', NS],
      { env: { ...process.env, KUBECONFIG: file } }
    ).catch((error: { stderr: string }) => error);
    expect(history.stderr).toMatch(/release: not found/);
    await runAction(runner, 'deploy-chart', 'post');
  });
});
