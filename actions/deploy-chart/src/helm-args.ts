import type { TimeBudget } from './budget.js';
import type { DryRun, Inputs } from './inputs.js';

/** What one `helm upgrade --install` does, resolved from the inputs (namespace, values files). */
export interface DeployPlan {
  release: string;
  chart: string;
  namespace: string;
  /** The values inputs, in order. */
  valuesFiles: string[];
  /** The `set` lines as --set / --set-file arguments (see set-values.ts); helm applies them last. */
  setArgs: string[];
  timeout: string;
  /** When helm is stopped if its own --timeout did not end it (TimeBudget.helmDeadlineMs). */
  helmDeadlineMs: number;
  wait: boolean;
  rollbackOnFailure: boolean;
  createNamespace: boolean;
  dryRun: DryRun;
  extraArgs: string[];
}

export function planDeploy(
  inputs: Inputs,
  namespace: string,
  setArgs: string[],
  time: TimeBudget
): DeployPlan {
  return {
    release: inputs.release,
    chart: inputs.chart,
    namespace,
    valuesFiles: inputs.valuesFiles,
    setArgs,
    timeout: inputs.timeout,
    helmDeadlineMs: time.helmDeadlineMs,
    wait: inputs.wait,
    rollbackOnFailure: inputs.rollbackOnFailure,
    createNamespace: inputs.createNamespace,
    dryRun: inputs.dryRun,
    extraArgs: inputs.extraArgs
  };
}

/** Flags helm 4 renamed, as [helm 3, helm 4]; extra-args written for either major work on both. */
const RENAMED_FLAGS: Array<[string, string]> = [['--force', '--force-replace']];

export function translateFlags(
  args: string[],
  major: 3 | 4
): { args: string[]; renamed: string[] } {
  const renamed: string[] = [];
  const translated = args.map((arg) => {
    for (const [v3, v4] of RENAMED_FLAGS) {
      const [from, to] = major === 4 ? [v3, v4] : [v4, v3];
      if (arg === from || arg.startsWith(`${from}=`)) {
        renamed.push(`${from} → ${to} (helm ${major})`);
        return to + arg.slice(from.length);
      }
    }
    return arg;
  });
  return { args: translated, renamed };
}

/**
 * `helm upgrade --install` for a major. Helm 3 → 4: `--atomic` became `--rollback-on-failure`,
 * `--wait` takes a strategy (bare `--wait` = `watcher`, kstatus-based; the default
 * `hookOnly` waits for nothing but hooks) and `--force` became `--force-replace`.
 * A dry run waits for nothing and rolls nothing back.
 */
export function upgradeArgs(plan: DeployPlan, major: 3 | 4): string[] {
  const args = ['upgrade', plan.release, plan.chart, '--install', '--namespace', plan.namespace];
  args.push('--timeout', plan.timeout);
  if (plan.dryRun !== 'none') {
    args.push(`--dry-run=${plan.dryRun}`);
  } else {
    if (plan.wait) args.push(major === 4 ? '--wait=watcher' : '--wait');
    if (plan.rollbackOnFailure) args.push(major === 4 ? '--rollback-on-failure' : '--atomic');
  }
  if (plan.createNamespace) args.push('--create-namespace');
  for (const file of plan.valuesFiles) args.push('--values', file);
  args.push(...plan.setArgs);
  args.push(...translateFlags(plan.extraArgs, major).args);
  return args;
}

/** Flags whose value may be a secret: the chart repository's password, or a value for the chart. */
const SECRET_VALUE_FLAGS = ['--password'];
const SECRET_SET_FLAGS = ['--set', '--set-string', '--set-json', '--set-literal'];

/**
 * helm's arguments for the log: `--set key=***`, `--password ***`. The keys and every other
 * flag stay readable; --set-file names only a file. Pure.
 */
export function commandLineForLog(args: string[]): string {
  const hidden = (flag: string, value: string) => {
    if (!SECRET_SET_FLAGS.includes(flag)) return '***';
    const key = /^(?:[^=\\]|\\.)+=/s.exec(value);
    return key ? `${key[0]}***` : '***';
  };
  return args
    .map((arg, i) => {
      const previous = args[i - 1];
      if (SECRET_VALUE_FLAGS.includes(previous) || SECRET_SET_FLAGS.includes(previous)) {
        return hidden(previous, arg);
      }
      const flag = arg.split('=', 1)[0];
      if (arg !== flag && [...SECRET_VALUE_FLAGS, ...SECRET_SET_FLAGS].includes(flag)) {
        return `${flag}=${hidden(flag, arg.slice(flag.length + 1))}`;
      }
      return arg;
    })
    .join(' ');
}
