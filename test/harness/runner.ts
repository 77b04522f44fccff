// Runs a bundled action the way the GitHub runner does: inputs as INPUT_* variables, file
// commands (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV, GITHUB_STEP_SUMMARY) in a fresh
// RUNNER_TEMP, and the post step fed the state the main step saved.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** PATH without any directory that has the command in it, e.g. a runner without `aws`. */
export function pathWithout(command: string): string {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => dir && !existsSync(path.join(dir, command)))
    .join(path.delimiter);
}

export interface RunnerJob {
  /** Holds RUNNER_TEMP and the file-command files; tests inspect it after the post step. */
  dir: string;
  runnerTemp: string;
  files: { output: string; state: string; env: string; summary: string };
}

export interface ActionRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  /** `::error::` messages, decoded. */
  errors: string[];
}

export interface RunOptions {
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  /** Called with the child process once it started (e.g. to send it SIGTERM). */
  onStart?: (child: import('node:child_process').ChildProcess) => void;
  timeoutMs?: number;
  /** Sees the step's output as it comes (the local pipeline shows progress with it). */
  onOutput?: (chunk: string) => void;
  /** Where the bundles are (default: the repository's dist/); the bench runs a snapshot. */
  distDir?: string;
  /**
   * Wraps the step's `node <script>` command, e.g. a network namespace's `inside` (netns.ts),
   * to run the step where the rig's hosts resolve.
   */
  inside?: (command: string, args: string[]) => [string, string[]];
}

export function newRunnerJob(): RunnerJob {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'runner-job-'));
  const runnerTemp = path.join(dir, 'temp');
  mkdirSync(runnerTemp);
  const files = {
    output: path.join(dir, 'output'),
    state: path.join(dir, 'state'),
    env: path.join(dir, 'env'),
    summary: path.join(dir, 'summary.md')
  };
  for (const file of Object.values(files)) writeFileSync(file, '');
  return { dir, runnerTemp, files };
}

/** Parses the runner's `name<<DELIM\nvalue\nDELIM` file-command format. */
export function parseFileCommand(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) body.push(lines[i]);
      values[name] = body.join('\n');
    } else if (lines[i].includes('=')) {
      const eq = lines[i].indexOf('=');
      values[lines[i].slice(0, eq)] = lines[i].slice(eq + 1);
    }
  }
  return values;
}

function decodeCommandData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function killGroup(pid: number | undefined): void {
  try {
    if (pid) process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is gone already: the step ended as its time ran out.
  }
}

/** The environment variable name the runner uses for an input. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * Runs `dist/<action>/<entry>.js` as a runner step. The post step sees the state the main
 * step saved (STATE_*), like the runner does.
 */
export function runAction(
  job: RunnerJob,
  action: string,
  entry: 'index' | 'post',
  options: RunOptions = {}
): Promise<ActionRun> {
  const state = parseFileCommand(readFileSync(job.files.state, 'utf8'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? os.homedir(),
    RUNNER_TEMP: job.runnerTemp,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: os.arch() === 'arm64' ? 'ARM64' : 'X64',
    RUNNER_TOOL_CACHE: path.join(job.dir, 'toolcache'),
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: job.files.output,
    GITHUB_STATE: job.files.state,
    GITHUB_ENV: job.files.env,
    GITHUB_STEP_SUMMARY: job.files.summary,
    GITHUB_WORKSPACE: REPO_ROOT,
    ...Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v])),
    ...Object.fromEntries(
      Object.entries(options.inputs ?? {}).map(([k, v]) => [inputVariable(k), v])
    ),
    ...options.env
  };
  const script = path.join(options.distDir ?? path.join(REPO_ROOT, 'dist'), action, `${entry}.js`);
  return new Promise((resolve, reject) => {
    // Its own process group, so a step over its time limit is killed with its children (helm,
    // aws), as the runner kills a timed-out step's process tree.
    const [command, args] = options.inside
      ? options.inside(process.execPath, [script])
      : [process.execPath, [script]];
    const child = spawn(command, args, { env, cwd: REPO_ROOT, detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      options.onOutput?.(String(chunk));
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      options.onOutput?.(String(chunk));
    });
    const timer = options.timeoutMs
      ? setTimeout(() => killGroup(child.pid), options.timeoutMs)
      : undefined;
    options.onStart?.(child);
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      if (timer) clearTimeout(timer);
      resolve({
        exitCode,
        signal,
        stdout,
        stderr,
        outputs: parseFileCommand(readFileSync(job.files.output, 'utf8')),
        state: parseFileCommand(readFileSync(job.files.state, 'utf8')),
        summary: readFileSync(job.files.summary, 'utf8'),
        errors: stdout
          .split('\n')
          .filter((line) => line.startsWith('::error'))
          .map((line) => decodeCommandData(line.slice(line.indexOf('::', 2) + 2)))
      });
    });
  });
}
