// One workflow step (test/harness/step.ts) with step debug on. Afterwards it reads what a user
// could see or find — the log as the runner renders it, the file commands, and every file left
// under RUNNER_TEMP — scans all of it for the given secrets, records the figures for the
// report, and removes the job dir.
import { expect } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { newRunnerJob, type ActionRun } from '../../harness/runner.js';
import {
  filesUnder,
  renderLog,
  runStep as runHarnessStep,
  STEP_DEBUG,
  type StepOptions as HarnessStepOptions
} from '../../harness/step.js';
import { recordStep } from './report.js';
import { findSecrets, type SecretFixture, type SecretHit } from './secrets.js';

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

export interface StepOptions extends HarnessStepOptions {
  /** The test file and case, for the report. */
  label: { file: string; step: string };
  secrets: SecretFixture[];
}

export async function runStep(action: string, options: StepOptions): Promise<Step> {
  const { label, secrets, ...run } = options;
  const job = newRunnerJob();
  try {
    const env = { ...STEP_DEBUG, ...run.env };
    const { main, post, runs } = await runHarnessStep(action, { ...run, env }, job);
    const filesLeft = filesUnder(job.runnerTemp);
    const debugLog = renderLog(runs, true);
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
    const hits = findSecrets(texts, secrets);
    recordStep({ ...label, secretsFound: hits.length, filesLeft: filesLeft.length });
    return { main, post, debugLog, log: renderLog(runs, false), filesLeft, hits };
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
