import * as core from '@actions/core';
import { appendSummary, markdownTable } from '../../shared/src/summary.js';
import type { DeployPlan } from './helm-args.js';
import type { ReleaseOutcome } from './release.js';

/** The summary's Markdown, pure so tests can read it. */
export function summaryMarkdown(plan: DeployPlan, outcome: ReleaseOutcome, url: string): string {
  const table = markdownTable(
    ['Release', 'Namespace', 'Revision', 'Status', 'Chart version', 'App version'],
    [
      [
        plan.release,
        plan.namespace,
        outcome.revision,
        outcome.status,
        outcome.chartVersion,
        outcome.appVersion
      ]
    ]
  );
  return [`## Deployed ${plan.release}`, table, url ? `\nURL: ${url}` : ''].join('\n\n');
}

export async function report(plan: DeployPlan, outcome: ReleaseOutcome, url = ''): Promise<void> {
  core.setOutput('revision', outcome.revision);
  core.setOutput('status', outcome.status);
  core.setOutput('chart-version', outcome.chartVersion);
  core.setOutput('app-version', outcome.appVersion);
  core.setOutput('url', url);
  core.info(
    `${plan.release}: revision ${outcome.revision || '-'} ${outcome.status}` +
      (outcome.chartVersion ? `, chart ${outcome.chartVersion}` : '') +
      (url ? `, ${url}` : '')
  );
  await appendSummary(summaryMarkdown(plan, outcome, url));
}
