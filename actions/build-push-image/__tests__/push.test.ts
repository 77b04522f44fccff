import { describe, expect, test } from '@jest/globals';
import { NO_BUILD_OPTIONS } from '../src/build-options.js';
import type { RunResult } from '../../shared/src/exec.js';
import type { BuildPlan } from '../src/build-args.js';
import { pushImage } from '../src/push.js';
import { scriptedRunner } from './fakes.js';

const plan: BuildPlan = {
  refs: ['127.0.0.1:5000/o/app:abc', '127.0.0.1:5000/o/app:latest'],
  context: 'image',
  file: 'image/Dockerfile',
  buildArgs: [],
  labels: [],
  platforms: [],
  provenance: false,
  options: NO_BUILD_OPTIONS
};
const context = { registry: '127.0.0.1:5000', name: '127.0.0.1:5000/o/app', eventName: 'push' };
const env = { DOCKER_CONFIG: '/tmp/auth' };
const fail = (stderr: string): Partial<RunResult> => ({ exitCode: 1, stderr });
const ok: Partial<RunResult> = {};

async function push(
  results: Array<Partial<RunResult>>,
  hint?: number,
  engine = { kind: 'docker' as const, bin: 'docker' }
) {
  const runner = scriptedRunner(results);
  const sleeps: number[] = [];
  let hintsAsked = 0;
  const outcome = await pushImage(runner, engine, plan, env, context, {
    retryAfterHint: async () => {
      hintsAsked++;
      return hint;
    },
    sleep: async (ms) => void sleeps.push(ms)
  }).catch((error: unknown) => error);
  return { runner, sleeps, hintsAsked, outcome };
}

describe('pushImage', () => {
  test('pushes every tag with the step credentials', async () => {
    const { runner, outcome } = await push([ok, ok]);
    expect(outcome).toBeUndefined();
    expect(runner.calls.map((c) => [c.command, ...c.args])).toEqual([
      ['docker', 'push', '127.0.0.1:5000/o/app:abc'],
      ['docker', 'push', '127.0.0.1:5000/o/app:latest']
    ]);
    expect(runner.calls.every((c) => c.options?.env === env)).toBe(true);
  });

  test('retries 503 twice and a 429 with the registry Retry-After, then succeeds', async () => {
    const { runner, sleeps, hintsAsked, outcome } = await push(
      [
        fail('received unexpected HTTP status: 503 Service Unavailable'),
        fail('received unexpected HTTP status: 503 Service Unavailable'),
        fail('toomanyrequests: slow down'),
        ok,
        ok
      ],
      7000
    );
    expect(outcome).toBeUndefined();
    expect(runner.calls).toHaveLength(5);
    expect(hintsAsked).toBe(1);
    expect(sleeps).toHaveLength(3);
    expect(sleeps[2]).toBe(7000);
    expect(sleeps[0]).toBeGreaterThanOrEqual(500);
    expect(sleeps[0]).toBeLessThanOrEqual(1000);
  });

  test.each([
    // after a login that worked: the token may not write (it was blamed on the password)
    ['unauthorized: authentication required', /accepted the login but refused the push/],
    ['denied: permission_denied: write_package', /may not push to 127.0.0.1:5000\/o\/app/]
  ])('never retries a refusal: %s', async (stderr, hint) => {
    const { runner, sleeps, outcome } = await push([fail(stderr)]);
    expect(runner.calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(String(outcome)).toMatch(/^ActionError: push 127.0.0.1:5000\/o\/app:abc failed: /);
    expect(String(outcome)).toMatch(hint);
  });

  test('gives up after five attempts and explains', async () => {
    const { runner, outcome } = await push(
      Array.from({ length: 5 }, () => fail('connection refused'))
    );
    expect(runner.calls).toHaveLength(5);
    expect(String(outcome)).toMatch(/kept failing after retries/);
  });

  test('buildx with several platforms pushes once, from the builder', async () => {
    const multi = scriptedRunner([ok]);
    await pushImage(
      multi,
      { kind: 'buildx', bin: 'docker' },
      { ...plan, platforms: ['linux/amd64', 'linux/arm64'] },
      env,
      context,
      {
        retryAfterHint: async () => undefined
      }
    );
    expect(multi.calls).toHaveLength(1);
    expect(multi.calls[0].args).toContain('--push');
  });
});
