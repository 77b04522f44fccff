import { spawn } from 'node:child_process';
import type { RunOptions, RunResult } from '../../shared/src/exec.js';
import { KILL_GRACE_MS } from './budget.js';

export interface HelmRunOptions extends RunOptions {
  /**
   * Aborting sends helm SIGTERM (fail-fast, runner cancellation). helm ≥ 3.7 catches it, marks
   * the release failed and exits; run() still resolves with its exit code and output.
   */
  signal?: AbortSignal;
}

/** The helm binary the deploy uses; an object so tests can hand in a fake or a real one. */
export interface HelmCli {
  /** Absolute path of the helm binary. */
  readonly path: string;
  /** 3 or 4: flags differ between majors (e.g. --atomic vs --rollback-on-failure). */
  readonly major: 3 | 4;
  /** The variables every helm process gets (KUBECONFIG=<the normalized file>, AWS keys by cluster-name); never a flag. */
  readonly env: Record<string, string>;
  /** Runs helm with KUBECONFIG (and only through the environment) set to the normalized file. */
  run(args: string[], options?: HelmRunOptions): Promise<RunResult>;
}

/** Exit code of a process killed by a signal, as a shell reports it (SIGTERM → 143). */
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = {
  SIGTERM: 143,
  SIGINT: 130,
  SIGKILL: 137
};

export function createHelmCli(
  path: string,
  major: 3 | 4,
  kubeconfigPath: string,
  /** SIGTERM → SIGKILL (TimeBudget.killGraceMs). */
  killAfterMs = KILL_GRACE_MS,
  extraEnv: Record<string, string> = {},
  /** helm's working directory: the workspace, the base the path inputs were checked against. */
  cwd?: string
): HelmCli {
  const env = { ...extraEnv, KUBECONFIG: kubeconfigPath };
  return {
    path,
    major,
    env,
    run: (args, options = {}) =>
      new Promise((resolve, reject) => {
        const child = spawn(path, args, {
          cwd: options.cwd ?? cwd,
          env: { ...process.env, ...env, ...options.env },
          signal: options.signal,
          killSignal: 'SIGTERM',
          stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']
        });
        let stdout = '';
        let stderr = '';
        let started = true;
        // Output goes to the log as it comes (the runner masks secrets there), unless silent.
        child.stdout?.on('data', (chunk: Buffer) => {
          stdout += chunk;
          if (!options.silent) process.stdout.write(chunk);
        });
        child.stderr?.on('data', (chunk: Buffer) => {
          stderr += chunk;
          if (!options.silent) process.stdout.write(chunk);
        });
        child.on('error', (error: NodeJS.ErrnoException) => {
          // An abort is reported here too; the 'close' that follows carries the outcome.
          if (error.name === 'AbortError') return;
          started = false;
          reject(new Error(`cannot run ${path}: ${error.message}`, { cause: error }));
        });
        child.on('close', (code, signal) => {
          if (!started) return;
          resolve({ exitCode: code ?? (signal ? (SIGNAL_EXIT[signal] ?? 1) : 1), stdout, stderr });
        });
        options.signal?.addEventListener(
          'abort',
          () => {
            const kill = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
            child.once('close', () => clearTimeout(kill));
          },
          { once: true }
        );
        if (options.input !== undefined) {
          child.stdin?.on('error', () => {}); // helm may exit before reading it: its exit code says why
          child.stdin?.end(options.input);
        }
      })
  };
}
