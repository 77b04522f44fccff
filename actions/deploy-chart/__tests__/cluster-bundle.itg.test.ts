// The cluster-side scenarios of the deploy-chart bundle, run as the runner runs it against the
// EKS emulator and a real control plane (test/harness/clusters.ts), the real aws CLI (the seed's exec user) and real helm from a loopback mirror:
// a bad image fails fast with the reason in the log and summary, a release a killed run left
// pending-upgrade is recovered, and a wrong AWS key gets a clear 401. (SIGTERM during the wait,
// for helm 3 and 4, is test/reliability/deploy-cancel.itg.test.ts.)
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { processRunner } from '../../shared/src/exec.js';
import type { HelmRevision } from '../src/cluster/release-plan.js';
import { kubeRequest } from '../../../test/emulator/__tests__/client.js';
import { seedKubeconfig } from '../../../test/emulator/auth/kubeconfig.js';
import { helmPath } from '../../../test/harness/rigs/helm.js';
import { startHelmMirror, type HelmMirror } from '../../../test/harness/rigs/helm-mirror.js';
import {
  newRunnerJob,
  pathWithout,
  runAction,
  type ActionRun
} from '../../../test/harness/runner.js';
import {
  clusterKinds,
  START_TIMEOUT_MS,
  startDeployCluster,
  type DeployCluster
} from '../../../test/harness/clusters.js';

const TOKEN = 'cluster-bundle-token';
const NS = 'omer';
const HELM = 'v4.1.4';
const GOOD = 'pythonApp.image=registry.local/python-app\npythonApp.tag=v1';
const BAD = 'pythonApp.image=ghcr.io/nobody/missing-app\npythonApp.tag=v404';

