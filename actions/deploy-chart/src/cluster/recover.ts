// Performs release-plan's decision with the helm binary: reads the history, and rolls back or
// uninstalls an abandoned pending release with a warning, so the deploy can proceed.
import * as core from '@actions/core';
import { ActionError } from '../../../shared/src/errors.js';
import { retry } from '../../../shared/src/retry.js';
import type { HelmCli } from '../helm-cli.js';
import { isTransientClusterError, type KubeClient } from './client.js';
import { readStoredHistory, usesSecretStorage } from './release-history.js';
import {
  decideRecovery,
  describeRecovery,
  parseHistory,
  type HelmRevision,
  type Recovery,
  type RecoveryRules,
  type ReleaseTarget
} from './release-plan.js';

/**
 * The release's revisions, oldest first; [] when the release does not exist. With a client
 * (and helm's default Secret storage) they are read through the API; otherwise helm runs.
 */
export async function readHistory(
  helm: HelmCli,
  target: ReleaseTarget,
  client?: KubeClient
): Promise<HelmRevision[]> {
  if (client && usesSecretStorage(process.env.HELM_DRIVER))
    return readStoredHistory(client, target);
  const { release, namespace } = target;
  const result = await helm.run(
    ['history', release, '--namespace', namespace, '--output', 'json'],
    {
      silent: true
    }
  );
  if (result.exitCode !== 0) {
    if (/release: not found/.test(result.stderr)) return [];
    throw new ActionError(
      `helm history ${release} --namespace ${namespace} failed (exit code ${result.exitCode}): ${result.stderr.trim()}`
    );
  }
  return parseHistory(result.stdout);
}

function manualFix(target: ReleaseTarget, revisions: HelmRevision[]): string {
  const { release, namespace } = target;
  const lastGood = revisions.filter((r) => ['deployed', 'superseded'].includes(r.status)).at(-1);
  return lastGood
    ? `To recover by hand once no other run is deploying: helm rollback ${release} ${lastGood.revision} --namespace ${namespace}`
    : `To recover by hand once no other run is deploying: helm uninstall ${release} --namespace ${namespace}`;
}

async function perform(helm: HelmCli, target: ReleaseTarget, recovery: Recovery): Promise<void> {
  const { release, namespace } = target;
  if (recovery.action !== 'rollback' && recovery.action !== 'uninstall') return;
  core.warning(describeRecovery(release, namespace, recovery));
  const args =
    recovery.action === 'rollback'
      ? ['rollback', release, String(recovery.toRevision), '--namespace', namespace]
      : ['uninstall', release, '--namespace', namespace];
  const result = await helm.run(args);
  if (result.exitCode !== 0) {
    throw new ActionError(
      `recovering release "${release}" failed: helm ${args.join(' ')} exited with code ${result.exitCode}: ${result.stderr.trim()}`,
      'Check the release with: helm history ' + `${release} --namespace ${namespace}`
    );
  }
}

/**
 * Before deploying: recovers a pending release that no run is working on any more; throws
 * an ActionError when another run may still be changing it (see release-plan.ts for the rule).
 */
interface RecoverOptions {
  /** Reads the history through the API instead of running helm (see readHistory). */
  client?: KubeClient;
  now?: Date;
}

export async function recoverPendingRelease(
  helm: HelmCli,
  target: ReleaseTarget,
  rules: RecoveryRules,
  options: RecoverOptions = {}
): Promise<Recovery> {
  const revisions = await readHistory(helm, target, options.client);
  const recovery = decideRecovery(revisions, options.now ?? new Date(), rules);
  if (recovery.action === 'refuse') {
    throw new ActionError(
      describeRecovery(target.release, target.namespace, recovery),
      manualFix(target, revisions)
    );
  }
  await perform(helm, target, recovery);
  return recovery;
}

/** About 30 s of retries: long enough for an API server restart, short next to a deploy. */
const SETTLE_RETRY = { attempts: 6, baseMs: 1000, maxMs: 8000 };

/**
 * After OUR helm exited (finished, failed, or stopped by a signal): any pending revision is
 * ours and nobody is working on it, so it is recovered now rather than blocking the next run.
 * Retried while the API server is unreachable, since that is often why helm failed.
 */
export async function settleRelease(
  helm: HelmCli,
  target: ReleaseTarget,
  client?: KubeClient,
  sleep?: (ms: number) => Promise<void>
): Promise<Recovery> {
  return retry(
    async () => {
      const revisions = await readHistory(helm, target, client);
      const recovery = decideRecovery(revisions, new Date(), { liveWindowMs: 0 });
      await perform(helm, target, recovery);
      return recovery;
    },
    {
      ...SETTLE_RETRY,
      sleep,
      decide: (error) => ({ retry: isTransientClusterError(error) }),
      onRetry: (error, attempt, waitMs) =>
        core.info(
          `release ${target.release}: the API server is unavailable (${(error as Error).message}); settling again in ${(waitMs / 1000).toFixed(1)} s (attempt ${attempt + 1})`
        )
    }
  );
}
