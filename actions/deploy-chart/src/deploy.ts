import * as core from '@actions/core';
import { ActionError } from '../../shared/src/errors.js';
import { appendSummary } from '../../shared/src/summary.js';
import type { KubeClient } from './cluster/client.js';
import {
  collectDiagnostics,
  logDiagnostics,
  renderDiagnosticsSummary
} from './cluster/diagnostics.js';
import { watchRollout, type FailFastWatch } from './cluster/fail-fast.js';
import { Permissions } from './cluster/permissions.js';
import type { PodFailure } from './cluster/pod-failure.js';
import { readHistory, settleRelease } from './cluster/recover.js';
import { usesSecretStorage } from './cluster/release-history.js';
import type { HelmRevision, ReleaseTarget } from './cluster/release-plan.js';
import { forwardTerminationSignals } from './cluster/signals.js';
import { classifyHelmRun, explainOutcome, lastLines, type HelmRun } from './helm-outcome.js';
import { commandLineForLog, translateFlags, upgradeArgs, type DeployPlan } from './helm-args.js';
import type { HelmCli } from './helm-cli.js';

/** A release we could not settle must not fail with a bare network error: say what is left. */
async function settleOrExplain(
  helm: HelmCli,
  target: ReleaseTarget,
  client: KubeClient,
  helmOutput: string
): Promise<void> {
  try {
    await settleRelease(helm, target, client);
  } catch (error) {
    throw new ActionError(
      `deploy of ${target.release} failed, and the Kubernetes API server stayed unreachable afterwards (${(error as Error).message}), so the release may be left pending; the next run rolls it back once it is older than 2 × timeout + 1m, or run: helm rollback ${target.release} -n ${target.namespace} (helm uninstall if it never deployed)`,
      lastLines(helmOutput)
    );
  }
}

/**
 * Follows the rollout of the revision helm is about to write (the newest + 1); undefined, with
 * a warning, when the release cannot be read through the API.
 */
async function startFailFast(
  helm: HelmCli,
  client: KubeClient,
  target: ReleaseTarget,
  permissions: Permissions,
  onFailure: () => void
): Promise<FailFastWatch | undefined> {
  if (!usesSecretStorage(process.env.HELM_DRIVER)) {
    core.warning(
      `Fail-fast is off for this deploy: it reads the release helm records from its Secrets, and HELM_DRIVER is "${process.env.HELM_DRIVER}"; helm waits up to its timeout.`
    );
    return undefined;
  }
  try {
    const revision = ((await readHistory(helm, target, client)).at(-1)?.revision ?? 0) + 1;
    return watchRollout(client, { ...target, revision, permissions, onFailure });
  } catch (error) {
    core.warning(
      `Fail-fast is off for this deploy: cannot read the history of release "${target.release}" (${(error as Error).message}); helm waits up to its timeout.`
    );
    return undefined;
  }
}

/** One `helm upgrade --install`, stopped early by a rollout failure, a signal or the deadline. */
async function runHelm(
  helm: HelmCli,
  client: KubeClient,
  plan: DeployPlan,
  target: ReleaseTarget,
  failFast: Permissions | undefined,
  stopHelm: AbortController
): Promise<Omit<HelmRun, 'signal'>> {
  let overran = false;
  const deadline = setTimeout(() => {
    overran = true;
    stopHelm.abort();
  }, plan.helmDeadlineMs);
  try {
    const watch = failFast
      ? await startFailFast(helm, client, target, failFast, () => stopHelm.abort())
      : undefined;
    const args = upgradeArgs(plan, helm.major);
    core.info(`helm ${commandLineForLog(args)}`);
    const result = await helm.run(args, { signal: stopHelm.signal }).finally(() => watch?.stop());
    return { result, failure: watch?.failure, overran };
  } finally {
    clearTimeout(deadline);
  }
}

/** Pause before helm runs again after the API server was unavailable. */
const RETRY_AFTER_MS = 5000;

/**
 * Runs `helm upgrade --install` while following the release's rollout. A final failure,
 * the runner cancelling the step or helm outliving its deadline stops helm with SIGTERM (helm
 * then records the release as failed); any failure settles a release left pending and reports
 * diagnostics. A failure because the API server was unavailable (EKS answers 503/429 during
 * control-plane updates, and helm does not retry) is retried once, after the release settled.
 * Returns the release's newest revision (undefined for a dry run).
 */
export async function deploy(
  helm: HelmCli,
  client: KubeClient,
  plan: DeployPlan,
  failFast: boolean,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))
): Promise<HelmRevision | undefined> {
  const target: ReleaseTarget = { release: plan.release, namespace: plan.namespace };
  const live = plan.dryRun === 'none';
  for (const note of translateFlags(plan.extraArgs, helm.major).renamed) {
    core.warning(`extra-args: ${note}`);
  }
  const started = Date.now();
  const permissions = new Permissions(plan.namespace);
  const failFastOn = failFast && live && plan.wait ? permissions : undefined;
  let stopHelm = new AbortController();
  const signals = forwardTerminationSignals(() => stopHelm.abort());
  /** One helm run, its release settled when it failed; what it came to, as of now. */
  const attempt = async (): Promise<HelmRun> => {
    const ran = await runHelm(helm, client, plan, target, failFastOn, stopHelm);
    const run = { ...ran, signal: signals.received };
    if (classifyHelmRun(run).kind === 'deployed') return run;
    if (live) await settleOrExplain(helm, target, client, ran.result.stderr || ran.result.stdout);
    return { ...ran, signal: signals.received };
  };
  try {
    let run = await attempt();
    const first = classifyHelmRun(run);
    if (first.kind === 'cluster-unavailable') {
      core.warning(
        `helm upgrade ${plan.release}: the Kubernetes API server was unavailable (${first.error}); the release is settled, running helm once more in ${RETRY_AFTER_MS / 1000} s`
      );
      await sleep(RETRY_AFTER_MS);
      // Cancelled while waiting: the first run's outcome stands, as a cancellation.
      if (signals.received) run = { ...run, signal: signals.received };
      else {
        stopHelm = new AbortController();
        run = await attempt();
      }
    }
    const outcome = classifyHelmRun(run);
    if (outcome.kind === 'deployed') {
      return live ? (await readHistory(helm, target, client)).at(-1) : undefined;
    }
    await reportDiagnostics(client, helm, target, run.failure, { since: started, permissions });
    throw explainOutcome(outcome, plan);
  } finally {
    signals.dispose();
  }
}

/** The cluster's side of a failed deploy: in the log and in the job summary. */
async function reportDiagnostics(
  client: KubeClient,
  helm: HelmCli,
  target: ReleaseTarget,
  failure: PodFailure | undefined,
  options: { since: number; permissions: Permissions }
): Promise<void> {
  const diagnostics = await collectDiagnostics(client, helm, target, failure, options);
  logDiagnostics(diagnostics);
  await appendSummary(renderDiagnosticsSummary(diagnostics));
}
