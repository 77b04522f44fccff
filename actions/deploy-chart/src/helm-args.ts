import type { DryRun, Inputs } from './inputs.js';

/** What one `helm upgrade --install` does, resolved from the inputs (namespace, values files). */
export interface DeployPlan {
  release: string;
  chart: string;
  namespace: string;
  /** The values inputs in order, then the file written from `set` (last, so it wins). */
  valuesFiles: string[];
  timeout: string;
  /** When helm is stopped if its own --timeout did not end it (see helmDeadlineMs). */
  helmDeadlineMs: number;
  wait: boolean;
  rollbackOnFailure: boolean;
  createNamespace: boolean;
  dryRun: DryRun;
  extraArgs: string[];
}

/**
 * helm may run up to 2 × timeout (the wait, then a rollback) plus its own API calls, which
 * client-go does not time out: a hung API server would hold it until the job's 6-hour limit.
 * Past this deadline it is stopped. It lies inside the 2 × timeout + 1m during which the next
 * run treats a pending release as live (recoveryRules), so that rule holds. Pure.
 */
export function helmDeadlineMs(timeoutMs: number): number {
  return 2 * timeoutMs + 30_000;
}

export function planDeploy(inputs: Inputs, namespace: string, setValuesFile?: string): DeployPlan {
  return {
    release: inputs.release,
    chart: inputs.chart,
    namespace,
    valuesFiles: setValuesFile ? [...inputs.valuesFiles, setValuesFile] : inputs.valuesFiles,
    timeout: inputs.timeout,
    helmDeadlineMs: helmDeadlineMs(inputs.timeoutMs),
    wait: inputs.wait,
    rollbackOnFailure: inputs.rollbackOnFailure,
    createNamespace: inputs.createNamespace,
    dryRun: inputs.dryRun,
    extraArgs: inputs.extraArgs
  };
}

/** Flags helm 4 renamed, as [helm 3, helm 4]; extra-args written for either major work on both. */
export const RENAMED_FLAGS: Array<[string, string]> = [['--force', '--force-replace']];

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
  args.push(...translateFlags(plan.extraArgs, major).args);
  return args;
}
