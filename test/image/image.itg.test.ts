// The app image, built from image/ by a real engine, pushed to a real registry with basic
// auth, read back over the registry API and run. One engine and one registry for the file.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { REPO_ROOT } from '../harness/runner.js';
import { ensureBaseImage } from '../harness/rigs/base-image.js';
import { startEngine, type EngineRig } from '../harness/rigs/engine.js';
import { startRegistry, type RegistryRig } from '../harness/rigs/registry.js';
import { fetchInContainer } from './container.js';

const IMAGE_CONTEXT = path.join(REPO_ROOT, 'image');
const REVISION = randomBytes(20).toString('hex'); // a commit sha, as CI tags it
const SOURCE_URL = 'https://github.com/example/basickapp';
const CREATED = new Date().toISOString();
const REPOSITORY = 'basickapp/python-app';
const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

let engine: EngineRig | undefined;
let registry: RegistryRig | undefined;
let image: string;

const rig = () => {
  if (!engine || !registry) throw new Error('the rig did not start; see beforeAll');
  return { engine, registry };
};

beforeAll(async () => {
  registry = await startRegistry();
  engine = await startEngine();
  await ensureBaseImage(engine); // the first run on a machine makes the rootfs (~1-2 min)
  image = `${registry.host}/${REPOSITORY}:${REVISION}`;
  await engine.docker([
    'build',
    ...['--build-arg', `REVISION=${REVISION}`],
    ...['--build-arg', `SOURCE_URL=${SOURCE_URL}`],
    ...['--build-arg', `CREATED=${CREATED}`],
    ...['--tag', image],
    IMAGE_CONTEXT
  ]);
}, 600_000);

afterAll(async () => {
  await engine?.stop();
  await registry?.stop();
});

