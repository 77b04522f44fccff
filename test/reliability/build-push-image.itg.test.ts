// build-push-image against a real dockerd and a real registry behind the loopback fault proxy,
// with step debug on. A registry that answers 503 and 429 (with Retry-After) in bursts and
// drops connections must not fail the step; one that keeps failing must fail it once, clearly,
// after the retries, without building twice. Every step — also a wrong password and an image
// that does not build — is scanned for the registry password: zero hits, zero files left.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureBaseImage } from '../harness/rigs/base-image.js';
import { startEngine, type EngineRig } from '../harness/rigs/engine.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../harness/rigs/fault-proxy.js';
import { startRegistry, type RegistryRig } from '../harness/rigs/registry.js';
import { runStep, STACK_FRAME, type Step } from './support/step.js';

// Generous: this machine's load, not the action, decides how long real helm/dockerd take.
jest.setTimeout(300_000);

const REPOSITORY = 'example-org/demo-app';
let engine: EngineRig;
let registry: RegistryRig;
const proxies: FaultProxy[] = [];
let scratch: string;

beforeAll(async () => {
  [registry, engine] = await Promise.all([startRegistry(), startEngine()]);
  await ensureBaseImage(engine);
  scratch = mkdtempSync(path.join(os.tmpdir(), 'reliability-build-'));
}, 600_000);

afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.stop()));
  await Promise.all([engine?.stop(), registry?.stop()]);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function proxy(rules: FaultRule[]): Promise<FaultProxy> {
  const started = await startFaultProxy(registry.url, rules);
  proxies.push(started);
  return started;
}

/** One build-push-image step against `host` (the registry or a proxy in front of it). */
function build(
  name: string,
  host: string,
  inputs: Record<string, string> = {},
  env: Record<string, string> = {}
): Promise<Step & { sha: string }> {
  const sha = randomBytes(20).toString('hex');
  const password = inputs.password ?? registry.password;
  return runStep('build-push-image', {
    label: { file: 'build-push-image', step: name },
    inputs: {
      image: `${host}/${REPOSITORY}`,
      username: registry.username,
      password: registry.password,
      ...inputs
    },
    env: {
      ...engine.env,
      GITHUB_REPOSITORY: REPOSITORY,
      GITHUB_SHA: sha,
      GITHUB_ACTOR: 'octocat',
      GITHUB_EVENT_NAME: 'push',
      ...env
    },
    secrets: [
      { name: 'registry password', value: password },
      { name: 'docker auth (user:password)', value: `${registry.username}:${password}` }
    ],
    timeoutMs: 240_000
  }).then((step) => ({ ...step, sha }));
}

/** The digest the registry itself holds for a tag (asked directly, not through a proxy). */
async function registryDigest(tag: string): Promise<string | null> {
  const answer = await fetch(`${registry.url}/v2/${REPOSITORY}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      Accept: 'application/vnd.docker.distribution.manifest.v2+json',
      Authorization: await registry.authorization(`repository:${REPOSITORY}:pull`)
    }
  });
  return answer.status === 200 ? answer.headers.get('docker-content-digest') : null;
}

const builds = (step: Step) => step.main.stdout.split('\n').filter((l) => l === '::group::Build');

function expectNothingLeaked(step: Step): void {
  expect(step.hits).toEqual([]);
  expect(step.filesLeft).toEqual([]);
  expect(step.post.exitCode).toBe(0);
  expect(step.post.errors).toEqual([]);
}

describe('build-push-image through a failing registry', () => {
  test('503 and 429 + Retry-After bursts and dropped connections: the push still succeeds, built once', async () => {
    const faulty = await proxy([
      // skip-existing's question: rate limited, then the connection dropped.
      {
        match: { method: 'HEAD', path: /\/manifests\// },
        times: 1,
        respond: { status: 429, headers: { 'Retry-After': '1' } }
      },
      { match: { method: 'HEAD', path: /\/manifests\// }, times: 1, drop: true },
      // docker push: a burst of 503 on upload starts, a dropped blob upload, a 503 on the manifest.
      {
        match: { method: 'POST', path: /\/blobs\/uploads\/$/ },
        times: 3,
        respond: { status: 503 }
      },
      { match: { method: 'PATCH', path: /\/blobs\/uploads\// }, times: 1, drop: true },
      { match: { method: 'PUT', path: /\/manifests\// }, times: 2, respond: { status: 503 } },
      {
        match: { method: 'PUT', path: /\/manifests\// },
        times: 1,
        respond: { status: 429, headers: { 'Retry-After': '1' } }
      }
    ]);
    const step = await build('faults: bursts and drops, then success', faulty.host);
    expect(step.main.errors).toEqual([]);
    expect(step.main.exitCode).toBe(0);
    expect(faulty.hits.filter((hit) => hit.faulted).length).toBeGreaterThanOrEqual(6);
    expect(step.main.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(step.main.outputs.digest).toBe(await registryDigest(step.sha));
    expect(builds(step)).toHaveLength(1);
    expectNothingLeaked(step);
  });

  test('a registry that keeps answering 503 to the manifest: one clear ::error:: after the retries, no rebuild', async () => {
    const down = await proxy([
      { match: { method: 'PUT', path: /\/manifests\// }, times: 1000, respond: { status: 503 } }
    ]);
    const step = await build('faults: manifest 503 for good', down.host);
    expect(step.main.exitCode).toBe(1);
    expect(step.main.errors).toHaveLength(1);
    expect(step.main.errors[0]).toMatch(
      /^push 127\.0\.0\.1:\d+\/example-org\/demo-app:[0-9a-f]+ failed/
    );
    expect(step.main.errors[0]).toMatch(/kept failing after retries; re-run the job later/);
    const attempts = down.hits.filter((hit) => hit.faulted && hit.method === 'PUT').length;
    expect(attempts).toBeGreaterThan(1);
    expect(builds(step)).toHaveLength(1);
    expect(step.log).not.toMatch(STACK_FRAME);
    expect(await registryDigest(step.sha)).toBeNull();
    expectNothingLeaked(step);
  });
});

describe('build-push-image failures never show the password', () => {
  test('a wrong password: one ::error:: naming the fix, the password nowhere', async () => {
    const step = await build('wrong registry password', registry.host, {
      password: `wrong-${randomBytes(8).toString('hex')}`
    });
    expect(step.main.exitCode).toBe(1);
    expect(step.main.errors).toHaveLength(1);
    expect(step.main.errors[0]).toMatch(/rejected the username and password/);
    expect(step.log).not.toMatch(STACK_FRAME);
    expectNothingLeaked(step);
  });

  test('an image that does not build: one ::error:: with the build output, no push, no secret', async () => {
    const dockerfile = path.join(scratch, 'Broken.Dockerfile');
    writeFileSync(dockerfile, 'FROM python:3.11-slim\nRUN echo "no such step" && exit 3\n');
    // The scratch directory is the step's workspace: a Dockerfile outside it is refused.
    const step = await build(
      'image that does not build',
      registry.host,
      { file: dockerfile, context: scratch },
      { GITHUB_WORKSPACE: scratch }
    );
    expect(step.main.exitCode).toBe(1);
    expect(step.main.errors).toHaveLength(1);
    expect(step.main.errors[0]).toMatch(/exit code: 3|returned a non-zero code: 3|exit 3/);
    expect(step.log).not.toMatch(STACK_FRAME);
    expect(await registryDigest(step.sha)).toBeNull();
    expectNothingLeaked(step);
  });
});
