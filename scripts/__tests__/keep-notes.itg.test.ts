// `npm start -- --keep` prints how to reach what it left running. The lines are checked as
// text, then run as a user would paste them: against a real registry and engine, logging in
// and pushing an image of one's own must work.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { keepNotes, type KeptRigs } from '../lib/keep-notes.js';
import { ensureBaseImage } from '../../test/harness/rigs/base-image.js';
import { startEngine, type EngineRig } from '../../test/harness/rigs/engine.js';
import { startRegistry, type RegistryRig } from '../../test/harness/rigs/registry.js';

const rigs = (registry: KeptRigs['registry'], engineEnv: Record<string, string>): KeptRigs => ({
  kubeconfig: '/repo/.cache/pipeline/kubeconfig',
  namespace: 'omer',
  release: 'python-application',
  helm: '/repo/.cache/helm/v4.1.4/helm',
  registry,
  engineEnv
});

test('names the registry, its account and DOCKER_HOST, and says the password is a throw-away', () => {
  const notes = keepNotes(
    rigs(
      { host: '127.0.0.1:5123', username: 'rig-user', password: 'a1b2c3' },
      {
        DOCKER_HOST: 'unix:///tmp/engine-rig-x/docker.sock',
        DOCKER_CONFIG: '/tmp/engine-rig-x/client-config',
        DOCKER_BUILDKIT: '1',
        PATH: '/tmp/engine-rig-x/bin:/usr/bin'
      }
    )
  ).join('\n');
  expect(notes).toContain('export KUBECONFIG=/repo/.cache/pipeline/kubeconfig');
  expect(notes).toContain('export DOCKER_HOST=unix:///tmp/engine-rig-x/docker.sock');
  expect(notes).toContain('export PATH=/tmp/engine-rig-x/bin:$PATH');
  expect(notes).toContain('# the registry: http://127.0.0.1:5123, user rig-user, password a1b2c3');
  expect(notes).toMatch(/throw-away password this local rig made for this run/);
  expect(notes).toContain(
    "echo 'a1b2c3' | docker login 127.0.0.1:5123 --username rig-user --password-stdin"
  );
  expect(notes).toContain('docker push 127.0.0.1:5123/me/my-app:1');
});

describe('pasted into a shell', () => {
  let registry: RegistryRig;
  let engine: EngineRig;
  beforeAll(async () => {
    [registry, engine] = await Promise.all([startRegistry(), startEngine()]);
    await ensureBaseImage(engine);
  }, 600_000);
  afterAll(async () => {
    await engine?.stop();
    await registry?.stop();
  });

  test("logs in to the kept registry and pushes the user's own image", async () => {
    const notes = keepNotes(rigs(registry, engine.env));
    const script = notes
      .filter((line) => !line.startsWith('#') && !/kubectl|helm/i.test(line))
      .map((line) => line.replace('<your image>', 'python:3.11-slim'))
      .join('\n');
    // A user's shell: none of the rig's variables, only what the notes export.
    const { stdout } = await promisify(execFile)('bash', ['-euc', script], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }
    });
    expect(stdout).toMatch(/Login Succeeded/);
    const manifest = await fetch(`${registry.url}/v2/me/my-app/manifests/1`, {
      method: 'HEAD',
      headers: {
        Accept: 'application/vnd.docker.distribution.manifest.v2+json',
        Authorization: await registry.authorization('repository:me/my-app:pull')
      }
    });
    expect(manifest.status).toBe(200);
  });
});