async function registryGet(urlPath: string, accept?: string, authenticated = true) {
  const { registry } = rig();
  const headers: Record<string, string> = accept ? { accept } : {};
  if (authenticated) {
    headers.authorization = await registry.authorization(`repository:${REPOSITORY}:pull`);
  }
  const response = await fetch(`${registry.url}${urlPath}`, { headers });
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

async function runDetached(args: string[]): Promise<string> {
  const { stdout } = await rig().engine.docker(['run', '--detach', '--network', 'none', ...args]);
  return stdout.trim();
}

async function state(container: string): Promise<{ ExitCode: number; Running: boolean }> {
  const { stdout } = await rig().engine.docker([
    'inspect',
    '--format',
    '{{json .State}}',
    container
  ]);
  return JSON.parse(stdout);
}

/** The container's health once the first check has run ('healthy' or 'unhealthy'). */
async function healthOnceDecided(container: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { stdout } = await rig().engine.docker([
      'inspect',
      '--format',
      '{{json .State.Health}}',
      container
    ]);
    const health = JSON.parse(stdout) as { Status: string; Log: Array<{ Output: string }> };
    if (health.Status !== 'starting') {
      return health.Status === 'healthy'
        ? 'healthy'
        : `${health.Status}: ${health.Log.at(-1)?.Output}`;
    }
    if (Date.now() > deadline) return 'still starting after 30 s';
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('the pushed image', () => {
  let pushedDigest: string;
  let manifestAnswer: Awaited<ReturnType<typeof registryGet>>;
  let manifest: { config: { digest: string } };

  beforeAll(async () => {
    const { engine, registry } = rig();
    await engine.docker(
      ['login', '--username', registry.username, '--password-stdin', registry.host],
      { input: registry.password }
    );
    const push = await engine.docker(['push', image]);
    pushedDigest = /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1] ?? '';
    manifestAnswer = await registryGet(`/v2/${REPOSITORY}/manifests/${REVISION}`, MANIFEST_V2);
    manifest = JSON.parse(manifestAnswer.body.toString('utf8'));
  }, 120_000);

  test('the registry refuses anonymous reads', async () => {
    const { response } = await registryGet(
      `/v2/${REPOSITORY}/manifests/${REVISION}`,
      MANIFEST_V2,
      false
    );
    expect(response.status).toBe(401);
  });

  test('is tagged with the commit sha and its digest is the registry’s Docker-Content-Digest', async () => {
    const { response, body } = manifestAnswer;
    expect(response.status).toBe(200);
    expect(pushedDigest).toMatch(/^sha256:/);
    const registryDigest = response.headers.get('docker-content-digest');
    expect(registryDigest).toBe(sha256(body));
    expect(registryDigest).toBe(pushedDigest);

    const repoDigests = (
      await rig().engine.docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', image])
    ).stdout;
    expect(JSON.parse(repoDigests)).toContain(
      `${rig().registry.host}/${REPOSITORY}@${registryDigest}`
    );

    const imageId = (
      await rig().engine.docker(['image', 'inspect', '--format', '{{.Id}}', image])
    ).stdout.trim();
    expect(manifest.config.digest).toBe(imageId);
  });

  test('has the configuration the Dockerfile promises', async () => {
    const { response, body } = await registryGet(
      `/v2/${REPOSITORY}/blobs/${manifest.config.digest}`
    );
    expect(response.status).toBe(200);
    expect(sha256(body)).toBe(manifest.config.digest);
    const { config } = JSON.parse(body.toString('utf8'));

    const [uid, gid] = String(config.User).split(':');
    expect(config.User).toMatch(/^\d+:\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    expect(Number(gid)).toBeGreaterThan(0);
    expect(config.Entrypoint).toEqual([
      'python3',
      '-m',
      'http.server',
      '--bind',
      '0.0.0.0',
      '8000'
    ]);
    expect(config.Cmd ?? null).toBeNull();
    expect(Object.keys(config.ExposedPorts)).toEqual(['8000/tcp']);
    expect(config.WorkingDir).toBe('/srv/www');
    expect(config.StopSignal).toBe('SIGINT');
    expect(config.Healthcheck.Test.slice(0, 2)).toEqual(['CMD', 'python3']);
    expect(config.Env).toEqual(
      expect.arrayContaining(['PYTHONDONTWRITEBYTECODE=1', 'PYTHONUNBUFFERED=1'])
    );
    expect(config.Labels).toMatchObject({
      'org.opencontainers.image.source': SOURCE_URL,
      'org.opencontainers.image.revision': REVISION,
      'org.opencontainers.image.created': CREATED
    });
  });
});

describe('the running image', () => {
  test('serves only its default page, as uid 10001, and stops at once on docker stop', async () => {
    const { engine } = rig();
    const container = await runDetached([image]);
    try {
      const [root, index, python] = await fetchInContainer(engine, container, [
        '/',
        '/index.html',
        '/python3'
      ]);
      expect(root.status).toBe(200);
      expect(root.body).toContain('BasicKapp is running');
      expect(index).toEqual(root);
      // The seed served /usr/local/bin; the default directory holds nothing else.
      expect(python.status).toBe(404);

      const uid = await engine.docker([
        'exec',
        container,
        'python3',
        '-c',
        'import os; print(os.getuid())'
      ]);
      expect(uid.stdout.trim()).toBe('10001');
      // The served content belongs to root: the server cannot rewrite what it serves.
      await expect(
        engine.docker(['exec', container, 'python3', '-c', "open('index.html', 'a')"])
      ).rejects.toThrow(/PermissionError/);

      await engine.docker(['stop', container]);
      // SIGINT makes http.server exit cleanly with 0; had the signal been ignored, docker
      // would have waited 10 s and killed it (137).
      expect(await state(container)).toMatchObject({ Running: false, ExitCode: 0 });
      const logs = await engine.docker(['logs', container]);
      expect(logs.stdout + logs.stderr).toContain('Keyboard interrupt received, exiting.');
    } finally {
      await engine.docker(['rm', '--force', container]);
    }
  });

  test('the seed’s SIGTERM would be ignored by python as PID 1 (why STOPSIGNAL matters)', async () => {
    const { engine } = rig();
    const container = await runDetached(['--stop-signal', 'SIGTERM', image]);
    try {
      await fetchInContainer(engine, container, []); // running and serving
      await engine.docker(['stop', '--time', '1', container]);
      expect(await state(container)).toMatchObject({ Running: false, ExitCode: 137 });
    } finally {
      await engine.docker(['rm', '--force', container]);
    }
  });

  test('serves the directory given with --directory at run time, and reports healthy', async () => {
    const { engine } = rig();
    const site = await mkdtemp(path.join(os.tmpdir(), 'image-test-site-'));
    const token = randomBytes(8).toString('hex');
    await chmod(site, 0o755); // readable by the container's uid 10001
    await writeFile(path.join(site, 'hello.txt'), `hello ${token}\n`, { mode: 0o644 });
    const container = await runDetached([
      ...['--volume', `${site}:/site:ro`],
      // The image's HEALTHCHECK command, run every second instead of every 30 s.
      ...['--health-interval', '1s', '--health-start-period', '0s'],
      image,
      ...['--directory', '/site']
    ]);
    try {
      const [hello, index] = await fetchInContainer(engine, container, [
        '/hello.txt',
        '/index.html'
      ]);
      expect(hello).toEqual({ status: 200, body: `hello ${token}\n` });
      expect(index.status).toBe(404);
      expect(await healthOnceDecided(container)).toBe('healthy');
    } finally {
      await engine.docker(['rm', '--force', container]);
      await rm(site, { recursive: true, force: true });
    }
  });
});

describe('the SERVER_BASE_DIR build arg', () => {
  test('SERVER_BASE_DIR=/ serves the root directory, as in the seed’s example', async () => {
    const { engine } = rig();
    const rootImage = `python-app:root-${REVISION.slice(0, 12)}`;
    await engine.docker([
      'build',
      '--build-arg',
      'SERVER_BASE_DIR=/',
      '--tag',
      rootImage,
      IMAGE_CONTEXT
    ]);
    const workdir = await engine.docker([
      'image',
      'inspect',
      '--format',
      '{{.Config.WorkingDir}}',
      rootImage
    ]);
    expect(workdir.stdout.trim()).toBe('/');

    const container = await runDetached([rootImage]);
    try {
      const [osRelease, index] = await fetchInContainer(engine, container, [
        '/etc/os-release',
        '/index.html'
      ]);
      expect(osRelease.status).toBe(200);
      expect(osRelease.body).toContain('ID=debian');
      expect(index.body).toContain('BasicKapp is running');
    } finally {
      await engine.docker(['rm', '--force', container]);
    }
  });
});
