// deploy-chart cancelled by the runner: SIGTERM to the step while helm waits (helm 4, the
// default, and helm 3). The release, read with the real helm, is never left pending, and the
// next run succeeds. Every step runs with step debug on and is scanned for the kubeconfig and
// its token.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { clusterKinds, START_TIMEOUT_MS, type DeployCluster } from '../harness/clusters.js';
import { GOOD, NEVER_READY, startDeployRigOn, type DeployRig } from './support/deploy-rig.js';
import { expectNothingLeaked } from './support/step.js';

// Generous: this machine's load, not the action, decides how long real helm/dockerd take.
jest.setTimeout(480_000);

describe.each(clusterKinds())('[%s]', (kind) => {
  let rig: DeployRig<DeployCluster>;

  beforeAll(async () => {
    rig = await startDeployRigOn(kind, 'deploy-cancel', 'reliability-cancel-token-2b8e94f0');
  }, START_TIMEOUT_MS);

  afterAll(async () => rig?.stop());

  describe.each([['v4.1.4'], ['v3.17.2']])(
    'deploy-chart cancelled by the runner (helm %s)',
    (helmVersion) => {
      const release = `cancelled-${helmVersion.slice(1, 2)}`;

      test('SIGTERM during the wait: exit 1, one ::error::, the release not pending; the next run succeeds', async () => {
        const cancel = rig.whenPending(release, (child) => void child.kill('SIGTERM'));
        const cancelled = await rig.deploy(
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
        expect(await rig.lastStatus(release)).not.toMatch(/^pending-/);
        // The outputs say what happened (the revision helm recorded) and what the release is
        // after settling (its last revision, never pending).
        const settled = (await rig.releases.history(release)).at(-1)!;
        expect(cancelled.main.outputs).toMatchObject({
          status: 'failed',
          'current-revision': String(settled.revision),
          'current-status': settled.status
        });
        expectNothingLeaked(cancelled);

        const next = await rig.deploy(
          `next run after SIGTERM (helm ${helmVersion})`,
          release,
          GOOD,
          {
            inputs: { 'helm-version': helmVersion }
          }
        );
        expect(next.main.errors).toEqual([]);
        expect(next.main.exitCode).toBe(0);
        expect(await rig.lastStatus(release)).toBe('deployed');
        expect(next.main.outputs).toMatchObject({
          status: 'deployed',
          'current-status': 'deployed',
          'current-revision': next.main.outputs.revision
        });
        expectNothingLeaked(next);
      });

      // An upgrade of a deployed release, cancelled while helm waits, with rollback-on-failure:
      // the outputs name the revision the release settled on and its status, never pending-….
      test('SIGTERM during an upgrade with rollback-on-failure: the outputs are the settled revision', async () => {
        const before = (await rig.releases.history(release)).at(-1)!;
        expect(before.status).toBe('deployed');
        const cancel = rig.whenPending(release, (child) => void child.kill('SIGTERM'));
        const cancelled = await rig.deploy(
          `SIGTERM during an upgrade, rollback-on-failure (helm ${helmVersion})`,
          release,
          NEVER_READY,
          {
            inputs: {
              'helm-version': helmVersion,
              'fail-fast': 'false',
              'rollback-on-failure': 'true'
            },
            onStart: cancel.onStart
          }
        );
        expect(cancel.seen.pending).toBe(true);
        expect(cancelled.main.exitCode).toBe(1);
        const settled = (await rig.releases.history(release)).at(-1)!;
        expect(settled.revision).toBeGreaterThan(before.revision);
        expect(settled.status).not.toMatch(/^pending-/);
        expect(cancelled.main.outputs).toMatchObject({
          revision: String(before.revision + 1),
          status: 'failed',
          'current-revision': String(settled.revision),
          'current-status': 'deployed'
        });
        expectNothingLeaked(cancelled);
      });
    }
  );
});
