// The plan as Markdown, for the job summary and the pull request comment. Pure.
import { cell, markdownTable } from '../../../shared/src/summary.js';
import { formatPath } from './diff.js';
import { counts, type ObjectRef, type Plan, type PlanEntry } from './plan.js';
import type { ShownChange } from './redact.js';

/** GitHub refuses issue and pull request comments longer than this (characters). */
export const COMMENT_LIMIT = 65_536;

/** The hidden line that finds the release's plan comment again on the next push. */
export function planMarker(release: string): string {
  return `<!-- basickapp-plan:${release} -->`;
}

const SYMBOL: Record<PlanEntry['action'], string> = { add: '+', change: '~', remove: '-' };
const MAX_VALUE = 300;

function refText(ref: ObjectRef): string {
  return ref.namespace === undefined
    ? `${ref.kind} ${ref.name}`
    : `${ref.kind} ${ref.namespace}/${ref.name}`;
}

function valueText(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}… (cut)` : text;
}

function fieldLines(field: ShownChange & { drift?: boolean }): string[] {
  const path = formatPath(field.path) || '(object)';
  const note = field.drift ? '   # drift: changed in the cluster since the last deploy' : '';
  if (field.hidden) {
    const what =
      field.before === undefined ? 'set' : field.after === undefined ? 'removed' : 'changed';
    return [
      `${field.before === undefined ? '+' : field.after === undefined ? '-' : '!'} ${path}: (sensitive value ${what})${note}`
    ];
  }
  const lines: string[] = [];
  if (field.before !== undefined) lines.push(`- ${path}: ${valueText(field.before)}`);
  if (field.after !== undefined) lines.push(`+ ${path}: ${valueText(field.after)}${note}`);
  if (field.after === undefined && note) lines.push(`#   ${note.trim()}`);
  return lines;
}

/** A fence longer than any backtick run in the text, so values cannot close it. */
function fenced(lang: string, lines: string[]): string {
  const body = lines.join('\n');
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${body}\n${fence}`;
}

function entryDetails(entry: PlanEntry): string | undefined {
  if (entry.action === 'remove') return undefined;
  const lines = entry.fields.flatMap(fieldLines);
  if (!lines.length) return undefined;
  const drift = entry.action === 'change' && entry.fields.some((f) => f.drift) ? ' (drift)' : '';
  return [
    `<details><summary>${SYMBOL[entry.action]} ${cell(refText(entry.ref))}${drift}</summary>`,
    '',
    fenced('diff', lines),
    '',
    '</details>'
  ].join('\n');
}

function note(entry: PlanEntry): string {
  if (entry.action === 'add')
    return entry.missing ? 'deleted from the cluster by hand: recreated' : '';
  if (entry.action === 'remove')
    return entry.kept ? 'kept in the cluster (helm.sh/resource-policy: keep)' : 'deleted';
  const drift = entry.fields.filter((f) => f.drift).length;
  const n = entry.fields.length;
  return `${n} field${n === 1 ? '' : 's'}${drift ? `, ${drift} changed in the cluster since the last deploy (drift)` : ''}`;
}

export interface RenderContext {
  /** e.g. `helm v4.1.4`. */
  helm: string;
  /** The chart as given (path or reference). */
  chart: string;
}

/** The whole plan: the marker, a headline, a table of objects, then each object's field diff. */
export function renderPlan(plan: Plan, context: RenderContext): string {
  const head = [
    planMarker(plan.release),
    `### Plan: release \`${plan.release}\` in namespace \`${plan.namespace}\``,
    ''
  ];
  const { failure } = plan;
  if (failure) {
    const where =
      failure.stage === 'render'
        ? `The chart \`${context.chart}\` did not render (${context.helm})`
        : `The API server refused ${failure.object ? `\`${refText(failure.object)}\`` : 'the upgrade'} in a server-side dry run`;
    return [
      ...head,
      `**No plan: ${where}.** Nothing was changed. The reason:`,
      '',
      fenced('', [failure.reason]),
      ''
    ].join('\n');
  }
  const { added, changed, removed } = counts(plan);
  const headline =
    added + changed + removed === 0
      ? `**No changes.** The cluster runs what this chart renders (${plan.unchanged} object${plan.unchanged === 1 ? '' : 's'}).`
      : `**${added} to add, ${changed} to change, ${removed} to remove**, ${plan.unchanged} unchanged${plan.firstInstall ? ' (the release does not exist yet: a first install)' : ''}.`;
  const lines = [...head, headline, ''];
  if (plan.entries.length) {
    lines.push(
      markdownTable(
        ['', 'Kind', 'Namespace', 'Name', ''],
        plan.entries.map((e) => [
          SYMBOL[e.action],
          e.ref.kind,
          e.ref.namespace ?? '',
          e.ref.name,
          note(e)
        ])
      ),
      ''
    );
    for (const entry of plan.entries) {
      const details = entryDetails(entry);
      if (details) lines.push(details, '');
    }
  }
  lines.push(
    `<sub>${context.helm}, server-side dry run: nothing in the cluster was changed and no release revision was recorded. Secret values are never shown.</sub>`,
    ''
  );
  return lines.join('\n');
}

/**
 * The plan cut to fit a comment: at a line boundary, closing an open code fence and
 * `<details>`, then a pointer to where the whole plan is.
 */
export function cutForComment(markdown: string, pointer: string, limit = COMMENT_LIMIT): string {
  if (markdown.length <= limit) return markdown;
  const tail = (fence: string | undefined, details: boolean) =>
    `${fence ? `\n${fence}` : ''}${details ? '\n\n</details>' : ''}\n\n**The plan is cut here (GitHub's comment limit); ${pointer}**\n`;
  // valueText cuts values at MAX_VALUE, so no fence is longer than MAX_VALUE + 1 backticks.
  const worst = tail('`'.repeat(MAX_VALUE + 2), true).length;
  const room = limit - worst;
  const cut = markdown.lastIndexOf('\n', room);
  const kept = markdown.slice(0, cut > 0 ? cut : room);
  let fence: string | undefined;
  let details = false;
  for (const line of kept.split('\n')) {
    const match = /^(`{3,})/.exec(line);
    if (match && (!fence || line === fence)) fence = fence ? undefined : match[1];
    else if (!fence && line.startsWith('<details>')) details = true;
    else if (!fence && line === '</details>') details = false;
  }
  return kept + tail(fence, details);
}
