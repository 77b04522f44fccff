// The bundle run as the runner runs it on a machine whose docker does not answer: it must
// fall back to podman, and to buildah where podman is not installed either, build
// image/Dockerfile with the real tool, push to a real registry with basic auth, and leave
// no credentials behind. One image store and one registry for the whole file.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  importBaseImage,
  startDaemonless,
  type DaemonlessRig,
  type DaemonlessTool
} from '../../../test/harness/rigs/daemonless.js';
import { startFaultProxy, type FaultProxy } from '../../../test/harness/rigs/fault-proxy.js';
import { startRegistry, type RegistryRig } from '../../../test/harness/rigs/registry.js';
import type { RunnerJob } from '../../../test/harness/runner.js';
import { buildStep, expectNoSecretAnywhere, registryRequest, type Step } from './bundle-step.js';

const REPOSITORY = 'example-org/demo-app';
let store: DaemonlessRig | undefined;
let registry: RegistryRig | undefined;
const jobs: RunnerJob[] = [];

beforeAll(async () => {
  registry = await startRegistry();
  store = await startDaemonless();
  await importBaseImage(store);
}, 600_000); // the first run on a machine makes the base rootfs (~1-2 min)

afterAll(async () => {
  await store?.stop();
  await registry?.stop();
  for (const job of jobs) rmSync(job.dir, { recursive: true, force: true });
});

const rig = () => {
  if (!store || !registry) throw new Error('the rig did not start; see beforeAll');
  return { store, registry };
};

function step(
  sha: string,
  pathDirs: string,
  options: { host?: string; inputs?: Record<string, string>; env?: Record<string, string> } = {}
): Promise<Step> {
  const { store, registry } = rig();
  return buildStep(
    {
      ...options,
      sha,
      registry,
      repository: REPOSITORY,
      env: { ...store.env, PATH: pathDirs, ...options.env },
      timeoutMs: 120_000
    },
    jobs
  );
}

/** A /v2/ API call to the registry itself with the rig's account. */
const registryGet = (apiPath: string, method: 'GET' | 'HEAD' = 'GET') =>
  registryRequest(rig().registry, REPOSITORY, apiPath, method);

/** The image config the registry holds for `tag` (what a cluster will run). */
async function pushedConfig(tag: string): Promise<{ config: Record<string, unknown> }> {
  const manifest = (await (await registryGet(`manifests/${tag}`)).json()) as {
    config: { digest: string };
  };
  return (await (await registryGet(`blobs/${manifest.config.digest}`)).json()) as {
    config: Record<string, unknown>;
  };
}

