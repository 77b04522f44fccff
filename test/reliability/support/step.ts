// One workflow step as the runner runs it, with step debug on: main, then post with the saved
// state, in one runner job. Afterwards it reads what a user could see or find — the log as the
// runner renders it, the file commands, and every file left under RUNNER_TEMP — scans all of
// it for the given secrets, records the figures for the report, and removes the job dir.
import { expect } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { runnerLog } from '../../harness/runner-log.js';
import {
  newRunnerJob,
  REPO_ROOT,
  runAction,
  type ActionRun,
  type RunOptions
} from '../../harness/runner.js';
import { recordStep } from './report.js';
import { findSecrets, type SecretFixture, type SecretHit } from './secrets.js';

export const STEP_DEBUG = { RUNNER_DEBUG: '1', ACTIONS_STEP_DEBUG: 'true' };

export interface Step {
  main: ActionRun;
  post: ActionRun;
  /** The log of both steps as the runner shows it with step debug on (masks applied). */
  debugLog: string;
  /** The same log without debug lines: what every user sees. */
  log: string;
  /** Files under RUNNER_TEMP after the post step, relative to it. */
  filesLeft: string[];
  hits: SecretHit[];
}

export interface StepOptions extends RunOptions {
  /** The test file and case, for the report. */
  label: { file: string; step: string };
  secrets: SecretFixture[];
  /** Skip the post step (e.g. to look at what main left for it). */
  skipPost?: boolean;
}

function render(runs: ActionRun[], debug: boolean): string {
  const log = runnerLog({ debug });
  const lines = runs.flatMap((run) => [
    ...log.write(run.stdout.endsWith('\n') || !run.stdout ? run.stdout : `${run.stdout}\n`),
    ...log.write(run.stderr.endsWith('\n') || !run.stderr ? run.stderr : `${run.stderr}\n`)
  ]);
  return [...lines, ...log.flush()].join('\n');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) =>
    statSync(path.join(dir, name)).isFile()
  );
}

export async function runStep(action: string, options: StepOptions): Promise<Step> {
  // Without the bundle the step would "fail" with Node's MODULE_NOT_FOUND: say so instead.
  for (const entry of ['index.js', 'post.js']) {
    const bundle = path.join(REPO_ROOT, 'dist', action, entry);
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run build`);
  }
  const job = newRunnerJob();
  try {
    const run = (entry: 'index' | 'post', onStart?: RunOptions['onStart']) =>
      runAction(job, action, entry, {
        ...options,
        onStart,
        env: { ...STEP_DEBUG, ...options.env }
      });
    const main = await run('index', options.onStart);
    const post = options.skipPost ? main : await run('post');
    const runs = options.skipPost ? [main] : [main, post];
    const filesLeft = filesUnder(job.runnerTemp);
    const debugLog = render(runs, true);
    const texts: Record<string, string> = {
      'log (step debug)': debugLog,
      GITHUB_OUTPUT: readFileSync(job.files.output, 'utf8'),
      GITHUB_ENV: readFileSync(job.files.env, 'utf8'),
      GITHUB_STEP_SUMMARY: readFileSync(job.files.summary, 'utf8'),
      GITHUB_STATE: readFileSync(job.files.state, 'utf8'),
      ...Object.fromEntries(
        filesLeft.map((file) => [
          `RUNNER_TEMP/${file}`,
          readFileSync(path.join(job.runnerTemp, file), 'latin1')
        ])
      )
    };
    const hits = findSecrets(texts, options.secrets);
    recordStep({ ...options.label, secretsFound: hits.length, filesLeft: filesLeft.length });
    return { main, post, debugLog, log: render(runs, false), filesLeft, hits };
  } finally {
    rmSync(job.dir, { recursive: true, force: true });
  }
}

/** A JavaScript stack frame as Node prints it ("    at fn (file.js:1:2)"). */
export const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

/**
 * Top-level RUNNER_TEMP entries @actions/tool-cache names with a UUID: the helm archive and its
 * extraction (finding F3). Counted in the report; tests that are about something else check
 * the rest, and one test checks these.
 */
export const TOOL_DOWNLOAD = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\/|$)/;

/** No secret anywhere, the post step clean, and nothing of the action's own left in RUNNER_TEMP. */
export function expectNothingLeaked(step: Step): void {
  expect(step.hits).toEqual([]);
  expect(step.filesLeft.filter((file) => !TOOL_DOWNLOAD.test(file))).toEqual([]);
  expect({ exitCode: step.post.exitCode, errors: step.post.errors }).toEqual({
    exitCode: 0,
    errors: []
  });
}
