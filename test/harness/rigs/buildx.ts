// docker buildx and BuildKit for real, built from their Go modules by scripts/go-tools.sh
// (pinned versions, cached outside the work tree): buildx as the docker CLI plugin of an
// engine rig's private DOCKER_CONFIG (its docker driver then builds on that dockerd), and a
// buildkitd of its own, registered as a `remote` buildx builder, for what the docker driver
// cannot do: cache export, attestations (SBOM), multi-platform indexes.
//
// buildkitd runs in the rig's network namespace (netns.ts) with `--oci-worker-net=host`:
// RUN steps share that namespace (loopback only, no route off the machine), and its pushes
// reach the registry through the namespace's forwarded ports. The registries it pushes to
// are loopback ones over plain HTTP, said in its buildkitd.toml.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../runner.js';
import { ensureBaseImage } from './base-image.js';
import { makeStateDir, mountsUnder, spawnDaemon, waitUntilReady } from './daemon.js';
import { startEngine, type EngineRig } from './engine.js';
import { startLoopbackNamespace, type LoopbackNamespace } from './netns.js';
import { startRegistry, type RegistryRig } from './registry.js';

const run = promisify(execFile);

/** The bin directory of a tool scripts/go-tools.sh builds (building it first if needed). */
export async function goToolDir(name: 'buildx' | 'buildkit'): Promise<string> {
  const script = path.join(REPO_ROOT, 'scripts', 'go-tools.sh');
  const env = { ...process.env, PATH: `/usr/local/go/bin:${process.env.PATH ?? ''}` };
  const { stdout } = await run('bash', [script, '--bin', name], {
    env,
    maxBuffer: 16 * 1024 * 1024
  });
  return stdout.trim();
}

/** Makes `docker buildx` work for this engine's client config (never ~/.docker). */
export async function installBuildx(engine: EngineRig): Promise<void> {
  const plugins = path.join(engine.env.DOCKER_CONFIG, 'cli-plugins');
  await mkdir(plugins, { recursive: true });
  await symlink(
    path.join(await goToolDir('buildx'), 'docker-buildx'),
    path.join(plugins, 'docker-buildx')
  );
}

/** buildkitd.toml: plain HTTP for the given loopback registries, one OCI worker. */
export function buildkitdConfig(registryHosts: string[]): string {
  const lines = ['[worker.oci]', '  enabled = true', '[worker.containerd]', '  enabled = false'];
  for (const host of registryHosts)
    lines.push(`[registry."${host}"]`, '  http = true', '  insecure = true');
  return lines.join('\n') + '\n';
}

export interface BuildkitdRig {
  /** `unix:///tmp/buildkitd-rig-XXXX/buildkitd.sock` */
  address: string;
  /** The buildx builder (remote driver) registered in the engine's DOCKER_CONFIG. */
  builder: string;
  /** Select the builder for any docker buildx that runs with this env. */
  env: { BUILDX_BUILDER: string };
  stop(): Promise<void>;
}

export async function startBuildkitd(
  engine: EngineRig,
  namespace: LoopbackNamespace,
  options: { registryHosts: string[] }
): Promise<BuildkitdRig> {
  const dir = await makeStateDir('buildkitd-rig-', ['buildkitd.pid']);
  const socket = path.join(dir, 'buildkitd.sock');
  const config = path.join(dir, 'buildkitd.toml');
  await writeFile(config, buildkitdConfig(options.registryHosts));
  const buildkitd = path.join(await goToolDir('buildkit'), 'buildkitd');
  const [command, args] = namespace.inside(buildkitd, [
    `--addr=unix://${socket}`,
    `--root=${path.join(dir, 'root')}`,
    `--config=${config}`,
    '--oci-worker-net=host',
    '--oci-worker-gc=false'
  ]);
  const daemon = spawnDaemon('buildkitd', command, args, {
    logFile: path.join(dir, 'buildkitd.log')
  });
  await writeFile(path.join(dir, 'buildkitd.pid'), String(daemon.pid));
  const builder = `rig-remote-${path.basename(dir).slice(-6).toLowerCase()}`;
  const stop = async () => {
    await engine.docker(['buildx', 'rm', builder]).catch(() => undefined);
    await daemon.stop(10_000);
    const mounts = mountsUnder(readFileSync('/proc/mounts', 'utf8'), dir);
    for (const mount of mounts) await run('umount', ['-l', mount]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(
      daemon,
      async () => {
        await run(path.join(path.dirname(buildkitd), 'buildctl'), [
          `--addr=unix://${socket}`,
          'debug',
          'workers'
        ]);
        return true;
      },
      60_000
    );
    await engine.docker([
      'buildx',
      'create',
      '--name',
      builder,
      '--driver',
      'remote',
      `unix://${socket}`
    ]);
    await engine.docker(['buildx', 'inspect', '--bootstrap', builder]);
    return { address: `unix://${socket}`, builder, env: { BUILDX_BUILDER: builder }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface BuilderRig {
  registry: RegistryRig;
  namespace: LoopbackNamespace;
  /** dockerd in the namespace, with buildx as its CLI plugin (the docker driver), logged in. */
  engine: EngineRig;
  /** buildkitd in the namespace as the remote builder `buildkitd.builder`. */
  buildkitd: BuildkitdRig;
  /** The offline base image, also in the registry (buildkitd sees no engine's images). */
  base: string;
  stop(): Promise<void>;
}

/**
 * The whole builder rig of one test file or bench run: a token registry, the namespace,
 * dockerd + buildx and buildkitd in it, and the base image pushed to the registry.
 */
export async function startBuilderRig(): Promise<BuilderRig> {
  const parts: Array<{ stop(): Promise<void> }> = [];
  const stop = async () => {
    for (const part of parts.reverse()) await part.stop().catch(() => undefined);
  };
  try {
    const registry = await startRegistry();
    parts.push(registry);
    const namespace = await startLoopbackNamespace({ reach: registry.endpoints });
    parts.push(namespace);
    const engine = await startEngine({ namespace });
    parts.push(engine);
    const local = await ensureBaseImage(engine);
    await installBuildx(engine);
    await engine.docker(
      ['login', '--username', registry.username, '--password-stdin', registry.host],
      { input: registry.password }
    );
    const base = `${registry.host}/rig/python:3.11-slim`;
    await engine.docker(['tag', local, base]);
    await engine.docker(['push', base]);
    const buildkitd = await startBuildkitd(engine, namespace, { registryHosts: [registry.host] });
    parts.push(buildkitd);
    return { registry, namespace, engine, buildkitd, base, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