// podman: docker is installed (the whole PATH) but its daemon does not answer (DOCKER_HOST
// names a closed socket). buildah: neither docker nor podman on PATH.
// podman also pushes a second tag (each push copies the layers again, ~4 s: once is enough).
const cases: Array<[DaemonlessTool, string[] | 'whole PATH', string[], RegExp]> = [
  ['podman', 'whole PATH', ['latest'], /Cannot connect to the Docker daemon at unix:\/\/\/tmp\//],
  ['buildah', ['buildah'], [], /not installed/]
];

describe.each(cases)(
  'without a docker daemon, %s builds and pushes',
  (tool, commands, more, why) => {
    const sha = randomBytes(20).toString('hex');
    let result: Step;

    beforeAll(async () => {
      const pathDirs =
        commands === 'whole PATH' ? (process.env.PATH ?? '') : await rig().store.pathWith(commands);
      result = await step(sha, pathDirs, { inputs: { tags: more.join('\n') } });
    }, 120_000);

    test('the registry holds the tag under the digest the step output', async () => {
      const { main } = result;
      expect(main.errors).toEqual([]);
      expect(main.exitCode).toBe(0);
      const head = await registryGet(`manifests/${sha}`, 'HEAD');
      expect(head.status).toBe(200);
      const digest = head.headers.get('docker-content-digest');
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      const name = `${rig().registry.host}/${REPOSITORY}`;
      expect(main.outputs).toMatchObject({
        image: `${name}:${sha}`,
        digest,
        'image-ref': `${name}@${digest}`,
        tags: [sha, ...more].map((tag) => `${name}:${tag}`).join('\n'),
        skipped: 'false'
      });
      for (const tag of more) {
        const other = await registryGet(`manifests/${tag}`, 'HEAD');
        expect(other.headers.get('docker-content-digest')).toBe(digest);
      }
    });

    test(`the log and summary say ${tool} was used, and why`, () => {
      const { main } = result;
      const line = main.stdout.split('\n').find((l) => l.startsWith(`using ${tool}: `));
      expect(line).toMatch(new RegExp(`^using ${tool}: docker did not answer \\(.+\\)$`));
      expect(line).toMatch(why);
      expect(main.stdout).toMatch(new RegExp(`\\[command\\]\\S*/${tool} build `));
      expect(main.summary).toContain(`| Engine | ${tool} |`);
    });

    test('the pushed image keeps what the Dockerfile says: healthcheck, stop signal, user, labels', async () => {
      const { config } = await pushedConfig(sha);
      expect(config).toMatchObject({
        User: '10001:10001',
        StopSignal: 'SIGINT',
        Healthcheck: { Test: expect.arrayContaining(['CMD', 'python3']) },
        Labels: expect.objectContaining({
          'org.opencontainers.image.revision': sha,
          'org.opencontainers.image.source': `https://github.com/${REPOSITORY}`
        })
      });
    });

    test('the credentials were the step’s own, removed by post; the password is never shown', () => {
      expect(result.authFiles).toContain('auth.json');
      expect(result.post.exitCode).toBe(0);
      expect(result.post.errors).toEqual([]);
      expect(result.post.stdout).toContain(
        `removed registry credentials in ${result.main.state['auth-dir']}`
      );
      expect(existsSync(result.main.state['auth-dir'])).toBe(false);
      expectNoSecretAnywhere(result, rig().registry.password);
      // Not the machine's default auth files either (podman's and docker's).
      for (const file of [
        '/run/containers/0/auth.json',
        path.join(os.homedir(), '.docker/config.json')
      ])
        if (existsSync(file)) expect(readFileSync(file, 'utf8')).not.toContain(rig().registry.host);
    });
  }
);

describe('podman failures are explained', () => {
  let proxy: FaultProxy | undefined;
  afterAll(async () => proxy?.stop());
  const wholePath = process.env.PATH ?? '';

  test('503 twice on the manifest: the push is retried and succeeds', async () => {
    proxy = await startFaultProxy(rig().registry.url, [
      { match: { method: 'PUT', path: /\/manifests\// }, times: 2, respond: { status: 503 } }
    ]);
    const sha = randomBytes(20).toString('hex');
    const result = await step(sha, wholePath, { host: proxy.host });
    expect(result.main.errors).toEqual([]);
    expect(result.main.stdout).toMatch(
      /push 127\.0\.0\.1:\d+\/example-org\/demo-app:[0-9a-f]+ failed \(server\); attempt 3 in/
    );
    expect(proxy.hits.filter((hit) => hit.faulted)).toHaveLength(2);
    expect(result.main.outputs.digest).toBe(
      (await registryGet(`manifests/${sha}`, 'HEAD')).headers.get('docker-content-digest')
    );
  });

  test('FROM a short name podman cannot resolve: one error that says how to name it', async () => {
    const context = mkdtempSync(path.join(os.tmpdir(), 'short-name-context-'));
    try {
      writeFileSync(path.join(context, 'Dockerfile'), 'FROM someuser/app:1\n');
      const result = await step(randomBytes(20).toString('hex'), wholePath, {
        inputs: { context },
        env: { GITHUB_WORKSPACE: context } // a context outside the workspace is refused
      });
      expect(result.main.exitCode).toBe(1);
      expect(result.main.errors).toHaveLength(1);
      expect(result.main.errors[0]).toMatch(
        /^podman build failed with exit code 125: .*short-name "someuser\/app:1" did not resolve/
      );
      expect(result.main.errors[0]).toMatch(/name the image in full \(FROM docker\.io\//);
      expect(result.post.exitCode).toBe(0);
      expect(existsSync(result.main.state['auth-dir'])).toBe(false);
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  });

  test('cache: registry: podman builds --layers and keeps them in the repository IMAGE/buildcache', async () => {
    const context = mkdtempSync(path.join(os.tmpdir(), 'podman-cache-context-'));
    try {
      writeFileSync(
        path.join(context, 'Dockerfile'),
        'FROM docker.io/library/python:3.11-slim\nRUN echo layer-for-the-cache > /layer\n'
      );
      const result = await step(randomBytes(20).toString('hex'), wholePath, {
        inputs: { context, cache: 'registry' },
        env: { GITHUB_WORKSPACE: context } // a context outside the workspace is refused
      });
      expect(result.main.errors).toEqual([]);
      const cache = `${rig().registry.host}/${REPOSITORY}/buildcache`;
      expect(result.main.stdout).toContain(
        `--layers --cache-from ${cache} --cache-to ${cache} --tls-verify=false`
      );
      const tags = await registryRequest(rig().registry, `${REPOSITORY}/buildcache`, 'tags/list');
      expect(((await tags.json()) as { tags: string[] }).tags.length).toBeGreaterThan(0);
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  });

  test('a wrong password refused by podman login: one error that says so, not retried', async () => {
    const wrong = 'wrong-password-5678';
    // No registry check first (skip-existing: false), so podman's login meets the refusal.
    const result = await step(randomBytes(20).toString('hex'), wholePath, {
      inputs: { password: wrong, 'skip-existing': 'false' }
    });
    expect(result.main.exitCode).toBe(1);
    expect(result.main.errors).toHaveLength(1);
    expect(result.main.errors[0]).toMatch(
      /^podman login to 127\.0\.0\.1:\d+ failed: Error: logging into "127\.0\.0\.1:\d+": invalid username\/password/
    );
    expect(result.main.errors[0]).toMatch(/rejected the username and password/);
    expect(result.main.stdout).not.toMatch(/attempt 2/);
    expect(existsSync(result.main.state['auth-dir'])).toBe(false);
    expectNoSecretAnywhere(result, wrong);
  });
});
