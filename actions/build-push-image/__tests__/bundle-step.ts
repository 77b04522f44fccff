// One workflow step of the build-push-image bundle (test/harness/step.ts) with a registry rig's
// account, and what the bundle tests check of it: the registry's own word on a tag, and that
// the password is nowhere a user or a later step could read it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from '@jest/globals';
import type { RegistryRig } from '../../../test/harness/rigs/registry.js';
import {
  newRunnerJob,
  type ActionRun,
  type RunnerJob,
  type RunOptions
} from '../../../test/harness/runner.js';
import { filesUnder, runStep } from '../../../test/harness/step.js';
import { MANIFEST_ACCEPT } from '../src/registry.js';

export interface Step {
  job: RunnerJob;
  main: ActionRun;
  post: ActionRun;
  /** Files in the step's credential directory between main and post. */
  authFiles: string[];
}

export interface StepOptions {
  registry: RegistryRig;
  /** As the user writes it (the action lowercases it). */
  repository: string;
  sha: string;
  /** The registry host of the image reference; a fault proxy's, say. */
  host?: string;
  inputs?: Record<string, string>;
  /** The engine's environment (DOCKER_HOST, storage config, PATH …) and any override. */
  env: Record<string, string>;
  timeoutMs: number;
  /** Runs the step inside a namespace (the ECR rig's, where its hosts resolve). */
  inside?: RunOptions['inside'];
}

/** Runs main then post as a workflow step with the registry's account; jobs are for cleanup. */
export async function buildStep(options: StepOptions, jobs: RunnerJob[]): Promise<Step> {
  const { registry } = options;
  const job = newRunnerJob();
  jobs.push(job);
  let authFiles: string[] = [];
  const { main, post } = await runStep(
    'build-push-image',
    {
      inputs: {
        image: `${options.host ?? registry.host}/${options.repository}`,
        username: registry.username,
        password: registry.password,
        ...options.inputs
      },
      env: {
        GITHUB_REPOSITORY: options.repository,
        GITHUB_SHA: options.sha,
        GITHUB_ACTOR: 'octocat',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_EVENT_NAME: 'push',
        ...options.env
      },
      timeoutMs: options.timeoutMs,
      inside: options.inside,
      afterMain: (ran) => {
        const authDir = ran.state['auth-dir'];
        authFiles = authDir && existsSync(authDir) ? readdirSync(authDir) : [];
      }
    },
    job
  );
  return { job, main, post, authFiles };
}

/** A /v2/ API call to the registry itself (not through a proxy) with the rig's account. */
export async function registryRequest(
  registry: RegistryRig,
  repository: string,
  apiPath: string,
  method: 'GET' | 'HEAD' = 'GET'
): Promise<Response> {
  const name = repository.toLowerCase();
  const authorization = await registry.authorization(`repository:${name}:pull`);
  return fetch(`${registry.url}/v2/${name}/${apiPath}`, {
    method,
    headers: { Accept: MANIFEST_ACCEPT, Authorization: authorization }
  });
}

export { filesUnder };

/** The secret is in no log line as shown, output, summary or file of the job. */
export function expectNoSecretAnywhere(result: Step, secret: string): void {
  for (const run of [result.main, result.post]) {
    // `::add-mask::` lines are the runner's instruction to hide the value, never shown.
    const shown = (run.stdout + run.stderr)
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'));
    expect(shown.join('\n')).not.toContain(secret);
    expect(JSON.stringify(run.outputs)).not.toContain(secret);
    expect(run.summary).not.toContain(secret);
  }
  for (const file of filesUnder(result.job.dir)) {
    expect(readFileSync(path.join(result.job.dir, file), 'utf8')).not.toContain(secret);
  }
}

export interface LogGroup {
  /** The ::group:: title; undefined for lines outside any group. */
  title?: string;
  lines: string[];
}

/**
 * The log as the runner folds it: runs of lines inside and between ::group::/::endgroup::,
 * in order. Commands the runner consumes (::add-mask::, ::debug::) are left out.
 */
export function logGroups(stdout: string): LogGroup[] {
  const groups: LogGroup[] = [{ lines: [] }];
  for (const line of stdout.split('\n')) {
    if (line.startsWith('::add-mask::') || line.startsWith('::debug::')) continue;
    if (line.startsWith('::group::')) groups.push({ title: line.slice(9), lines: [] });
    else if (line === '::endgroup::') groups.push({ lines: [] });
    else groups[groups.length - 1].lines.push(line);
  }
  return groups.filter((group) => group.title !== undefined || group.lines.some(Boolean));
}
