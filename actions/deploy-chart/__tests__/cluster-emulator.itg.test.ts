// The cluster side against the EKS emulator with the real aws CLI (the seed's exec user) and
// the real helm 3 and 4: preflight explanations, fail-fast on a bad image with helm stopped by
// SIGTERM, recovery of a release a killed helm left pending, diagnostics, and the URL.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processRunner } from '../../shared/src/exec.js';
import type { ClusterAccess } from '../src/cluster-access.js';
import { deploy } from '../src/deploy.js';
import type { DeployPlan } from '../src/helm-args.js';
import { timeBudget } from '../src/budget.js';
import type { HelmCli } from '../src/helm-cli.js';
import { createKubeClient, type KubeClient } from '../src/cluster/client.js';
import { planEksToken } from '../src/cluster/eks-token.js';
import { collectDiagnostics, renderDiagnosticsSummary } from '../src/cluster/diagnostics.js';
import { watchRollout } from '../src/cluster/fail-fast.js';
import { Permissions } from '../src/cluster/permissions.js';
import { preflight } from '../src/cluster/preflight.js';
import { readHistory, recoverPendingRelease, settleRelease } from '../src/cluster/recover.js';
import { readReleaseResources } from '../src/cluster/report.js';
import { waitForReleaseUrl } from '../src/cluster/url.js';
import { startCluster, type Cluster } from '../../../test/emulator/index.js';
import { helmPath, HELM_VERSIONS, type HelmVersion } from '../../../test/harness/rigs/helm.js';
import { REPO_ROOT } from '../../../test/harness/runner.js';
import { captureStdout } from './cluster/capture-stdout.js';

const TOKEN = 'cluster-side-token';
const NS = 'omer';
const CHART = path.join(REPO_ROOT, 'charts/python-application');
const AWS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const GOOD_IMAGE = [
  '--set',
  'pythonApp.image=registry.local/python-app',
  '--set',
  'pythonApp.tag=v1'
];
const BAD_IMAGE = [
  '--set',
  'pythonApp.image=ghcr.io/nobody/missing-app',
  '--set',
  'pythonApp.tag=v404'
];

let cluster: Cluster;
let home: string;
let helmEnv: Record<string, string>;
let client: KubeClient;

beforeAll(async () => {
  cluster = await startCluster({
    staticTokens: [TOKEN],
    podReadyDelayMs: 300,
    loadBalancerDelayMs: 500,
    pullableImages: [/^registry\.local\//]
  });
  home = mkdtempSync(path.join(os.tmpdir(), 'cluster-side-'));
  const kubeconfig = path.join(home, 'kubeconfig');
  writeFileSync(kubeconfig, cluster.tokenKubeconfig(TOKEN), { mode: 0o600 });
  helmEnv = {
    HOME: home,
    KUBECONFIG: kubeconfig,
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_DATA_HOME: path.join(home, 'data')
  };
  client = createKubeClient(tokenAccess());
});

afterAll(async () => {
  await cluster.stop();
  rmSync(home, { recursive: true, force: true });
});

const stdout = captureStdout();

function tokenAccess(): ClusterAccess {
  return {
    contextName: 'emulator',
    server: cluster.url,
    caPem: cluster.caPem,
    insecureSkipTlsVerify: false,
    token: TOKEN
  };
}

/** The seed's user, with the exec apiVersion the helm side rewrites it to. */
function awsAccess(secretAccessKey: string): ClusterAccess {
  return {
    contextName: 'emulator',
    server: cluster.url,
    caPem: cluster.caPem,
    insecureSkipTlsVerify: false,
    exec: {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: 'aws',
      args: ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'basickapp'],
      env: {
        AWS_ACCESS_KEY_ID: AWS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: secretAccessKey,
        AWS_DEFAULT_REGION: 'eu-west-1'
      }
    }
  };
}

/** The client main makes for this user: its token plan from the exec env over the runner's. */
const awsClient = (access: ClusterAccess) =>
  createKubeClient(access, { tokenPlan: planEksToken(access.exec!, process.env) });

