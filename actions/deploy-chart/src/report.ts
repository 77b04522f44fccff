import * as core from '@actions/core';
import { appendSummary } from '../../shared/src/summary.js';
import type { KubeClient } from './cluster/client.js';
import type { ReleaseTarget } from './cluster/recover.js';
import { chartVersion, type HelmRevision } from './cluster/release-plan.js';
import { readReleaseResources, renderSuccessSummary } from './cluster/report.js';
import { waitForReleaseUrl } from './cluster/url.js';

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
