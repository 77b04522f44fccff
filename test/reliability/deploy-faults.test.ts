// deploy-chart (helm 4, the default, and helm 3 where it matters) against the EKS emulator
// misbehaving while helm waits: latency, 5xx/429 bursts and dropped watches; the API server
// restarted mid-deploy; the runner cancelling the step with SIGTERM; and a corrupted helm
// download. The release is read with the real helm afterwards: it is never left pending.
// Every step runs with step debug on and is scanned for the kubeconfig and its token.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCluster, type Cluster } from '../emulator/index.js';
import { startHelmMirror, type HelmMirror } from '../rigs/helm-mirror.js';
import { releaseReader, type ReleaseReader } from './support/release.js';
import {
  expectNothingLeaked,
  runStep,
  STACK_FRAME,
  TOOL_DOWNLOAD,
  type Step
} from './support/step.js';

const TOKEN = 'reliability-faults-token-7d3c51a9';
const NS = 'omer';
const GOOD = 'pythonApp.image=registry.local/python-app\npythonApp.tag=v1';
/** An image that never pulls: with fail-fast off, helm waits until it is stopped. */
const NEVER_READY = 'pythonApp.image=ghcr.io/nobody/missing-app\npythonApp.tag=v404';

let cluster: Cluster;
let mirror: HelmMirror;
let releases: ReleaseReader;
let toolCache: string;
let kubeconfig: string;

