// One workflow step as the runner runs it: the action's main, then its post with the state main
// saved, in one runner job (runner.ts). The bundle tests, the reliability suite and the local
// pipeline all run steps through this; what they check afterwards is theirs.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { runnerLog } from './runner-log.js';
import {
  newRunnerJob,
  REPO_ROOT,
  runAction,
  type ActionRun,
  type RunnerJob,
  type RunOptions
} from './runner.js';

/** The runner's environment with step debug on (a repository's ACTIONS_STEP_DEBUG secret). */
export const STEP_DEBUG = { RUNNER_DEBUG: '1', ACTIONS_STEP_DEBUG: 'true' };

export interface StepOptions extends RunOptions {
  /** Skip the post step (e.g. to look at what main left for it); `post` is then `main`. */
  skipPost?: boolean;
  /** Called between main and post, e.g. to list what main left for post. */
  afterMain?: (main: ActionRun, job: RunnerJob) => void;
}

export interface Step {
  /** The step's job directory; the caller removes it when done. */
  job: RunnerJob;
  main: ActionRun;
  post: ActionRun;
  /** The runs in order: main and post, or main alone when the post step was skipped. */
  runs: ActionRun[];
}

/**
 * Runs `dist/<action>/index.js`, then `post.js`, as one step of a job (a fresh one unless
 * handed in). `onStart` sees the main step's process only.
 */
export async function runStep(
  action: string,
  options: StepOptions = {},
  job: RunnerJob = newRunnerJob()
): Promise<Step> {
  // Without the bundle the step would "fail" with Node's MODULE_NOT_FOUND: say so instead.
  const dist = options.distDir ?? path.join(REPO_ROOT, 'dist');
  for (const entry of ['index.js', 'post.js']) {
    const bundle = path.join(dist, action, entry);
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run build`);
  }
  const { skipPost, afterMain, ...run } = options;
  const main = await runAction(job, action, 'index', run);
  afterMain?.(main, job);
  const post = skipPost
    ? main
    : await runAction(job, action, 'post', { ...run, onStart: undefined });
  return { job, main, post, runs: skipPost ? [main] : [main, post] };
}

/** The runs' log as the runner shows it (masks applied; debug lines only when asked for). */
export function renderLog(runs: ActionRun[], debug: boolean): string {
  const log = runnerLog({ debug });
  const lines = runs.flatMap((run) => [
    ...log.write(run.stdout.endsWith('\n') || !run.stdout ? run.stdout : `${run.stdout}\n`),
    ...log.write(run.stderr.endsWith('\n') || !run.stderr ? run.stderr : `${run.stderr}\n`)
  ]);
  return [...lines, ...log.flush()].join('\n');
}

/** Every file under dir, relative to it (e.g. what a step left in RUNNER_TEMP). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) =>
    statSync(path.join(dir, name)).isFile()
  );
}
