// When a deploy fails, say why: the release's pods and their reasons, the namespace's recent
// events about the release's objects, the last log lines of containers that ran and failed,
// and helm's history. Collected as data (never throws: what cannot be read is listed as a
// problem), rendered by pure functions for the log (grouped) and the job summary (Markdown).
import * as core from '@actions/core';
import { markdownTable } from '../../../shared/src/summary.js';
import type { HelmCli } from '../helm-cli.js';
import type { KubeClient } from './client.js';
import { objectEvents, objectEventsBy } from './events.js';
import { readWorkload } from './fail-fast.js';
import { Permissions } from './permissions.js';
import {
  classifyPod,
  describePodFailure,
  eventTimeMicros,
  REPORT_EVERYTHING,
  type PodFailure
} from './pod-failure.js';
import { readHistory } from './recover.js';
import { readLatestRecord } from './release-history.js';
import { planRolloutWatch, releaseObjects, type ManifestObject } from './release-objects.js';
import type { HelmRevision, ReleaseTarget } from './release-plan.js';
import type { KubeEvent, Pod } from './types.js';

interface PodSummary {
  name: string;
  phase: string;
  /** "1/2": ready containers / containers. */
  ready: string;
  restarts: number;
  reason: string;
  node: string;
}

interface EventLine {
  time: string;
  type: string;
  reason: string;
  /** "Pod/web-7d4-x2": the object the event is about. */
  object: string;
  message: string;
  count: number;
}

interface ContainerLog {
  pod: string;
  container: string;
  /** The log of the previous (crashed) instance, which is where a crash loop explains itself. */
  previous: boolean;
  text: string;
}

interface Diagnostics {
  target: ReleaseTarget;
  failure?: PodFailure;
  pods: PodSummary[];
  events: EventLine[];
  logs: ContainerLog[];
  history: HelmRevision[];
  /** What could not be collected, and why. */
  problems: string[];
}

interface DiagnosticsOptions {
  tailLines?: number;
  eventLimit?: number;
  logLimit?: number;
  now?: number;
  /** When this deploy started (epoch ms): older events belong to an earlier rollout. */
  since?: number;
  /** Shared with fail-fast, so a missing permission is named once. */
  permissions?: Permissions;
}

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
  const micros = eventTimeMicros(event);
  return micros ? new Date(micros / 1000).toISOString() : '';
}

/**
 * The events about the release's objects (by uid, or by kind and name), oldest first by
 * their real time (events.k8s.io events have only a microsecond `eventTime`), without those
 * from before `since` (the previous rollout's), the last `limit` of them. Pure.
 */
export function releaseEvents(
  events: KubeEvent[],
  about: { uids: ReadonlySet<string>; names: ReadonlySet<string> },
  limit: number,
  since = 0
): EventLine[] {
  const seen = new Set<string>();
  return events
    .filter((e) => {
      const key = e.metadata?.uid ?? `${e.involvedObject?.uid}/${e.reason}/${e.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      const object = e.involvedObject ?? {};
      const ours =
        about.uids.has(object.uid ?? '') || about.names.has(`${object.kind}/${object.name}`);
      // core/v1 events (the kubelet's, kwok's) have whole-second times: one in the second the
      // deploy started is this deploy's, though its time reads a fraction earlier.
      return ours && eventTimeMicros(e) >= Math.floor(since / 1000) * 1_000_000;
    })
    .sort((a, b) => eventTimeMicros(a) - eventTimeMicros(b))
    .map((e) => ({
      time: eventTime(e),
      type: e.type ?? '',
      reason: e.reason ?? '',
      object: `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`,
      message: (e.message ?? '').trim(),
      count: e.series?.count ?? e.count ?? 1
    }))
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

/** Kinds whose events say why a release is not ready (beyond its pods and ReplicaSets). */
const EVENTFUL_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'Service',
  'Ingress',
  'PersistentVolumeClaim',
  'HorizontalPodAutoscaler'
]);

/** At most this many objects' events are read (each is one request or a few pages). */
const MAX_EVENT_OBJECTS = 30;

export async function collectDiagnostics(
  client: KubeClient,
  helm: HelmCli,
  target: ReleaseTarget,
  failure?: PodFailure,
  options: DiagnosticsOptions = {}
): Promise<Diagnostics> {
  const now = options.now ?? Date.now();
  const ns = target.namespace;
  const permissions = options.permissions ?? new Permissions(ns);
  const problems: string[] = [];
  const attempt = async <T>(what: string, operation: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await operation();
    } catch (error) {
      problems.push(`${what}: ${message(error)}`);
      return fallback;
    }
  };

  const [objects, history] = await Promise.all([
    attempt(
      'release record',
      async () => {
        const record = await readLatestRecord(client, target);
        return record ? releaseObjects(record, ns) : [];
      },
      [] as ManifestObject[]
    ),
    attempt('helm history', () => readHistory(helm, target, client), [])
  ]);
  const workloads = await Promise.all(
    planRolloutWatch(objects).workloads.map((w) =>
      attempt(`${w.kind}/${w.name}`, () => readWorkload(client, w), undefined)
    )
  );
  const rollouts = workloads.flatMap((w) => (w ? [w.rollout] : []));
  const pods = rollouts.flatMap((r) => [...r.pods, ...(r.blocking ?? [])]);
  const owners = rollouts.flatMap((r) => (r.replicaSet ? [r.replicaSet] : []));

  const byUid = [...pods, ...owners].map((o) => o.metadata?.uid ?? '').filter(Boolean);
  const byName = objects.filter((o) => EVENTFUL_KINDS.has(o.kind));
  const noEvents = 'the diagnostics have no events';
  const events = (
    await attempt(
      'events',
      () =>
        Promise.all([
          ...byUid
            .slice(0, MAX_EVENT_OBJECTS)
            .map((uid) =>
              permissions.attempt('list events', noEvents, [], () => objectEvents(client, ns, uid))
            ),
          ...byName
            .slice(0, MAX_EVENT_OBJECTS)
            .map((o) =>
              permissions.attempt('list events', noEvents, [], () =>
                objectEventsBy(client, ns, o.kind, o.name)
              )
            )
        ]),
      [] as KubeEvent[][]
    )
  ).flat();

  // One at a time: a 403 for the first is named once and spares the others.
  const logs: ContainerLog[] = [];
  for (const c of containersToLog(pods, options.logLimit ?? 3)) {
    const text = await attempt(
      `logs of ${c.pod}/${c.container}`,
      () =>
        permissions.attempt(
          'get pods/log',
          'the diagnostics have no container logs',
          '(no permission to read pod logs)',
          () =>
            client.getText(
              `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(c.pod)}/log`,
              {
                container: c.container,
                tailLines: options.tailLines ?? 40,
                previous: c.previous || undefined
              }
            )
        ),
      ''
    );
    logs.push({ ...c, text });
  }

  return {
    target,
    failure,
    pods: pods.map((pod) => summarizePod(pod, now)),
    events: releaseEvents(
      events,
      {
        uids: new Set(byUid),
        names: new Set(byName.map((o) => `${o.kind}/${o.name}`))
      },
      options.eventLimit ?? 25,
      options.since ?? 0
    ),
    logs,
    history,
    problems
  };
}

interface LogSection {
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
        : ["(no pods in the release's rollout)"]
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
      : "No pods in the release's rollout."
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
