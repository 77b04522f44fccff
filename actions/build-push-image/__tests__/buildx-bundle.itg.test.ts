// The bundle's buildx path for real: docker buildx (built from its Go module) as the CLI
// plugin of a dockerd in the rig's network namespace (the docker driver), and a buildkitd of
// its own in the same namespace as a `remote` builder, pushing to the registry with ghcr.io's
// token auth. Dockerfiles with RUN steps build (the namespace gives them a network that ends
// there). Covers the layer cache through the registry, a build secret no output, layer or
// history holds, target, an SBOM attestation read back through the registry API, and a
// two-platform index whose digest is the output.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startBuilderRig, type BuilderRig } from '../../../test/harness/rigs/buildx.js';
import { REPO_ROOT, type RunnerJob } from '../../../test/harness/runner.js';
import { buildStep, expectNoSecretAnywhere, registryRequest, type Step } from './bundle-step.js';

const REPOSITORY = 'example-org/buildx-app';
let builderRig: BuilderRig | undefined;
let scanner = '';
const workspace = mkdtempSync(path.join(os.tmpdir(), 'buildx-bundle-'));
const jobs: RunnerJob[] = [];

beforeAll(async () => {
  builderRig = await startBuilderRig();
  const { engine, registry } = builderRig;
  // An SBOM generator the builder can pull (docker/buildkit-syft-scanner is out of reach).
  scanner = `${registry.host}/rig/sbom-scanner:1`;
  await engine.docker([
    'build',
    '--tag',
    scanner,
    path.join(REPO_ROOT, 'test/harness/rigs/sbom-scanner')
  ]);
  await engine.docker(['push', scanner]);
}, 900_000);

