// The bundle run as the runner runs it (dist/build-push-image/index.js, then post.js)
// against a real dockerd and a real registry with basic auth. One engine and one registry
// for the whole file; each case uses its own commit SHA so cases do not see each other's tags.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ensureBaseImage } from '../../../test/harness/rigs/base-image.js';
import { startEngine, type EngineRig } from '../../../test/harness/rigs/engine.js';
import { startFaultProxy, type FaultProxy } from '../../../test/harness/rigs/fault-proxy.js';
import { startRegistry, type RegistryRig } from '../../../test/harness/rigs/registry.js';
import type { RunnerJob } from '../../../test/harness/runner.js';
import {
  buildStep,
  expectNoSecretAnywhere,
  filesUnder,
  logGroups,
  registryRequest,
  type Step
} from './bundle-step.js';

const REPOSITORY = 'Example-Org/Demo-App';
let engine: EngineRig | undefined;
let registry: RegistryRig | undefined;
const jobs: RunnerJob[] = [];

beforeAll(async () => {
  registry = await startRegistry();
  engine = await startEngine();
  await ensureBaseImage(engine); // the first run on a machine makes the rootfs (~1-2 min)
}, 600_000);

afterAll(async () => {
  await engine?.stop();
  await registry?.stop();
  for (const job of jobs) rmSync(job.dir, { recursive: true, force: true });
});

const rig = () => {
  if (!engine || !registry) throw new Error('the rig did not start; see beforeAll');
  return { engine, registry };
};
const newSha = () => randomBytes(20).toString('hex');

/** Runs main then post in one runner job, as a workflow step with the registry's account. */
function step(options: {
  sha: string;
  host?: string;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
}): Promise<Step> {
  const { engine, registry } = rig();
  return buildStep(
    {
      ...options,
      registry,
      repository: REPOSITORY,
      env: { ...engine.env, GITHUB_EVENT_NAME: 'workflow_dispatch', ...options.env },
      timeoutMs: 300_000
    },
    jobs
  );
}

/** What the registry itself says the tag's digest is, asked directly (not through a proxy). */
async function registryDigest(tag: string): Promise<string | null> {
  const response = await registryRequest(rig().registry, REPOSITORY, `manifests/${tag}`, 'HEAD');
  return response.status === 200 ? response.headers.get('docker-content-digest') : null;
}

