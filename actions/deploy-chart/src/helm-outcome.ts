// What one `helm upgrade --install` came to, read from its output and how it ended, and what
// to tell the user about it. The one place that reads helm's `Error:` lines. Pure.
import { ActionError } from '../../shared/src/errors.js';
import type { RunResult } from '../../shared/src/exec.js';
import { isTransientClusterError } from './cluster/client.js';
import { describePodFailure, type PodFailure } from './cluster/pod-failure.js';
import type { DeployPlan } from './helm-args.js';

/** helm's own error: its last `Error:` line and what follows, not the warnings before. Pure. */
export function helmError(helmOutput: string): string | undefined {
  const lines = helmOutput.split(/\r?\n/);
  const start = lines.findLastIndex((line) => line.startsWith('Error: '));
  return start < 0 ? undefined : lines.slice(start).join('\n');
}

/** Kinds helm 4's watcher reads without a CRD; anything else in its list is a custom resource. */
const BUILT_IN_KINDS = new Set(
  (
    'ConfigMap Secret Service ServiceAccount Pod PersistentVolumeClaim PersistentVolume Namespace ' +
    'Endpoints LimitRange ResourceQuota Deployment ReplicaSet StatefulSet DaemonSet Job CronJob ' +
    'Ingress IngressClass NetworkPolicy HorizontalPodAutoscaler PodDisruptionBudget Role ' +
    'RoleBinding ClusterRole ClusterRoleBinding CustomResourceDefinition StorageClass PriorityClass'
  ).split(' ')
);

/**
 * Whether helm failed because the API server was unavailable: judged from helm's own error,
 * not from the warnings it retried past. helm 4's watcher that lost the API server ends with
 * every resource `not ready. status: Unknown` (never observed); a rollout that is merely slow
 * or broken shows InProgress or Failed. Custom resources read `Unknown` too when kstatus has
 * no rule for their kind (or their CRD was created a moment before): when only those are
 * Unknown, the API server was there. Pure.
 */
export function helmHitTransientClusterError(helmOutput: string): boolean {
  const error = helmError(helmOutput);
  if (error === undefined) return false;
  const resources = [...error.matchAll(/resource (\w+)\/\S+ not ready\. status: (\w+)/g)];
  if (resources.length) {
    return (
      resources.every(([, , status]) => status === 'Unknown') &&
      resources.some(([, kind]) => BUILT_IN_KINDS.has(kind))
    );
  }
  return isTransientClusterError(error);
}

/** A helm failure whose cause is one of our inputs, as an error that names the input. */
interface ExplainedFailure {
  message: string;
  hint: string;
}

const SCHEMA_FAILURE = /values don't meet the specifications of the schema/;

/**
 * Value paths helm's schema errors name: helm 3 `- a.b: reason` (`(root)` for the top),
 * helm 4 `- at '/a/b': reason`. A missing property is named by its own path.
 */
export function schemaErrorPaths(stderr: string): string[] {
  const paths = new Set<string>();
  for (const line of stderr.split(/\r?\n/)) {
    const helm4 = /^\s*-\s+at '\/?([^']*)':\s*(.*)$/.exec(line);
    const helm3 = /^\s*-\s+([A-Za-z0-9_.[\]()-]+):\s*(.*)$/.exec(line);
    const match = helm4 ?? helm3;
    if (!match) continue;
    const parent = helm4
      ? match[1].split('/').filter(Boolean)
      : [match[1]].filter((p) => p !== '(root)');
    const missing =
      /missing propert(?:y|ies) '([^']+)'/.exec(match[2])?.[1] ??
      /^([A-Za-z0-9_-]+) is required/.exec(match[2])?.[1];
    const full = missing ? [...parent, missing] : parent;
    paths.add(full.length ? full.join('.') : '(root)');
  }
  return [...paths];
}

/** helm's --set parser meeting a values file's key of another shape (a panic it recovers). */
const SET_SHAPE_FAILURE =
  /(Error: failed parsing --set(?:-file)? data: unable to parse key: interface conversion: interface \{\} is (.+?), not (.+?))\s*$/m;

const shape = (goType: string) =>
  goType.startsWith('map[') ? 'map' : goType.startsWith('[]') ? 'list' : 'plain value';

