// deploy-chart cancelled by the runner: SIGTERM to the step while helm waits (helm 4, the
// default, and helm 3). The release, read with the real helm, is never left pending, and the
// next run succeeds. Every step runs with step debug on and is scanned for the kubeconfig and
// its token.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { clusterKinds, START_TIMEOUT_MS, type DeployCluster } from '../support/clusters.js';
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
        expectNothingLeaked(next);
      });
    }
  );
});
