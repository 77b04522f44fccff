import { expect, test } from '@jest/globals';
import { ActionError } from '../../../shared/src/errors.js';
import { timeBudget } from '../../src/budget.js';
import {
  isTransientClusterError,
  KubeApiError,
  KubeNetworkError
} from '../../src/cluster/client.js';
import { readHistory, recoverPendingRelease, settleRelease } from '../../src/cluster/recover.js';
import type { HelmRevision } from '../../src/cluster/release-plan.js';
import { FakeHelm } from './fake-helm.js';
import { captureStdout } from './capture-stdout.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const target = { release: 'demo', namespace: 'web' };
const rev = (revision: number, status: string, minutesAgo = 60): HelmRevision => ({
  revision,
  status,
  updated: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(),
  chart: 'python-application-0.1.0',
  app_version: '1.0',
  description: ''
});
const LIVE_WINDOW = { liveWindowMs: timeBudget(5 * 60_000).pendingLiveWindowMs };

const stdout = captureStdout();

test('a missing release has an empty history', async () => {
  await expect(readHistory(new FakeHelm(), target)).resolves.toEqual([]);
});

test('an abandoned pending-upgrade is rolled back to the last deployed revision, with a warning', async () => {
  const helm = new FakeHelm();
  helm.history = [rev(1, 'superseded'), rev(2, 'deployed'), rev(3, 'pending-upgrade', 30)];
  await expect(
    recoverPendingRelease(helm, target, LIVE_WINDOW, { now: NOW })
  ).resolves.toMatchObject({
    action: 'rollback',
    toRevision: 2
  });
  expect(helm.calls).toEqual([
    ['history', 'demo', '--namespace', 'web', '--output', 'json'],
    ['rollback', 'demo', '2', '--namespace', 'web']
  ]);
  expect(stdout.text()).toContain(
    '::warning::release "demo" in namespace "web" is pending-upgrade (revision 3'
  );
});

test('an abandoned pending-install is uninstalled', async () => {
  const helm = new FakeHelm();
  helm.history = [rev(1, 'pending-install', 30)];
  await recoverPendingRelease(helm, target, LIVE_WINDOW, { now: NOW });
  expect(helm.calls.at(-1)).toEqual(['uninstall', 'demo', '--namespace', 'web']);
});

test('a live pending release is left alone and the error says how to recover by hand', async () => {
  const helm = new FakeHelm();
  helm.history = [rev(1, 'deployed'), rev(2, 'pending-upgrade', 2)];
  const error = await recoverPendingRelease(helm, target, LIVE_WINDOW, { now: NOW }).catch(
    (e: unknown) => e
  );
  expect(error).toBeInstanceOf(ActionError);
  expect((error as Error).message).toMatch(/another run may still be changing it/);
  expect((error as Error).message).toMatch(/helm rollback demo 1 --namespace web$/);
  expect(helm.calls).toHaveLength(1);
});

test("a failing rollback is an ActionError with helm's message", async () => {
  const helm = new FakeHelm();
  helm.history = [rev(1, 'deployed'), rev(2, 'pending-upgrade', 30)];
  helm.exitCode = 1;
  await expect(recoverPendingRelease(helm, target, LIVE_WINDOW, { now: NOW })).rejects.toThrow(
    /recovering release "demo" failed: helm rollback demo 1 --namespace web exited with code 1: Error: boom/
  );
});

test('after our own helm exited, even a fresh pending revision is settled', async () => {
  const helm = new FakeHelm();
  helm.history = [rev(1, 'deployed'), rev(2, 'pending-upgrade', 0)];
  await expect(settleRelease(helm, target)).resolves.toMatchObject({
    action: 'rollback',
    toRevision: 1
  });
});

test('nothing to settle when helm recorded the failure itself', async () => {
  const helm = new FakeHelm();
  helm.history = [rev(1, 'deployed'), rev(2, 'failed', 0)];
  await expect(settleRelease(helm, target)).resolves.toEqual({ action: 'none' });
  expect(helm.calls).toHaveLength(1);
});

/** A helm whose first `history` calls fail as when the API server is restarting. */
class FlakyHelm extends FakeHelm {
  constructor(
    private failures: number,
    private readonly stderr: string
  ) {
    super();
  }

  override async run(args: string[]) {
    if (args[0] === 'history' && this.failures-- > 0) {
      this.calls.push(args);
      return { exitCode: 1, stdout: '', stderr: this.stderr };
    }
    return super.run(args);
  }
}

const noSleep = async () => undefined;
const UNREACHABLE =
  'Error: Kubernetes cluster unreachable: Get "https://127.0.0.1:1/version": dial tcp 127.0.0.1:1: connect: connection refused\n';

test('settling retries while the API server is unreachable, then recovers', async () => {
  const helm = new FlakyHelm(2, UNREACHABLE);
  helm.history = [rev(1, 'deployed'), rev(2, 'pending-upgrade', 0)];
  await expect(settleRelease(helm, target, undefined, noSleep)).resolves.toMatchObject({
    action: 'rollback',
    toRevision: 1
  });
  expect(helm.calls.filter(([verb]) => verb === 'history')).toHaveLength(3);
  expect(stdout.text()).toContain('release demo: the API server is unavailable');
});

test('settling gives up after its retries and does not retry what is not transient', async () => {
  const down = new FlakyHelm(100, UNREACHABLE);
  down.history = [];
  await expect(settleRelease(down, target, undefined, noSleep)).rejects.toThrow(
    /connection refused/
  );
  expect(down.calls).toHaveLength(6);

  const refused = new FlakyHelm(100, 'Error: query: failed to query with labels: forbidden\n');
  refused.history = [];
  await expect(settleRelease(refused, target, undefined, noSleep)).rejects.toThrow(/forbidden/);
  expect(refused.calls).toHaveLength(1);
});

test.each([
  [
    'a refused connection is transient',
    new KubeNetworkError('https://x/api', 'ECONNREFUSED', 'connect refused'),
    true
  ],
  [
    'a 503 is transient',
    new KubeApiError('GET', 'https://x/api', 503, 'ServiceUnavailable', ''),
    true
  ],
  [
    'a 429 is transient',
    new KubeApiError('GET', 'https://x/api', 429, 'TooManyRequests', ''),
    true
  ],
  [
    'a 403 is not transient',
    new KubeApiError('GET', 'https://x/api', 403, 'Forbidden', 'no'),
    false
  ],
  ['a 404 is not transient', new KubeApiError('GET', 'https://x/api', 404, 'NotFound', ''), false],
  [
    'a 500 from etcd electing a leader is transient',
    new KubeApiError('GET', 'https://x/api', 500, 'InternalError', 'etcdserver: leader changed'),
    true
  ],
  [
    'an untrusted certificate is not transient',
    new KubeNetworkError('https://x/api', 'SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate'),
    false
  ],
  [
    'helm over HTTP/2 losing its connection is transient',
    new Error('Get "https://x/version": http2: client connection lost'),
    true
  ],
  [
    'helm seeing the API server unavailable is transient',
    new Error('the server is currently unable to handle the request'),
    true
  ],
  [
    'helm failing on its own is not transient',
    new Error('Error: UPGRADE FAILED: resource not ready'),
    false
  ],
  [
    "helm's connection cut by a restarting API server is transient",
    new Error('read tcp 127.0.0.1:55826->127.0.0.1:43353: read: connection reset by peer'),
    true
  ]
])('%s', (_case, error, want) => {
  expect(isTransientClusterError(error)).toBe(want);
});