export function explainHelmFailure(stderr: string): ExplainedFailure | undefined {
  const setShape = SET_SHAPE_FAILURE.exec(stderr);
  if (setShape) {
    const [, line, is, wanted] = setShape;
    return {
      message: `set/values: a set line goes into a key that a values file sets to a ${shape(is)}, where the line needs a ${shape(wanted)} (helm applies set over the values files); change that key in the values file, or the set line`,
      hint: line
    };
  }
  if (!SCHEMA_FAILURE.test(stderr)) return undefined;
  const paths = schemaErrorPaths(stderr);
  return {
    message: `set/values: the chart's values.schema.json refuses ${paths.length ? paths.join(', ') : 'the values'}; fix ${paths.length === 1 ? 'that key' : 'those keys'} in the set input or the values files`,
    hint: stderr
      .split(/\r?\n/)
      .filter((line) => /^\s*-\s/.test(line))
      .join('\n')
  };
}

/** How one helm run ended, beside its exit code and output. */
export interface HelmRun {
  result: RunResult;
  /** The rollout failure fail-fast saw (helm was stopped for it). */
  failure?: PodFailure;
  /** helm was still running at the plan's deadline and was stopped. */
  overran: boolean;
  /** The termination signal the runner sent (helm was stopped for it). */
  signal?: string;
}

/** What a helm run came to: one of these, in this order of precedence. */
export type HelmOutcome =
  | { kind: 'deployed' }
  | { kind: 'stopped-early'; failure: PodFailure }
  | { kind: 'overran' }
  | { kind: 'cancelled'; signal: string }
  | { kind: 'refused-values'; explained: ExplainedFailure }
  | { kind: 'cluster-unavailable'; error: string; output: string }
  | { kind: 'failed'; exitCode: number; output: string };

/** The one classification of a helm run. Pure. */
export function classifyHelmRun(run: HelmRun): HelmOutcome {
  const { result, failure, overran, signal } = run;
  if (result.exitCode === 0 && !signal && !failure && !overran) return { kind: 'deployed' };
  if (failure) return { kind: 'stopped-early', failure };
  if (overran) return { kind: 'overran' };
  if (signal) return { kind: 'cancelled', signal };
  const explained = explainHelmFailure(result.stderr);
  if (explained) return { kind: 'refused-values', explained };
  if (helmHitTransientClusterError(result.stderr)) {
    return {
      kind: 'cluster-unavailable',
      error: helmError(result.stderr)!.split('\n')[0],
      output: result.stderr
    };
  }
  return { kind: 'failed', exitCode: result.exitCode, output: result.stderr || result.stdout };
}

/** The last lines of helm's output: where its own error is. */
export function lastLines(text: string, count = 15): string {
  return text.trim().split(/\r?\n/).slice(-count).join('\n');
}

const formatSeconds = (ms: number) => `${Math.round(ms / 1000)}s`;

type Failed = Exclude<HelmOutcome, { kind: 'deployed' }>;

/** The error a failed deploy ends with, one per outcome. Pure. */
export function explainOutcome(outcome: Failed, plan: DeployPlan): ActionError {
  const { release } = plan;
  switch (outcome.kind) {
    case 'stopped-early':
      return new ActionError(
        `deploy of ${release} stopped early: ${describePodFailure(outcome.failure)}`,
        'helm was stopped instead of waiting for the timeout; see the diagnostics above and in the job summary.'
      );
    case 'overran':
      return new ActionError(
        `deploy of ${release}: helm was still running ${formatSeconds(plan.helmDeadlineMs)} after it started, past its own --timeout ${plan.timeout} (twice, for a rollback); it was stopped and the release is not left pending`,
        'helm was waiting on the Kubernetes API server without an answer: check the control plane and the network to it, then re-run the job.'
      );
    case 'cancelled':
      return new ActionError(
        `deploy of ${release} was cancelled (${outcome.signal}); helm was stopped and the release is not left pending`
      );
    case 'refused-values':
      return new ActionError(outcome.explained.message, outcome.explained.hint);
    case 'cluster-unavailable':
      return new ActionError(
        `deploy of ${release} failed: the Kubernetes API server was unavailable while helm was working (restarting, or cutting or refusing connections), also when helm ran again; the release is not left pending. Re-run the job; if it keeps happening, check the cluster's control plane (an EKS version upgrade?)`,
        lastLines(outcome.output)
      );
    case 'failed':
      return new ActionError(
        `helm upgrade ${release} (namespace ${plan.namespace}) failed with exit code ${outcome.exitCode}`,
        lastLines(outcome.output)
      );
  }
}
