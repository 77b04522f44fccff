// Where a plan goes: the log, the outputs, a file, the job summary, and on pull_request runs
// one comment on the pull request. A plan that could not be made (render failure, server
// refusal) is reported the same way, then fails the step.
import * as core from '@actions/core';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { ActionError } from '../../../shared/src/errors.js';
import { fetchClient, type HttpClient } from '../../../shared/src/http.js';
import { maskSecret } from '../../../shared/src/mask.js';
import { appendSummary } from '../../../shared/src/summary.js';
import { explainHelmFailure } from '../helm-outcome.js';
import { pullRequestOf, runUrl, upsertPlanComment } from './comment.js';
import { formatPath } from './diff.js';
import { cutForComment, planMarker, renderPlan, type RenderContext } from './markdown.js';
import { counts, hasChanges, type Plan } from './plan.js';

/** The action's outputs for a plan. Pure. */
export function planOutputs(plan: Plan, planFile: string): Record<string, string> {
  const { added, changed, removed } = counts(plan);
  return {
    'has-changes': String(!plan.failure && hasChanges(plan)),
    added: String(added),
    changed: String(changed),
    removed: String(removed),
    'plan-file': planFile
  };
}

/** One line per object for the log, with the paths that change (values are in the summary). Pure. */
export function planLogLines(plan: Plan): string[] {
  return plan.entries.map((entry) => {
    const { kind, namespace, name } = entry.ref;
    const ref = `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
    if (entry.action === 'add')
      return `+ ${ref}${entry.missing ? ' (deleted from the cluster by hand)' : ''}`;
    if (entry.action === 'remove')
      return `- ${ref}${entry.kept ? ' (kept: helm.sh/resource-policy)' : ''}`;
    return `~ ${ref}: ${entry.fields.map((f) => `${formatPath(f.path)}${f.drift ? ' (drift)' : ''}`).join(', ')}`;
  });
}

interface ReportEdges {
  http: HttpClient;
  env: Record<string, string | undefined>;
}

function readEvent(file: string | undefined): unknown {
  if (!file) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

export async function reportPlan(
  plan: Plan,
  context: RenderContext,
  githubToken: string,
  edges: ReportEdges = { http: fetchClient(), env: process.env }
): Promise<void> {
  const workspace = edges.env.GITHUB_WORKSPACE || process.cwd();
  const inWorkspace = !path.relative(workspace, context.chart).startsWith('..');
  const chart =
    inWorkspace && !context.chart.startsWith('oci://')
      ? path.relative(workspace, context.chart) || '.'
      : context.chart;
  const markdown = renderPlan(plan, { ...context, chart });
  const file = path.join(
    edges.env.RUNNER_TEMP || os.tmpdir(),
    `deploy-chart-plan-${plan.release}.md`
  );
  await writeFile(file, markdown, { mode: 0o600 });
  for (const [name, value] of Object.entries(planOutputs(plan, file))) core.setOutput(name, value);
  const { added, changed, removed } = counts(plan);
  if (!plan.failure) {
    core.info(
      `plan of ${plan.release}: ${added} to add, ${changed} to change, ${removed} to remove, ${plan.unchanged} unchanged`
    );
    for (const line of planLogLines(plan)) core.info(line);
  }
  await appendSummary(markdown);

  const pr = pullRequestOf(edges.env, readEvent(edges.env.GITHUB_EVENT_PATH));
  if (pr && !githubToken) {
    core.warning(
      'github-token is empty: the plan is not commented on the pull request (it is in the job summary)'
    );
  } else if (pr) {
    maskSecret(githubToken);
    const where = runUrl(edges.env);
    const pointer = `the whole plan is in the job summary${where ? `: ${where}` : ''}`;
    const outcome = await upsertPlanComment(
      edges.http,
      pr,
      githubToken,
      planMarker(plan.release),
      cutForComment(markdown, pointer)
    );
    if (outcome.done === 'skipped') core.warning(outcome.warning);
    else core.info(`plan comment ${outcome.done}: ${outcome.url}`);
  }

  const { failure } = plan;
  if (failure?.stage === 'render') {
    const explained = explainHelmFailure(failure.reason);
    if (explained) throw new ActionError(explained.message, explained.hint);
    throw new ActionError(`plan of ${plan.release}: the chart did not render`, failure.reason);
  }
  if (failure) {
    const what = failure.object ? `${failure.object.kind} ${failure.object.name}` : 'the upgrade';
    throw new ActionError(
      `plan of ${plan.release}: the API server refused ${what} in a server-side dry run`,
      failure.reason
    );
  }
}
