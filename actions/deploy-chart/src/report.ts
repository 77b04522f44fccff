import * as core from '@actions/core';
import { appendSummary } from '../../shared/src/summary.js';
import type { KubeClient } from './cluster/client.js';
import { readHistory } from './cluster/recover.js';
import { chartVersion, type HelmRevision, type ReleaseTarget } from './cluster/release-plan.js';
import { readReleaseResources, renderSuccessSummary } from './cluster/report.js';
import { waitForReleaseUrl } from './cluster/url.js';
import type { HelmCli } from './helm-cli.js';

/** The action's outputs, from helm's record of the revision. Pure. */
export function releaseOutputs(
  revision: HelmRevision | undefined,
  url: string
): Record<string, string> {
  return {
    revision: revision ? String(revision.revision) : '',
    status: revision?.status ?? 'dry-run',
    'chart-version': revision ? chartVersion(revision.chart) : '',
    'app-version': revision?.app_version ?? '',
    url
  };
}

/** Outputs, a log line and the job summary; the URL is awaited until `deadline` (epoch ms). */
export async function report(
  client: KubeClient,
  target: ReleaseTarget,
  revision: HelmRevision | undefined,
  deadline: number
): Promise<void> {
  const url = revision ? ((await waitForReleaseUrl(client, target, deadline)) ?? '') : '';
  const outputs = releaseOutputs(revision, url);
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
  setCurrentOutputs(revision);
  if (!revision) {
    core.info(`${target.release}: dry run, nothing changed`);
    return;
  }
  core.info(
    `${target.release}: revision ${outputs.revision} ${outputs.status}, chart ${outputs['chart-version']}, app ${outputs['app-version']}${url ? `, ${url}` : ''}`
  );
  const resources = await readReleaseResources(client, target);
  await appendSummary(renderSuccessSummary({ target, revision, resources, url: url || undefined }));
}

/**
 * The revision this run's `helm upgrade` recorded: the newest one after `before` (the latest
 * revision when the deploy started) that is not a rollback (`Rollback to N`, made by helm's
 * --atomic / --rollback-on-failure or by the action settling a release it left pending).
 * Undefined when helm recorded none (it failed before: a template or schema error). Pure.
 */
export function attemptedRevision(
  history: HelmRevision[],
  before: number
): HelmRevision | undefined {
  return history
    .filter((row) => row.revision > before && !/^Rollback to \d+/.test(row.description))
    .at(-1);
}

/** The release's latest revision number before the deploy (0: none), or undefined if unreadable. */
export async function latestRevisionNumber(
  helm: HelmCli,
  target: ReleaseTarget,
  client: KubeClient
): Promise<number | undefined> {
  try {
    return (await readHistory(helm, target, client)).at(-1)?.revision ?? 0;
  } catch (error) {
    core.debug(`helm history ${target.release} before the deploy: ${(error as Error).message}`);
    return undefined;
  }
}

/**
 * What the release is when the step ends, beside what this run recorded: after a failure the
 * action (or helm's rollback-on-failure) may have rolled back, so `Rollback to N` is current.
 */
function setCurrentOutputs(current: HelmRevision | undefined): void {
  core.setOutput('current-revision', current ? String(current.revision) : '');
  core.setOutput('current-status', current?.status ?? '');
}

/**
 * After a failed deploy: the outputs carry the revision helm recorded and its status
 * (`failed`, or `pending-…` when helm was killed before it could record the outcome), so a
 * later step can act on them. Best effort: the step fails with the deploy's own error anyway.
 */
export async function reportFailedRevision(
  helm: HelmCli,
  client: KubeClient,
  target: ReleaseTarget,
  before: number | undefined
): Promise<void> {
  if (before === undefined) return;
  let revision: HelmRevision | undefined;
  let history: HelmRevision[];
  try {
    history = await readHistory(helm, target, client);
    revision = attemptedRevision(history, before);
  } catch (error) {
    core.debug(`helm history ${target.release} after the failure: ${(error as Error).message}`);
    return;
  }
  const current = history.at(-1);
  setCurrentOutputs(current);
  if (!revision) return;
  const outputs = releaseOutputs(revision, '');
  for (const name of ['revision', 'status', 'chart-version', 'app-version'] as const) {
    core.setOutput(name, outputs[name]);
  }
  core.info(
    `${target.release}: revision ${outputs.revision} is ${outputs.status} (outputs revision and status say so)${current && current !== revision ? `; the release is now at revision ${current.revision}, ${current.status} (outputs current-revision and current-status)` : ''}`
  );
}
