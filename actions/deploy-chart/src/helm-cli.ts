import type { RunOptions, RunResult } from '../../shared/src/exec.js';

/** The helm binary the deploy uses; an object so tests can hand in a fake or a real one. */
export interface HelmCli {
  /** Absolute path of the helm binary. */
  readonly path: string;
  /** 3 or 4: flags differ between majors (e.g. --atomic vs --rollback-on-failure). */
  readonly major: 3 | 4;
  /** Runs helm with KUBECONFIG (and only through the environment) set to the normalized file. */
  run(args: string[], options?: RunOptions): Promise<RunResult>;
}
