// deploy-chart (helm 4, the default) against the EKS emulator misbehaving while helm waits:
// latency, 5xx/429 bursts and dropped watches; the API server restarted mid-deploy; one 503
// before helm waits (helm runs once more); and a corrupted helm download. The release is read with the real helm afterwards: it is never
// left pending.
// Every step runs with step debug on and is scanned for the kubeconfig and its token.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHelmMirror } from '../harness/rigs/helm-mirror.js';
import { GOOD, startDeployRig, type DeployRig } from './support/deploy-rig.js';
import { expectNothingLeaked, STACK_FRAME, TOOL_DOWNLOAD, type Step } from './support/step.js';

// Generous: this machine's load, not the action, decides how long real helm/dockerd take.
jest.setTimeout(300_000);

let rig: DeployRig;

beforeAll(async () => {
  rig = await startDeployRig('deploy-faults', 'reliability-faults-token-7d3c51a9');
});

afterAll(async () => rig?.stop());

describe('deploy-chart while the API server misbehaves during --wait (helm 4)', () => {
  let first: Step;

  test('latency, 5xx and 429 bursts and dropped watches while helm waits: the deploy succeeds', async () => {
    let dropping: ReturnType<typeof setInterval> | undefined;
    let dropped = 0;
    const faulted = rig.cluster.requests.length;
    // From the moment helm records the release (pending-install) until the step ends.
    const misbehave = rig.whenPending('faults', () => {
      rig.cluster.faults.latencyMs = 30;
      const omer = '/namespaces/omer/';
      rig.cluster.faults.failRequests({
        method: 'GET',
        path: new RegExp(`${omer}(pods|deployments|replicasets)`),
        status: 503,
        count: 4
      });
      rig.cluster.faults.failRequests({
        method: 'GET',
        path: new RegExp(`${omer}.*watch=(1|true)`),
        status: 429,
        count: 2
      });
      rig.cluster.faults.failRequests({
        method: 'GET',
        path: /\/apis\/apps\/v1\/namespaces\/omer\/deployments/,
        status: 500,
        share: 0.2
      });
      dropping = setInterval(() => (dropped += rig.cluster.faults.dropWatches()), 400);
    });
    try {
      first = await rig.deploy('faults: latency, 5xx, 429, dropped watches', 'faults', GOOD, {
        onStart: misbehave.onStart
      });
    } finally {
      clearInterval(dropping);
      rig.cluster.faults.clear();
    }
    expect(misbehave.seen.pending).toBe(true);
    expect(first.main.errors).toEqual([]);
    expect(first.main.exitCode).toBe(0);
    expect(dropped).toBeGreaterThan(0);
    expect(
      rig.cluster.requests.slice(faulted).filter((r) => r.status >= 500).length
    ).toBeGreaterThan(0);
    expect(await rig.lastStatus('faults')).toBe('deployed');
    expect(first.main.outputs.status).toBe('deployed');
    expectNothingLeaked(first);
  });

  test('the helm download is not left in RUNNER_TEMP', () => {
    expect(first.filesLeft.filter((file) => TOOL_DOWNLOAD.test(file))).toEqual([]);
  });

  test('the API server restarted, then unavailable for 6 s, mid-deploy: the deploy succeeds or fails clearly, never pending', async () => {
    // An EKS control-plane restart: open connections cut, then seconds of 503 and refusals.
    let outage: ReturnType<typeof setTimeout> | undefined;
    const restart = rig.whenPending('restarted', async () => {
      await rig.cluster.restart();
      outage = setTimeout(rig.cluster.faults.failRequests({ status: 503 }), 6000);
    });
    const step = await rig
      .deploy('faults: API server restarted', 'restarted', GOOD, { onStart: restart.onStart })
      .finally(() => {
        clearTimeout(outage);
        rig.cluster.faults.clear(); // the outage ends with the step at the latest
      });
    expect(restart.seen.pending).toBe(true);
    expect(step.main.errors).toHaveLength(step.main.exitCode === 0 ? 0 : 1);
    if (step.main.exitCode !== 0) expect(step.main.errors[0]).toMatch(/\brestarted\b/);
    expect(step.log).not.toMatch(STACK_FRAME);
    // A failed first install may be uninstalled by the action (no release at all): also fine.
    const status = (await rig.lastStatus('restarted')) ?? 'no release';
    expect(status).toMatch(
      step.main.exitCode === 0 ? /^deployed$/ : /^(deployed|failed|no release)$/
    );
    expectNothingLeaked(step);
  });
});

describe('deploy-chart when the API server is unavailable before helm waits (helm 4)', () => {
  test('one 503 on the pre-install existence check of helm: the release is settled and helm runs once more, deployed', async () => {
    const faulted = rig.cluster.requests.length;
    const stop = rig.cluster.faults.failRequests({
      method: 'GET',
      path: /\/api\/v1\/namespaces\/omer\/services\//,
      status: 503,
      count: 1
    });
    const step = await rig
      .deploy('faults: one 503 before the wait', 'unavailable', GOOD)
      .finally(stop);
    const refused = rig.cluster.requests
      .slice(faulted)
      .filter((r) => r.status === 503 && /\/services\//.test(r.path));
    expect(refused).toHaveLength(1);
    expect(step.main.errors).toEqual([]);
    expect(step.main.exitCode).toBe(0);
    expect(step.log).toMatch(
      /the Kubernetes API server was unavailable \(Error: .*\); the release is settled, running helm once more in 5 s/
    );
    expect(await rig.lastStatus('unavailable')).toBe('deployed');
    expectNothingLeaked(step);
  });
});

describe('deploy-chart installing helm', () => {
  test('a corrupted helm download is refused, and nothing is cached', async () => {
    const corrupted = await startHelmMirror();
    const freshCache = mkdtempSync(path.join(os.tmpdir(), 'reliability-toolcache-'));
    try {
      corrupted.corrupt('v4.1.4');
      const step = await rig.deploy('corrupted helm download', 'corrupted', GOOD, {
        mirrorUrl: corrupted.url,
        toolCache: freshCache
      });
      expect(step.main.exitCode).toBe(1);
      expect(step.main.errors).toHaveLength(1);
      expect(step.main.errors[0]).toMatch(/sha256/);
      expect(step.main.errors[0]).toMatch(/helm-mirror|helm-version/);
      expect(step.log).not.toMatch(STACK_FRAME);
      expect(readdirSync(freshCache)).toEqual([]); // no helm-from-… entry either
      expect(await rig.releases.history('corrupted')).toEqual([]);
      expectNothingLeaked(step);
    } finally {
      await corrupted.stop();
      rmSync(freshCache, { recursive: true, force: true });
    }
  });
});
