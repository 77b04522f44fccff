import { expect, test } from '@jest/globals';
import { ActionError } from '../../../shared/src/errors.js';
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
const FIVE_MINUTES = 5 * 60_000;

const stdout = captureStdout();

test('a missing release has an empty history', async () => {
  await expect(readHistory(new FakeHelm(), target)).resolves.toEqual([]);
});

test('an abandoned pending-upgrade is rolled back to the last deployed revision, with a warning', async () => {
  const helm = new FakeHelm();
  helm.history = [rev(1, 'superseded'), rev(2, 'deployed'), rev(3, 'pending-upgrade', 30)];
  await expect(
    recoverPendingRelease(helm, target, FIVE_MINUTES, { now: NOW })
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
  await recoverPendingRelease(helm, target, FIVE_MINUTES, { now: NOW });
  expect(helm.calls.at(-1)).toEqual(['uninstall', 'demo', '--namespace', 'web']);
});

test('a live pending release is left alone and the error says how to recover by hand', async () => {
  const helm = new FakeHelm();
  helm.history = [rev(1, 'deployed'), rev(2, 'pending-upgrade', 2)];
  const error = await recoverPendingRelease(helm, target, FIVE_MINUTES, { now: NOW }).catch(
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
  await expect(recoverPendingRelease(helm, target, FIVE_MINUTES, { now: NOW })).rejects.toThrow(
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
