// When a deploy fails, say why: the release's pods and their reasons, the namespace's recent
// events about the release's objects, the last log lines of containers that ran and failed,
// and helm's history. Collected as data (never throws: what cannot be read is listed as a
// problem), rendered by pure functions for the log (grouped) and the job summary (Markdown).
import * as core from '@actions/core';
import { markdownTable } from '../../../shared/src/summary.js';
import type { HelmCli } from '../helm-cli.js';
import type { KubeClient } from './client.js';
import { releaseSelector } from './fail-fast.js';
import {
  classifyPod,
  describePodFailure,
  type FailFastRules,
  type PodFailure
} from './pod-failure.js';
import { readHistory, type ReleaseTarget } from './recover.js';
import type { HelmRevision } from './release-plan.js';
import type { KubeEvent, KubeObject, Pod } from './types.js';

export interface PodSummary {
  name: string;
  phase: string;
  /** "1/2": ready containers / containers. */
  ready: string;
  restarts: number;
  reason: string;
  node: string;
}

export interface EventLine {
  time: string;
  type: string;
  reason: string;
  /** "Pod/web-7d4-x2": the object the event is about. */
  object: string;
  message: string;
  count: number;
}

export interface ContainerLog {
  pod: string;
  container: string;
  /** The log of the previous (crashed) instance, which is where a crash loop explains itself. */
  previous: boolean;
  text: string;
}

export interface Diagnostics {
  target: ReleaseTarget;
  failure?: PodFailure;
  pods: PodSummary[];
  events: EventLine[];
  logs: ContainerLog[];
  history: HelmRevision[];
  /** What could not be collected, and why. */
  problems: string[];
}

export interface DiagnosticsOptions {
  tailLines?: number;
  eventLimit?: number;
  logLimit?: number;
  now?: number;
}

// Everything a pod can show is worth reporting once the deploy failed: no grace periods.
const REPORT_EVERYTHING: FailFastRules = {
  crashLoopRestarts: 0,
  unschedulableMs: 0,
  configErrorMs: 0
};

/** One row per pod; the reason is the most specific one the pod shows. Pure. */
export function summarizePod(pod: Pod, now: number): PodSummary {
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? [])
  ];
  const main = pod.status?.containerStatuses ?? [];
  const failure = classifyPod(pod, now, REPORT_EVERYTHING);
  const waiting = statuses.find((s) => s.state?.waiting?.reason)?.state?.waiting;
  const terminated = statuses.find((s) => s.state?.terminated && s.state.terminated.exitCode !== 0)
    ?.state?.terminated;
  const unready = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'False');
  // A container that exited with an error says more than its neighbours' PodInitializing.
  const reason = failure
    ? `${failure.reason}: ${failure.message}`
    : terminated
      ? `${terminated.reason ?? 'Terminated'} (exit code ${terminated.exitCode})`
      : waiting
        ? `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`
        : (pod.status?.reason ?? unready?.message ?? '');
  return {
    name: pod.metadata?.name ?? '',
    phase: pod.metadata?.deletionTimestamp ? 'Terminating' : (pod.status?.phase ?? 'Unknown'),
    ready: `${main.filter((s) => s.ready).length}/${main.length}`,
    restarts: statuses.reduce((sum, s) => sum + (s.restartCount ?? 0), 0),
    reason,
    node: pod.spec?.nodeName ?? ''
  };
}

function eventTime(event: KubeEvent): string {
  return (
    event.lastTimestamp ??
    event.series?.lastObservedTime ??
    event.eventTime ??
    event.firstTimestamp ??
    event.metadata?.creationTimestamp ??
    ''
  );
}

/** The events about the release's objects, oldest first, the last `limit` of them. Pure. */
export function releaseEvents(
  events: KubeEvent[],
  objectNames: ReadonlySet<string>,
  limit: number
): EventLine[] {
  return events
    .filter((e) => objectNames.has(e.involvedObject?.name ?? ''))
    .map((e) => ({
      time: eventTime(e),
      type: e.type ?? '',
      reason: e.reason ?? '',
      object: `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`,
      message: (e.message ?? '').trim(),
      count: e.series?.count ?? e.count ?? 1
    }))
    .sort((a, b) => a.time.localeCompare(b.time))
    .slice(-limit);
}

