// The thin shell around each measured run: a bundle step through the runner harness, or a raw
// command, with every output line stamped with the milliseconds since the process started.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { runAction, type ActionRun, type RunnerJob } from '../../test/harness/runner.js';
import { splitLines, type TimedLine } from './phases.js';

export interface TimedResult {
  ok: boolean;
  /** Process start to exit. */
  elapsedMs: number;
  lines: TimedLine[];
  /** The last lines of output, for an error message when a run fails. */
  tail: string;
}

function lineRecorder(started: number): { lines: TimedLine[]; take(chunk: string): void } {
  const lines: TimedLine[] = [];
  let partial = '';
  return {
    lines,
    take(chunk) {
      const atMs = performance.now() - started;
      const { complete, rest } = splitLines(partial + chunk);
      partial = rest;
      for (const text of complete) lines.push({ atMs, text });
    }
  };
}

function tailOf(lines: TimedLine[]): string {
  return lines
    .slice(-8)
    .map((line) => line.text)
    .join('\n');
}

/** BENCH_TRACE=1 shows each bundle run's log with its timestamps (to place phase markers). */
function traceLines(what: string, lines: TimedLine[], elapsedMs: number): void {
  for (const line of lines)
    console.log(`  ${what} ${line.atMs.toFixed(0).padStart(6)} ${line.text.slice(0, 150)}`);
  console.log(`  ${what} ${elapsedMs.toFixed(0).padStart(6)} (exit)`);
}

export async function timedAction(
  job: RunnerJob,
  action: string,
  entry: 'index' | 'post',
  options: { inputs: Record<string, string>; env: Record<string, string>; distDir: string }
): Promise<TimedResult & { run: ActionRun }> {
  const started = performance.now();
  const recorder = lineRecorder(started);
  const run = await runAction(job, action, entry, { ...options, onOutput: recorder.take });
  const elapsedMs = performance.now() - started;
  if (process.env.BENCH_TRACE === '1') traceLines(`${action}/${entry}`, recorder.lines, elapsedMs);
  return {
    ok: run.exitCode === 0,
    elapsedMs,
    lines: recorder.lines,
    tail: run.errors.join('\n') || tailOf(recorder.lines),
    run
  };
}

export function timedCommand(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; input?: string; cwd?: string } = {}
): Promise<TimedResult> {
  const started = performance.now();
  const recorder = lineRecorder(started);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...options.env },
      cwd: options.cwd
    });
    child.stdout.on('data', (chunk) => recorder.take(String(chunk)));
    child.stderr.on('data', (chunk) => recorder.take(String(chunk)));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        ok: code === 0,
        elapsedMs: performance.now() - started,
        lines: recorder.lines,
        tail: tailOf(recorder.lines)
      })
    );
    child.stdin.end(options.input ?? '');
  });
}
