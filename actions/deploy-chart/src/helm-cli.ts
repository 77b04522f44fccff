import { processRunner, type ProcessRunner } from '../../shared/src/exec.js';
import type { RunOptions, RunResult } from '../../shared/src/exec.js';

/** The helm binary the deploy uses; an object so tests can hand in a fake or a real one. */
export interface HelmCli {
  /** Absolute path of the helm binary. */
  readonly path: string;
  /** 3 or 4: flags differ between majors (e.g. --atomic vs --rollback-on-failure). */
  readonly major: 3 | 4;
  /**
   * The variables every helm process needs (KUBECONFIG=<the normalized file>), for callers
   * that spawn `path` themselves (e.g. to signal it). Never passed as a flag.
   */
  readonly env: Record<string, string>;
  /** Runs helm with KUBECONFIG (and only through the environment) set to the normalized file. */
  run(args: string[], options?: RunOptions): Promise<RunResult>;
}

export function createHelmCli(
  path: string,
  major: 3 | 4,
  kubeconfigPath: string,
  runner: ProcessRunner = processRunner
): HelmCli {
  const env = { KUBECONFIG: kubeconfigPath };
  return {
    path,
    major,
    env,
    run: (args, options = {}) =>
      runner.run(path, args, { ...options, env: { ...env, ...options.env } })
  };
}
