import * as exec from '@actions/exec';

export interface RunOptions {
  env?: Record<string, string>;
  /** Written to the process's stdin (e.g. a password for --password-stdin). */
  input?: string;
  cwd?: string;
  /** Keep the command's output out of the log (it is still returned). */
  silent?: boolean;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * The one way both actions start processes: always an argument array, never a shell
 * string, and a non-zero exit is returned, not thrown, so callers can explain it.
 */
export interface ProcessRunner {
  run(command: string, args: string[], options?: RunOptions): Promise<RunResult>;
}

export const processRunner: ProcessRunner = {
  async run(command, args, options = {}) {
    const result = await exec.getExecOutput(command, args, {
      ignoreReturnCode: true,
      silent: options.silent ?? false,
      cwd: options.cwd,
      env: options.env ? { ...(process.env as Record<string, string>), ...options.env } : undefined,
      input: options.input === undefined ? undefined : Buffer.from(options.input)
    });
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  }
};