/**
 * Containers whose logs explain something: those that crashed (previous instance) or
 * stopped with an error, or run without becoming ready. Containers that never started
 * (image pull errors) have no logs. Pure.
 */
export function containersToLog(pods: Pod[], limit: number): Array<Omit<ContainerLog, 'text'>> {
  const picked: Array<Omit<ContainerLog, 'text'>> = [];
  for (const pod of pods) {
    const statuses = [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? [])
    ];
    for (const status of statuses) {
      const podName = pod.metadata?.name ?? '';
      const failedNow = status.state?.terminated && status.state.terminated.exitCode !== 0;
      if ((status.restartCount ?? 0) > 0)
        picked.push({ pod: podName, container: status.name, previous: true });
      else if (failedNow || (status.state?.running && status.ready === false)) {
        picked.push({ pod: podName, container: status.name, previous: false });
      }
    }
  }
  return picked.slice(0, limit);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const RELATED_KINDS = [
  '/api/v1/namespaces/{ns}/services',
  '/apis/apps/v1/namespaces/{ns}/deployments',
  '/apis/apps/v1/namespaces/{ns}/replicasets',
  '/apis/apps/v1/namespaces/{ns}/statefulsets',
  '/apis/batch/v1/namespaces/{ns}/jobs',
  '/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses'
];

export async function collectDiagnostics(
  client: KubeClient,
  helm: HelmCli,
  target: ReleaseTarget,
  failure?: PodFailure,
  options: DiagnosticsOptions = {}
): Promise<Diagnostics> {
  const now = options.now ?? Date.now();
  const ns = encodeURIComponent(target.namespace);
  const selector = { labelSelector: releaseSelector(target.release) };
  const problems: string[] = [];
  const attempt = async <T>(what: string, operation: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await operation();
    } catch (error) {
      problems.push(`${what}: ${message(error)}`);
      return fallback;
    }
  };

  const [pods, related, events, history] = await Promise.all([
    attempt(
      'pods',
      async () => (await client.list<Pod>(`/api/v1/namespaces/${ns}/pods`, selector)).items,
      []
    ),
    Promise.all(
      RELATED_KINDS.map((path) =>
        // Best effort: these only widen the event filter, a missing API is not a problem.
        client.list<KubeObject>(path.replace('{ns}', ns), selector).then(
          (list) => list.items,
          () => [] as KubeObject[]
        )
      )
    ),
    attempt(
      'events',
      async () =>
        (await client.list<KubeEvent>(`/api/v1/namespaces/${ns}/events`, { limit: 1000 })).items,
      []
    ),
    attempt('helm history', () => readHistory(helm, target, client), [])
  ]);

  const names = new Set([...pods, ...related.flat()].map((o) => o.metadata?.name ?? ''));
  const logs = await Promise.all(
    containersToLog(pods, options.logLimit ?? 3).map(async (c) => ({
      ...c,
      text: await attempt(
        `logs of ${c.pod}/${c.container}`,
        () =>
          client.getText(`/api/v1/namespaces/${ns}/pods/${encodeURIComponent(c.pod)}/log`, {
            container: c.container,
            tailLines: options.tailLines ?? 40,
            previous: c.previous || undefined
          }),
        ''
      )
    }))
  );

  return {
    target,
    failure,
    pods: pods.map((pod) => summarizePod(pod, now)),
    events: releaseEvents(events, names, options.eventLimit ?? 25),
    logs,
    history,
    problems
  };
}

export interface LogSection {
  title: string;
  lines: string[];
}

function clock(time: string): string {
  return /T(\d\d:\d\d:\d\d)/.exec(time)?.[1] ?? time;
}