describe("preflight with the seed's `aws eks get-token` user", () => {
  test('the real aws CLI token is accepted', async () => {
    const access = awsAccess(AWS_SECRET);
    const { serverVersion } = await preflight(awsClient(access), access, {
      namespace: NS,
      createNamespace: false
    });
    expect(serverVersion).toMatch(/^v1\./);
  });

  test('a wrong AWS secret key: 401 with what to check', async () => {
    const access = awsAccess('wrongSecretKeyWrongSecretKeyWrongSecretK');
    const error = await preflight(awsClient(access), access, {
      namespace: NS,
      createNamespace: false
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^the Kubernetes API server ${cluster.url} rejected the credentials \\(401 Unauthorized`
      )
    );
    expect((error as Error).message).toMatch(/AWS_ACCESS_KEY_ID/);
    expect((error as Error).message).toMatch(/cluster name \(basickapp\) and region \(eu-west-1\)/);
  });

  test('a missing namespace', async () => {
    await expect(
      preflight(client, tokenAccess(), { namespace: 'nowhere', createNamespace: false })
    ).rejects.toThrow(
      /^namespace "nowhere" does not exist in the cluster at https:\/\/127\.0\.0\.1:\d+\nCreate it first/
    );
  });
});

describe.each(HELM_VERSIONS)('helm %s', (version: HelmVersion) => {
  const major = Number(version.slice(1, 2)) as 3 | 4;
  const release = `cluster-side-${major}`;
  const target = { release, namespace: NS };
  const helm: HelmCli = {
    path: helmPath(version),
    major,
    env: {},
    run: (args, options = {}) =>
      processRunner.run(helmPath(version), args, {
        ...options,
        silent: true,
        env: { ...helmEnv, ...options.env }
      })
  };
  const upgradeArgs = (image: string[]) => [
    'upgrade',
    '--install',
    release,
    CHART,
    '--namespace',
    NS,
    '--wait',
    '--timeout',
    '120s',
    '--set',
    `pythonApp.name=${release}`,
    ...image
  ];
  /** Starts `helm upgrade --install --wait` as a child we can signal. */
  function startHelm(image: string[]) {
    const child = spawn(helm.path, upgradeArgs(image), {
      env: { PATH: process.env.PATH ?? '', ...helmEnv }
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<{ code: number | null; output: string }>((resolve) =>
      child.on('close', (code) => resolve({ code, output }))
    );
    return { child, exited };
  }

  test('install: the LoadBalancer hostname is the URL, the resources are ready', async () => {
    const result = await helm.run(upgradeArgs(GOOD_IMAGE));
    expect(result.stderr).toBe('');
    const url = await waitForReleaseUrl(client, target, Date.now() + 30_000, { pollMs: 200 });
    expect(url).toMatch(/^http:\/\/[a-z0-9-]+\.eu-west-1\.elb\.amazonaws\.com$/);
    const resources = await readReleaseResources(client, target);
    expect(resources.map((r) => `${r.kind} ${r.name} ${r.ready}`)).toEqual([
      `Deployment ${release}-deployment 1/1`,
      `Service ${release}-service yes`
    ]);
  });

  test('bad image: fail-fast stops helm with SIGTERM, helm records the release failed, diagnostics say why', async () => {
    const started = Date.now();
    let detectedMs = 0;
    const stopHelm = new AbortController();
    const revision = (await readHistory(helm, target, client)).length + 1;
    const watch = watchRollout(client, {
      release,
      namespace: NS,
      revision,
      permissions: new Permissions(NS),
      pollMs: 500,
      onFailure: () => {
        detectedMs = Date.now() - started;
        stopHelm.abort();
      }
    });
    const run = startHelm(BAD_IMAGE);
    stopHelm.signal.addEventListener('abort', () => run.child.kill('SIGTERM'), { once: true });
    const { code, output } = await run.exited;
    const exitedMs = Date.now() - started;
    await watch.stop();

    expect(watch.failure).toMatchObject({
      container: 'python-app',
      reason: expect.stringMatching(/^(ErrImagePull|ImagePullBackOff)$/)
    });
    expect(watch.failure?.message).toContain('ghcr.io/nobody/missing-app:v404: not found');
    expect(code).not.toBe(0);
    expect(output).toContain(`Release ${release} has been cancelled.`);
    const history = await readHistory(helm, target, client);
    // helm's own `helm history` and our read of its release Secrets agree, row for row.
    expect(history).toEqual(await readHistory(helm, target));
    expect(history.at(-1)).toMatchObject({
      revision: 2,
      status: 'failed',
      description: expect.stringContaining('context canceled')
    });
    await expect(settleRelease(helm, target, client)).resolves.toEqual({ action: 'none' });

    const diagnostics = await collectDiagnostics(client, helm, target, watch.failure);
    expect(diagnostics.problems).toEqual([]);
    const badPod = diagnostics.pods.find((p) => p.reason.includes('missing-app'));
    expect(badPod?.reason).toMatch(/^(ErrImagePull|ImagePullBackOff): /);
    expect(
      diagnostics.events.some((e) => e.reason === 'Failed' && e.message.includes('missing-app'))
    ).toBe(true);
    expect(renderDiagnosticsSummary(diagnostics)).toContain('**Stopped early:** pod ');
    // Measured, not asserted: printed for the report (the bundle test holds the 15 s budget).
    process.stderr.write(
      `helm ${version}: bad image detected after ${detectedMs} ms, helm exited after ${exitedMs} ms\n`
    );
  });

  test('a release left pending-upgrade by a killed helm: refused while it may be live, rolled back once abandoned', async () => {
    const run = startHelm(BAD_IMAGE);
    for (
      let i = 0;
      i < 200 && (await readHistory(helm, target, client)).at(-1)?.status !== 'pending-upgrade';
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    run.child.kill('SIGKILL');
    await run.exited;
    const pending = (await readHistory(helm, target, client)).at(-1);
    expect(pending).toMatchObject({ revision: 3, status: 'pending-upgrade' });

    await expect(
      recoverPendingRelease(
        helm,
        target,
        { liveWindowMs: timeBudget(60_000).pendingLiveWindowMs },
        { client }
      )
    ).rejects.toThrow(/another run may still be changing it/);
    const anHourLater = new Date(Date.now() + 3600_000);
    await expect(
      recoverPendingRelease(
        helm,
        target,
        { liveWindowMs: timeBudget(60_000).pendingLiveWindowMs },
        { client, now: anHourLater }
      )
    ).resolves.toMatchObject({
      action: 'rollback',
      toRevision: 1
    });
    const after = await readHistory(helm, target, client);
    // helm's rollback supersedes the deployed revisions only: the abandoned one stays pending.
    expect(after.slice(-2).map((r) => `${r.revision} ${r.status}`)).toEqual([
      '3 pending-upgrade',
      '4 deployed'
    ]);
    expect(after).toEqual(await readHistory(helm, target));
    expect(stdout.text()).toContain(
      `::warning::release "${release}" in namespace "${NS}" is pending-upgrade (revision 3`
    );

    const next = await helm.run(upgradeArgs(GOOD_IMAGE));
    expect(next.exitCode).toBe(0);
  });

  // 299 h and more overflowed Node's timer: the deadline fired after 1 ms and stopped helm.
  test('a deadline from the longest timeouts lets helm finish', async () => {
    const long = `${release}-long`;
    const plan: DeployPlan = {
      release: long,
      chart: CHART,
      namespace: NS,
      valuesFiles: [],
      setArgs: ['--set', `pythonApp.name=${long}`, ...GOOD_IMAGE],
      timeout: '2m',
      helmDeadlineMs: timeBudget(299 * 3_600_000).helmDeadlineMs,
      wait: false,
      rollbackOnFailure: false,
      createNamespace: false,
      dryRun: 'none',
      extraArgs: []
    };
    const revision = await deploy(helm, client, plan, false);
    expect(revision?.status).toBe('deployed');
  });
});