describe('build-push-image bundle against a real engine and registry', () => {
  const sha = newSha();
  let first: Step;

  test('builds, pushes every tag, and outputs the registry digest; upper-case owner is lowered', async () => {
    first = await step({ sha, inputs: { tags: 'latest' } });
    const { main } = first;
    expect(main.errors).toEqual([]);
    expect(main.exitCode).toBe(0);
    const name = `${rig().registry.host}/example-org/demo-app`;
    expect(main.stdout).toContain(`::notice::image: registries want lower case; using ${name}`);
    const digest = await registryDigest(sha);
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await registryDigest('latest')).toBe(digest);
    expect(main.outputs).toEqual({
      image: `${name}:${sha}`,
      digest,
      'image-ref': `${name}@${digest}`,
      tags: `${name}:${sha}\n${name}:latest`,
      skipped: 'false',
      metadata: '' // classic docker writes no buildx metadata
    });
    expect(main.summary).toContain('| Result | built and pushed |');
    expect(main.summary).toContain(`docker pull ${name}@${digest}`);
    expect(main.summary).toMatch(/\| Size \| [\d.]+ (KiB|MiB) compressed \|/);
    const labels = JSON.parse(
      (
        await rig().engine.docker([
          'image',
          'inspect',
          '--format',
          '{{json .Config.Labels}}',
          `${name}:${sha}`
        ])
      ).stdout
    );
    expect(labels).toMatchObject({
      'org.opencontainers.image.source': `https://github.com/${REPOSITORY}`,
      'org.opencontainers.image.revision': sha
    });
  });

  test('logged in to a step-owned config that the post step removes; the password is never shown', () => {
    expect(first.authFiles).toContain('config.json');
    expect(first.post.exitCode).toBe(0);
    expect(first.post.errors).toEqual([]);
    expect(existsSync(first.main.state['auth-dir'])).toBe(false);
    expect(filesUnder(first.job.runnerTemp)).toEqual([]);
    expectNoSecretAnywhere(first, rig().registry.password);
  });

  test("each group holds its own lines: the registry's answer in Check the registry, the login in Log in", () => {
    const groups = logGroups(first.main.stdout).filter((group) => group.title);
    expect(groups.map((group) => group.title)).toEqual([
      'Check the registry',
      'Log in',
      'Build',
      'Push'
    ]);
    // Outside the groups: only the notice about the lowered name, before them.
    const outside = logGroups(first.main.stdout).filter((group) => !group.title);
    expect(outside.flatMap((group) => group.lines).filter(Boolean)).toEqual([
      expect.stringMatching(/^::notice::image: registries want lower case/)
    ]);
    const [check, login] = groups;
    expect(check.lines).toEqual([
      expect.stringMatching(
        /^127\.0\.0\.1:\d+\/example-org\/demo-app:[0-9a-f]{40} is not in the registry yet$/
      )
    ]);
    expect(login.lines).toEqual([
      expect.stringMatching(/^docker login to 127\.0\.0\.1:\d+ as rig-user \(password on stdin\)$/),
      expect.stringMatching(/^logged in; the credentials are in .*, which the post step removes$/)
    ]);
    for (const group of groups) expect(group.lines.join('').trim()).not.toBe('');
  });

  test('a second run of the same commit skips without touching the engine, same digest', async () => {
    // No engine at all: any build or login would fail, so success means it was skipped.
    const again = await step({
      sha,
      inputs: { tags: 'latest' },
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }
    });
    expect(again.main.errors).toEqual([]);
    expect(again.main.outputs.skipped).toBe('true');
    expect(again.main.outputs.digest).toBe(first.main.outputs.digest);
    expect(again.main.outputs['image-ref']).toBe(first.main.outputs['image-ref']);
    expect(again.main.summary).toContain('| Result | skipped |');
    expect(again.main.summary).toMatch(
      /already exists as sha256:[0-9a-f]{64}; set force: true to rebuild/
    );
    expect(again.main.state['auth-dir']).toBeUndefined();
    expect(again.post.exitCode).toBe(0);
  });

  test('force rebuilds and pushes again', async () => {
    const forced = await step({ sha, inputs: { force: 'true' } });
    expect(forced.main.errors).toEqual([]);
    expect(forced.main.outputs.skipped).toBe('false');
    expect(forced.main.summary).toContain('force is true');
    expect(forced.main.outputs.digest).toBe(await registryDigest(sha));
  });

  test('push: false builds locally, logs in nowhere and reports no digest', async () => {
    const local = await step({ sha: newSha(), inputs: { push: 'false', password: '' } });
    expect(local.main.errors).toEqual([]);
    expect(local.main.outputs).toMatchObject({ digest: '', 'image-ref': '', skipped: 'false' });
    expect(local.main.state['auth-dir']).toBeUndefined();
    expect(local.main.summary).toContain('| Result | built |');
    const name = `${rig().registry.host}/example-org/demo-app`;
    await rig().engine.docker(['image', 'inspect', local.main.outputs.image]);
    expect(local.main.outputs.image.startsWith(`${name}:`)).toBe(true);
  });

  test('a wrong password fails once, clearly, without showing it', async () => {
    const wrong = 'wrong-password-1234';
    const refused = await step({ sha: newSha(), inputs: { password: wrong } });
    expect(refused.main.exitCode).toBe(1);
    expect(refused.main.errors).toHaveLength(1);
    expect(refused.main.errors[0]).toMatch(
      /^checking .*example-org\/demo-app in the registry failed: registry answered 401/
    );
    expect(refused.main.errors[0]).toMatch(/rejected the username and password/);
    expect(refused.main.stdout + refused.main.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expectNoSecretAnywhere(refused, wrong);
  });

  test('a docker without buildx while DOCKER_BUILDKIT=1: the error says buildx is missing and what to do', async () => {
    // docker 28's CLI has no buildx plugin here, and the engine rig sets DOCKER_BUILDKIT=1.
    const bin = mkdtempSync(path.join(os.tmpdir(), 'no-buildx-'));
    try {
      symlinkSync('/usr/local/bin/docker', path.join(bin, 'docker'));
      const run = await step({
        sha: newSha(),
        env: { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` }
      });
      expect(run.main.exitCode).toBe(1);
      expect(run.main.errors).toEqual([
        expect.stringMatching(
          /^docker build failed with exit code 1: ERROR: BuildKit is enabled but the buildx component is missing/
        )
      ]);
      expect(run.main.errors[0]).toMatch(
        /docker has no buildx plugin.*docker\/setup-buildx-action/s
      );
      expect(run.main.errors[0]).not.toMatch(/Dockerfile step/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  describe('through a registry that fails', () => {
    let proxy: FaultProxy | undefined;
    afterAll(async () => proxy?.stop());

    test.each([
      [401, 'UNAUTHORIZED', 'authentication required'],
      [403, 'DENIED', 'requested access to the resource is denied']
    ])(
      'a registry that accepts the login but answers %i to the push: blamed on push rights, not on the password',
      async (status, code, message) => {
        const refusing = await startFaultProxy(rig().registry.url, [
          {
            match: { method: 'POST', path: /\/blobs\/uploads\// },
            times: 1000,
            respond: { status, body: JSON.stringify({ errors: [{ code, message }] }) }
          },
          {
            match: { method: 'PUT', path: /\/manifests\// },
            times: 1000,
            respond: { status, body: JSON.stringify({ errors: [{ code, message }] }) }
          }
        ]);
        try {
          const result = await step({ sha: newSha(), host: refusing.host });
          expect(result.main.exitCode).toBe(1);
          expect(result.main.errors).toHaveLength(1);
          expect(result.main.errors[0]).toMatch(
            /^push 127\.0\.0\.1:\d+\/example-org\/demo-app:[0-9a-f]+ failed: /
          );
          expect(result.main.errors[0]).toMatch(
            /accepted the login but refused the push: the username and password \(token\) are valid but lack push rights/
          );
          expect(result.main.errors[0]).not.toMatch(/rejected the username and password/);
          expect(result.main.stdout).toMatch(/::group::Log in\ndocker login to .*\nlogged in;/);
          expectNoSecretAnywhere(result, rig().registry.password);
        } finally {
          await refusing.stop();
        }
      }
    );

    test('a rate limit with Retry-After on login and 503 twice on the manifest: retried, and the push succeeds', async () => {
      proxy = await startFaultProxy(rig().registry.url, [
        // A rate-limited registry answers everything 429: docker login's pings (dockerd 20.10
        // sends two), then our question, which learns the Retry-After.
        {
          match: { method: 'GET', path: /^\/v2\/$/ },
          times: 3,
          respond: { status: 429, headers: { 'Retry-After': '2' } }
        },
        { match: { method: 'PUT', path: /\/manifests\// }, times: 2, respond: { status: 503 } }
      ]);
      const sha2 = newSha();
      const result = await step({ sha: sha2, host: proxy.host });
      expect(result.main.errors).toEqual([]);
      expect(result.main.exitCode).toBe(0);
      expect(result.main.stdout).toMatch(
        /docker login to 127\.0\.0\.1:\d+ failed \(rate-limited\); attempt 2 in 2\.0s/
      );
      expect(result.main.stdout).toMatch(
        /push 127\.0\.0\.1:\d+\/example-org\/demo-app:[0-9a-f]+ failed \(server\); attempt 3 in/
      );
      expect(proxy.hits.filter((hit) => hit.faulted)).toHaveLength(5);
      expect(result.main.outputs.digest).toBe(await registryDigest(sha2));
      expect(result.main.outputs.skipped).toBe('false');
    });
  });
});