describe.each(clusterKinds())('[%s]', (kind) => {
  let cluster: DeployCluster;
  let mirror: HelmMirror;
  let home: string;
  let helmEnv: Record<string, string>;

  beforeAll(async () => {
    [cluster, mirror] = await Promise.all([
      startDeployCluster(kind, {
        staticTokens: [TOKEN],
        podReadyDelayMs: 300,
        loadBalancerDelayMs: 500,
        pullableImages: [/^registry\.local\//]
      }),
      startHelmMirror()
    ]);
    home = mkdtempSync(path.join(os.tmpdir(), 'cluster-bundle-'));
    writeFileSync(path.join(home, 'kubeconfig'), cluster.tokenKubeconfig(TOKEN), { mode: 0o600 });
    helmEnv = {
      HOME: home,
      KUBECONFIG: path.join(home, 'kubeconfig'),
      HELM_CACHE_HOME: path.join(home, 'cache'),
      HELM_CONFIG_HOME: path.join(home, 'config'),
      HELM_DATA_HOME: path.join(home, 'data')
    };
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all([cluster.stop(), mirror.stop()]);
    rmSync(home, { recursive: true, force: true });
  });

  /** The helm the test uses directly to set the scene and read the result. */
  async function helm(...args: string[]) {
    return processRunner.run(helmPath(HELM), args, { silent: true, env: helmEnv });
  }

  async function history(release: string): Promise<HelmRevision[]> {
    const result = await helm('history', release, '--namespace', NS, '--output', 'json');
    return result.exitCode === 0 ? (JSON.parse(result.stdout) as HelmRevision[]) : [];
  }

  /** One run of the bundle as the runner runs it; the seed's kubeconfig unless told otherwise. */
  function deploy(
    release: string,
    set: string,
    kubeconfig = cluster.kubeconfigBase64,
    { timeout = '5m', env = {} }: { timeout?: string; env?: Record<string, string> } = {}
  ): Promise<ActionRun> {
    return runAction(newRunnerJob(), 'deploy-chart', 'index', {
      inputs: {
        kubeconfig,
        release,
        chart: 'charts/python-application',
        namespace: NS,
        set: `pythonApp.name=${release}\n${set}`,
        timeout,
        'helm-version': HELM,
        'helm-mirror': mirror.url
      },
      env,
      // Far below helm's 5-minute timeout: a deploy that waits for it fails the test.
      timeoutMs: 90_000
    });
  }

  /** Moves a revision's start time into the past, as if the run that left it had been killed long ago. */
  async function backdate(release: string, revision: number, ms: number): Promise<void> {
    const secretPath = `/api/v1/namespaces/${NS}/secrets/sh.helm.release.v1.${release}.v${revision}`;
    const secret = (await kubeRequest(cluster, TOKEN, 'GET', secretPath)).body;
    const record = JSON.parse(
      gunzipSync(
        Buffer.from(Buffer.from(secret.data.release, 'base64').toString(), 'base64')
      ).toString()
    );
    record.info.last_deployed = new Date(Date.now() - ms).toISOString();
    const encoded = gzipSync(Buffer.from(JSON.stringify(record))).toString('base64');
    secret.data.release = Buffer.from(encoded).toString('base64');
    const answer = await kubeRequest(cluster, TOKEN, 'PUT', secretPath, { body: secret });
    expect(answer.status).toBe(200);
  }

  test('a bad image fails in seconds, not after the 5-minute timeout, with the reason in the log and the summary', async () => {
    const started = Date.now();
    const run = await deploy('bundle-bad', BAD);
    const elapsed = Date.now() - started;
    expect(run.exitCode).toBe(1);
    expect(run.errors.join('\n')).toMatch(/ImagePullBackOff|ErrImagePull/);
    expect(run.stdout).toMatch(/::group::Pods of release bundle-bad in omer/);
    expect(run.summary).toMatch(
      /\*\*Stopped early:\*\* pod bundle-bad-deployment-[a-z0-9-]+ container python-app: (ErrImagePull|ImagePullBackOff)/
    );
    expect((await history('bundle-bad')).at(-1)?.status).toBe('failed');
    process.stderr.write(`bundle: bad image run took ${elapsed} ms (timeout input 5m)\n`);
  });

  /** `helm upgrade` of our chart as `release` with `image:tag`, waiting. */
  const upgradeArgs = (release: string, image: string, tag: string) => [
    'upgrade',
    release,
    'charts/python-application',
    '--namespace',
    NS,
    '--wait',
    '--set',
    `pythonApp.name=${release}`,
    '--set',
    `pythonApp.image=${image}`,
    '--set',
    `pythonApp.tag=${tag}`
  ];

  test('a release a killed run left pending-upgrade long ago is rolled back with a warning, then deployed', async () => {
    const release = 'bundle-pending';
    const install = await helm(
      ...upgradeArgs(release, 'registry.local/python-app', 'v1'),
      '--install'
    );
    expect(install.exitCode).toBe(0);
    // A helm killed mid-upgrade: start one that waits on a bad image, SIGKILL it once pending.
    const { spawn } = await import('node:child_process');
    const child = spawn(
      helmPath(HELM),
      upgradeArgs(release, 'ghcr.io/nobody/missing-app', 'v404'),
      { env: { PATH: process.env.PATH ?? '', ...helmEnv } }
    );
    const exited = new Promise((resolve) => child.on('close', resolve));
    while ((await history(release)).at(-1)?.status !== 'pending-upgrade')
      await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGKILL');
    await exited;
    await backdate(release, 2, 60 * 60_000);

    const run = await deploy(release, GOOD);
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(
      `::warning::release "${release}" in namespace "${NS}" is pending-upgrade (revision 2, started 1h 00m ago): no helm is working on it any more, so it is rolled back to revision 1`
    );
    // helm's rollback supersedes deployed revisions only: the abandoned one stays pending-upgrade.
    expect((await history(release)).map((r) => `${r.revision} ${r.status}`)).toEqual([
      '1 superseded',
      '2 pending-upgrade',
      '3 superseded',
      '4 deployed'
    ]);
    expect(run.outputs.revision).toBe('4');
  });

  test('a wrong AWS secret key: one clear 401 error naming what to check', async () => {
    const kubeconfig = seedKubeconfig({
      url: cluster.url,
      caPem: cluster.caPem,
      clusterName: 'basickapp',
      region: 'eu-west-1',
      credentials: {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wrongSecretKeyWrongSecretKeyWrongSecretK'
      }
    });
    const run = await deploy('bundle-401', GOOD, Buffer.from(kubeconfig).toString('base64'));
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(/rejected the credentials \(401 Unauthorized/);
    expect(run.errors[0]).toMatch(/AWS_ACCESS_KEY_ID/);
    expect(run.errors[0]).toMatch(/aws-auth ConfigMap/);
    const shown = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
    expect(shown.join('\n')).not.toContain('wrongSecretKeyWrongSecretKeyWrongSecretK');
  });

  test('the least-privilege deploy identity (a namespace Role, as a platform team grants) deploys', async () => {
    const run = await deploy(
      'bundle-least',
      GOOD,
      Buffer.from(cluster.deployKubeconfig).toString('base64')
    );
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ revision: '1', status: 'deployed' });
  });

  test('the seed kubeconfig on a runner without aws: the EKS token is signed in process and handed to helm', async () => {
    const run = await deploy('bundle-signed', GOOD, cluster.kubeconfigBase64, {
      env: { PATH: pathWithout('aws') }
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/EKS token for cluster "basickapp" \(eu-west-1\) is signed here/);
    expect(run.stdout).toMatch(/helm uses the EKS token this action signed/);
    expect((await history('bundle-signed')).map((r) => r.status)).toEqual(['deployed']);
  });

  test('a timeout longer than a token lives: helm renews tokens with the real aws CLI, and the action uses it too', async () => {
    const run = await deploy('bundle-aws-cli', GOOD, cluster.kubeconfigBase64, { timeout: '10m' });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/exec plugin "aws" makes the tokens \(the timeout is longer/);
    expect(run.stdout).toMatch(/aws: aws-cli\/[\d.]+ supports eks get-token/);
    expect(run.stdout).not.toMatch(/helm (re)?uses the .*token/);
    expect((await history('bundle-aws-cli')).map((r) => r.status)).toEqual(['deployed']);
  });
});