afterAll(async () => {
  await builderRig?.stop();
  for (const job of jobs) rmSync(job.dir, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
});

const rig = () => {
  if (!builderRig) throw new Error('the rig did not start; see beforeAll');
  return builderRig;
};
const newSha = () => randomBytes(20).toString('hex');

/** A build context in the step's workspace: a Dockerfile and any other files. */
function context(name: string, files: Record<string, string>): string {
  const dir = path.join(workspace, name);
  rmSync(dir, { recursive: true, force: true });
  execFileSync('mkdir', ['-p', dir]);
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

function step(options: {
  sha: string;
  dir: string;
  builder: 'docker' | 'remote';
  inputs?: Record<string, string>;
  env?: Record<string, string>;
}): Promise<Step> {
  const { engine, registry, buildkitd, base } = rig();
  return buildStep(
    {
      sha: options.sha,
      registry,
      repository: REPOSITORY,
      inputs: { context: options.dir, 'build-args': `BASE=${base}`, ...options.inputs },
      env: {
        ...engine.env,
        ...(options.builder === 'remote' ? buildkitd.env : {}),
        GITHUB_WORKSPACE: workspace,
        ...options.env
      },
      timeoutMs: 600_000
    },
    jobs
  );
}

const api = (apiPath: string) => registryRequest(rig().registry, REPOSITORY, apiPath);

async function manifest(
  reference: string
): Promise<{ digest: string; body: Record<string, unknown> }> {
  const response = await api(`manifests/${reference}`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return {
    digest: response.headers.get('docker-content-digest') ?? '',
    body: JSON.parse(text) as Record<string, unknown>
  };
}

const blob = async (digest: string) =>
  Buffer.from(await (await api(`blobs/${digest}`)).arrayBuffer());

/** Every byte a puller of this image gets: manifest, config (with history), layers unpacked. */
async function everythingPulled(reference: string): Promise<string> {
  const { body } = await manifest(reference);
  const image = body as { config: { digest: string }; layers: Array<{ digest: string }> };
  const parts = [JSON.stringify(body), (await blob(image.config.digest)).toString('latin1')];
  for (const layer of image.layers)
    parts.push(gunzipSync(await blob(layer.digest)).toString('latin1'));
  return parts.join('\n');
}

const slowDockerfile = [
  'ARG BASE',
  'FROM ${BASE}',
  // A slow step (a 5 s loop) whose layer the source change below leaves alone.
  'RUN i=0; while [ $i -lt 5 ]; do sleep 1; i=$((i+1)); done; echo slow-step-done > /slow',
  'COPY app.txt /app.txt',
  ''
].join('\n');

describe('buildx with the docker driver (dockerd in the rig namespace)', () => {
  test('a RUN step builds, pushes through the token registry; digest and metadata outputs; cache: registry only read, with a warning', async () => {
    const dir = context('docker-driver', { Dockerfile: slowDockerfile, 'app.txt': 'v1\n' });
    const sha = newSha();
    const result = await step({ sha, dir, builder: 'docker', inputs: { cache: 'registry' } });
    const { main } = result;
    expect(main.errors).toEqual([]);
    expect(main.exitCode).toBe(0);
    expect(main.stdout).toMatch(
      /::warning::cache: buildx's docker driver cannot export a cache; reading .*:buildcache only/
    );
    expect(main.summary).toContain('| Engine | buildx (docker driver) |');
    expect(main.outputs.digest).toBe((await manifest(sha)).digest);
    expect(JSON.parse(main.outputs.metadata)).toMatchObject({
      'containerimage.digest': expect.stringMatching(/^sha256:/),
      'buildx.build.ref': expect.stringMatching(/^default\/default\//)
    });
    expect(await everythingPulled(sha)).toContain('slow-step-done'); // the RUN step's file
    expect(
      rig().registry.tokens!.issued.some((t) =>
        t.granted.some((g) => g.name === REPOSITORY && g.actions.includes('push'))
      )
    ).toBe(true);
    expect(result.post.exitCode).toBe(0);
  });
});

describe('buildx with a remote buildkitd builder', () => {
  test('a registry layer cache: after a source change the slow RUN layer comes from the cache', async () => {
    const { engine, buildkitd } = rig();
    const dir = context('cache', { Dockerfile: slowDockerfile, 'app.txt': 'v1\n' });
    const coldSha = newSha();
    const cold = await step({
      sha: coldSha,
      dir,
      builder: 'remote',
      inputs: { cache: 'registry' }
    });
    expect(cold.main.errors).toEqual([]);
    expect(cold.main.summary).toContain('| Engine | buildx (remote driver) |');
    expect((await manifest('buildcache')).body).toMatchObject({
      config: { mediaType: 'application/vnd.buildkit.cacheconfig.v0' }
    });
    // The builder forgets everything: only the registry cache can spare the slow step.
    await engine.docker(['buildx', 'prune', '--all', '--force', '--builder', buildkitd.builder]);
    writeFileSync(path.join(dir, 'app.txt'), 'v2\n');
    const sha = newSha();
    const warm = await step({ sha, dir, builder: 'remote', inputs: { cache: 'registry' } });
    expect(warm.main.errors).toEqual([]);
    const log = warm.main.stdout + warm.main.stderr;
    expect(log).toMatch(/importing cache manifest from .*\/example-org\/buildx-app:buildcache/);
    // A RUN that ran again writes its file with a new mtime: another layer digest. The same
    // digest means the layer was taken from the cache; only the COPY layer on top is new.
    const layers = async (reference: string) =>
      ((await manifest(reference)).body.layers as Array<{ digest: string }>).map((l) => l.digest);
    const [before, after] = [await layers(coldSha), await layers(sha)];
    expect(after.slice(0, -1)).toEqual(before.slice(0, -1));
    expect(after.at(-1)).not.toBe(before.at(-1));
    // The slow step's log shows the layer coming from the registry, not the loop running.
    const slowStep = log.split('\n').find((line) => /\[\d\/\d\] RUN i=0; while/.test(line));
    const stepLines = log.split('\n').filter((l) => l.startsWith(`${slowStep?.split(' ')[0]} `));
    expect(stepLines.join('\n')).toContain(
      before.at(-2)!.slice('sha256:'.length, 'sha256:'.length + 12)
    );
    expect(warm.main.outputs.digest).toBe((await manifest(sha)).digest);
    expect(JSON.parse(warm.main.outputs.metadata)['containerimage.digest']).toBe(
      warm.main.outputs.digest
    );
  });

  test('a build secret reaches RUN --mount=type=secret and no output, log, layer or history', async () => {
    const secret = `s3cret-${randomBytes(12).toString('hex')}`;
    const dir = context('secret', {
      Dockerfile: [
        'ARG BASE',
        'FROM ${BASE} AS with-secret',
        "RUN --mount=type=secret,id=api_token python3 -c \"import hashlib; open('/token.sha256','w').write(hashlib.sha256(open('/run/secrets/api_token','rb').read()).hexdigest())\"",
        'RUN echo stage=with-secret > /stage',
        'FROM ${BASE} AS other',
        'RUN echo stage=other-stage > /stage',
        ''
      ].join('\n')
    });
    const sha = newSha();
    const result = await step({
      sha,
      dir,
      builder: 'remote',
      inputs: { secrets: `api_token=${secret}`, target: 'with-secret' },
      // Step debug on. ::debug:: lines are written either way (the runner shows them only
      // with step debug on), so the scan below covers what a debug log shows.
      env: { RUNNER_DEBUG: '1', ACTIONS_STEP_DEBUG: 'true' }
    });
    expect(result.main.errors).toEqual([]);
    const pulled = await everythingPulled(sha);
    expect(pulled).not.toContain(secret);
    // The step did read it: its digest is in the layer. And target built the named stage.
    expect(pulled).toContain(createHash('sha256').update(secret).digest('hex'));
    expect(pulled).toContain('stage=with-secret');
    expect(pulled).not.toContain('stage=other-stage');
    expect(result.main.stdout).toContain('--secret id=api_token,env=BUILD_PUSH_IMAGE_SECRET_0');
    expectNoSecretAnywhere(result, secret);
  });

  test('sbom: an SPDX attestation attached to the image, readable through the registry API', async () => {
    const dir = context('sbom', { Dockerfile: 'ARG BASE\nFROM ${BASE}\nRUN echo sbom > /sbom\n' });
    const sha = newSha();
    const result = await step({
      sha,
      dir,
      builder: 'remote',
      inputs: { sbom: `generator=${scanner}` }
    });
    expect(result.main.errors).toEqual([]);
    const index = await manifest(sha);
    expect(result.main.outputs.digest).toBe(index.digest);
    const entries = index.body.manifests as Array<{
      digest: string;
      annotations?: Record<string, string>;
    }>;
    const attestation = entries.find(
      (e) => e.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest'
    );
    expect(attestation).toBeDefined();
    const layers = (await manifest(attestation!.digest)).body.layers as Array<{
      digest: string;
      annotations?: Record<string, string>;
    }>;
    const sbomLayer = layers.find(
      (l) => l.annotations?.['in-toto.io/predicate-type'] === 'https://spdx.dev/Document'
    );
    const statement = JSON.parse((await blob(sbomLayer!.digest)).toString('utf8'));
    expect(statement.predicate.spdxVersion).toBe('SPDX-2.3');
    expect(statement.predicate.packages.map((p: { name: string }) => p.name)).toContain('python3');
  });

  test('two platforms: one index, its digest is the output', async () => {
    const dir = context('multi', {
      Dockerfile: [
        'ARG BASE',
        // The RUN runs on the build platform only; the foreign platform's stage has no RUN.
        'FROM --platform=$BUILDPLATFORM ${BASE} AS build',
        'ARG TARGETPLATFORM',
        'RUN echo "$TARGETPLATFORM" > /platform',
        'FROM scratch',
        'COPY --from=build /platform /platform',
        ''
      ].join('\n')
    });
    const sha = newSha();
    const result = await step({
      sha,
      dir,
      builder: 'remote',
      inputs: { platforms: 'linux/amd64,linux/arm64' }
    });
    expect(result.main.errors).toEqual([]);
    const index = await manifest(sha);
    expect(result.main.outputs.digest).toBe(index.digest);
    const platforms = (
      index.body.manifests as Array<{ platform: { os: string; architecture: string } }>
    ).map((m) => `${m.platform.os}/${m.platform.architecture}`);
    expect(platforms.sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(result.main.summary).toContain('| Size | 2 platforms |');
  });
});