beforeAll(async () => {
  [cluster, mirror] = await Promise.all([
    startCluster({
      staticTokens: [TOKEN],
      podReadyDelayMs: 1500,
      loadBalancerDelayMs: 200,
      pullableImages: [/^registry\.local\//]
    }),
    startHelmMirror()
  ]);
  kubeconfig = Buffer.from(cluster.tokenKubeconfig(TOKEN)).toString('base64');
  releases = releaseReader(cluster, TOKEN, NS);
  toolCache = mkdtempSync(path.join(os.tmpdir(), 'reliability-toolcache-'));
});

afterAll(async () => {
  await Promise.all([cluster?.stop(), mirror?.stop()]);
  releases?.remove();
  if (toolCache) rmSync(toolCache, { recursive: true, force: true });
});

function deploy(
  name: string,
  release: string,
  set: string,
  options: {
    inputs?: Record<string, string>;
    onStart?: (child: ChildProcess) => void;
    mirrorUrl?: string;
    toolCache?: string;
  } = {}
): Promise<Step> {
  return runStep('deploy-chart', {
    label: { file: 'deploy-faults', step: name },
    inputs: {
      kubeconfig,
      release,
      namespace: NS,
      set: `pythonApp.name=${release}\n${set}`,
      timeout: '2m',
      'helm-mirror': options.mirrorUrl ?? mirror.url,
      ...options.inputs
    },
    env: { RUNNER_TOOL_CACHE: options.toolCache ?? toolCache },
    onStart: options.onStart,
    secrets: [
      { name: 'kubeconfig input', value: kubeconfig },
      { name: 'static bearer token', value: TOKEN }
    ],
    // Far below helm's 2m timeout: a step that waits for it fails the test.
    timeoutMs: 90_000
  });
}

/** Calls `act` once the release's newest revision is pending (helm is waiting). */
function whenPending(release: string, act: (child: ChildProcess) => void | Promise<void>) {
  const seen = { pending: false };
  const onStart = (child: ChildProcess) => {
    const poll = setInterval(async () => {
      const status = (await releases.history(release).catch(() => [])).at(-1)?.status ?? '';
      if (status.startsWith('pending-') && !seen.pending) {
        seen.pending = true;
        clearInterval(poll);
        await act(child);
      }
    }, 150);
    child.on('close', () => clearInterval(poll));
  };
  return { seen, onStart };
}

const lastStatus = async (release: string) => (await releases.history(release)).at(-1)?.status;

describe('deploy-chart while the API server misbehaves during --wait (helm 4)', () => {
  let first: Step;

  test('latency, 5xx and 429 bursts and dropped watches while helm waits: the deploy succeeds', async () => {
    let dropping: ReturnType<typeof setInterval> | undefined;
    let dropped = 0;
    const faulted = cluster.requests.length;
    // From the moment helm records the release (pending-install) until the step ends.
    const misbehave = whenPending('faults', () => {
      cluster.faults.latencyMs = 30;
      const omer = '/namespaces/omer/';
      cluster.faults.failRequests({
        method: 'GET',
        path: new RegExp(`${omer}(pods|deployments|replicasets)`),
        status: 503,
        count: 4
      });
      cluster.faults.failRequests({
        method: 'GET',
        path: new RegExp(`${omer}.*watch=(1|true)`),
        status: 429,
        count: 2
      });
      cluster.faults.failRequests({
        method: 'GET',
        path: /\/apis\/apps\/v1\/namespaces\/omer\/deployments/,
        status: 500,
        share: 0.2
      });
      dropping = setInterval(() => (dropped += cluster.faults.dropWatches()), 400);
    });
    try {
      first = await deploy('faults: latency, 5xx, 429, dropped watches', 'faults', GOOD, {
        onStart: misbehave.onStart
      });
    } finally {
      clearInterval(dropping);
      cluster.faults.clear();
    }
    expect(misbehave.seen.pending).toBe(true);
    expect(first.main.errors).toEqual([]);
    expect(first.main.exitCode).toBe(0);
    expect(dropped).toBeGreaterThan(0);
    expect(cluster.requests.slice(faulted).filter((r) => r.status >= 500).length).toBeGreaterThan(
      0
    );
    expect(await lastStatus('faults')).toBe('deployed');
    expect(first.main.outputs.status).toBe('deployed');
    expectNothingLeaked(first);
  });

  test('the helm download is not left in RUNNER_TEMP', () => {
    expect(first.filesLeft.filter((file) => TOOL_DOWNLOAD.test(file))).toEqual([]);
  });

  test('the API server restarted mid-deploy: the deploy succeeds or fails clearly, never pending', async () => {
    const restart = whenPending('restarted', () => cluster.restart());
    const step = await deploy('faults: API server restarted', 'restarted', GOOD, {
      onStart: restart.onStart
    });
    expect(restart.seen.pending).toBe(true);
    expect(step.main.errors).toHaveLength(step.main.exitCode === 0 ? 0 : 1);
    expect(step.log).not.toMatch(STACK_FRAME);
    expect(await lastStatus('restarted')).toMatch(
      step.main.exitCode === 0 ? /^deployed$/ : /^(deployed|failed|superseded)$/
    );
    expectNothingLeaked(step);
  });
});

describe.each([['v4.1.4'], ['v3.17.2']])(
  'deploy-chart cancelled by the runner (helm %s)',
  (helmVersion) => {
    const release = `cancelled-${helmVersion.slice(1, 2)}`;

    test('SIGTERM during the wait: exit 1, one ::error::, the release not pending; the next run succeeds', async () => {
      const cancel = whenPending(release, (child) => void child.kill('SIGTERM'));
      const cancelled = await deploy(
        `SIGTERM during the wait (helm ${helmVersion})`,
        release,
        NEVER_READY,
        {
          inputs: { 'helm-version': helmVersion, 'fail-fast': 'false' },
          onStart: cancel.onStart
        }
      );
      expect(cancel.seen.pending).toBe(true);
      expect(cancelled.main.signal).toBeNull();
      expect(cancelled.main.exitCode).toBe(1);
      expect(cancelled.main.errors).toHaveLength(1);
      expect(cancelled.main.errors[0]).toMatch(/cancelled \(SIGTERM\).*not left pending/);
      expect(await lastStatus(release)).not.toMatch(/^pending-/);
      expectNothingLeaked(cancelled);

      const next = await deploy(`next run after SIGTERM (helm ${helmVersion})`, release, GOOD, {
        inputs: { 'helm-version': helmVersion }
      });
      expect(next.main.errors).toEqual([]);
      expect(next.main.exitCode).toBe(0);
      expect(await lastStatus(release)).toBe('deployed');
      expectNothingLeaked(next);
    });
  }
);

describe('deploy-chart installing helm', () => {
  test('a corrupted helm download is refused, and nothing is cached', async () => {
    const corrupted = await startHelmMirror();
    const freshCache = mkdtempSync(path.join(os.tmpdir(), 'reliability-toolcache-'));
    try {
      corrupted.corrupt('v4.1.4');
      const step = await deploy('corrupted helm download', 'corrupted', GOOD, {
        mirrorUrl: corrupted.url,
        toolCache: freshCache
      });
      expect(step.main.exitCode).toBe(1);
      expect(step.main.errors).toHaveLength(1);
      expect(step.main.errors[0]).toMatch(/sha256/);
      expect(step.main.errors[0]).toMatch(/helm-mirror|helm-version/);
      expect(step.log).not.toMatch(STACK_FRAME);
      expect(existsSync(path.join(freshCache, 'helm'))).toBe(false);
      expect(await releases.history('corrupted')).toEqual([]);
      expectNothingLeaked(step);
    } finally {
      await corrupted.stop();
      rmSync(freshCache, { recursive: true, force: true });
    }
  });
});