/** The sections of the log, one collapsible group each. Pure. */
export function diagnosticsLogSections(d: Diagnostics): LogSection[] {
  const { release, namespace } = d.target;
  const sections: LogSection[] = [
    {
      title: `Pods of release ${release} in ${namespace}`,
      lines: d.pods.length
        ? d.pods.map(
            (p) =>
              `${p.name}  ${p.phase}  ready ${p.ready}  restarts ${p.restarts}${p.reason ? `  ${p.reason}` : ''}`
          )
        : ['(no pods with label ' + releaseSelector(release) + ')']
    },
    {
      title: 'Recent events',
      lines: d.events.length
        ? d.events.map(
            (e) =>
              `${clock(e.time)}  ${e.type}  ${e.reason}  ${e.object}: ${e.message}${e.count > 1 ? ` (x${e.count})` : ''}`
          )
        : ["(none about the release's objects)"]
    },
    ...d.logs.map((l) => ({
      title: `Logs of ${l.pod}/${l.container}${l.previous ? ' (previous instance)' : ''}`,
      lines: l.text ? l.text.replace(/\n$/, '').split('\n') : ['(empty)']
    })),
    {
      title: 'helm history',
      lines: d.history.length
        ? d.history.map(
            (r) =>
              `${r.revision}  ${r.updated ?? ''}  ${r.status}  ${r.chart}  ${r.app_version}  ${r.description}`
          )
        : ['(no release)']
    }
  ];
  if (d.problems.length) sections.push({ title: 'Could not collect', lines: d.problems });
  return sections;
}

/** Groups in the log; the step's one ::error:: stays with the caller's ActionError. */
export function logDiagnostics(d: Diagnostics): void {
  if (d.failure) core.info(`Deploy stopped early: ${describePodFailure(d.failure)}`);
  for (const section of diagnosticsLogSections(d)) {
    core.startGroup(section.title);
    for (const line of section.lines) core.info(line);
    core.endGroup();
  }
}

/** A fence longer than any backtick run in the text, so logs cannot break out of it. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text.replace(/\n$/, '')}\n${fence}`;
}

/** The job summary's failure section (Markdown). Pure. */
export function renderDiagnosticsSummary(d: Diagnostics): string {
  const { release, namespace } = d.target;
  const parts = [`### Deploy of \`${release}\` to \`${namespace}\` failed`];
  if (d.failure) parts.push(`**Stopped early:** ${describePodFailure(d.failure)}`);
  parts.push(
    '#### Pods',
    d.pods.length
      ? markdownTable(
          ['Pod', 'Phase', 'Ready', 'Restarts', 'Reason'],
          d.pods.map((p) => [p.name, p.phase, p.ready, String(p.restarts), p.reason])
        )
      : `No pods with label \`${releaseSelector(release)}\`.`
  );
  parts.push(
    '#### Recent events',
    d.events.length
      ? markdownTable(
          ['Time', 'Type', 'Reason', 'Object', 'Message'],
          d.events.map((e) => [
            clock(e.time),
            e.type,
            e.reason,
            e.object,
            e.count > 1 ? `${e.message} (x${e.count})` : e.message
          ])
        )
      : "No events about the release's objects."
  );
  if (d.logs.length) {
    parts.push(
      '#### Container logs',
      ...d.logs.map(
        (l) =>
          `<details><summary>${l.pod}/${l.container}${l.previous ? ' (previous instance)' : ''}</summary>\n\n${fenced(l.text || '(empty)')}\n\n</details>`
      )
    );
  }
  parts.push(
    '#### helm history',
    d.history.length
      ? markdownTable(
          ['Revision', 'Updated', 'Status', 'Chart', 'App version', 'Description'],
          d.history.map((r) => [
            String(r.revision),
            r.updated ?? '',
            r.status,
            r.chart,
            r.app_version,
            r.description
          ])
        )
      : 'No release recorded.'
  );
  if (d.problems.length)
    parts.push('#### Could not collect', d.problems.map((p) => `- ${p}`).join('\n'));
  return parts.join('\n\n') + '\n';
}
