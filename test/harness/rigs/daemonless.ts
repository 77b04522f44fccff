// Podman and buildah (Debian's) with their own image store in a temp dir: the machine's
// image store, /etc/containers/*.conf and registries are not used. One thing stays shared:
// as root, containers/image keeps its blob-info cache (which compressed blob a layer became,
// no credentials) in /var/lib/containers/cache, even with another storage root (seen here).
// Both tools read the same storage.conf, so an image imported with podman is seen by
// buildah. Nothing here runs a daemon; `stop()` unmounts what is left and removes the store
// (not `podman system reset`, which also clears the machine's network configs); a store left
// by a killed test process is unmounted and removed by the next start.
//
// `env` also points DOCKER_HOST at a socket nobody listens on, so a step given it finds a
// docker CLI whose daemon does not answer, as on a self-hosted runner without dockerd.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  IMAGE_DOCKERFILE,
  IMPORT_CHANGES,
  importMarker,
  prepareBaseImageTarball,
  resolveBaseImage
} from './base-image.js';
import { isAlive, makeStateDir, mountsUnder } from './daemon.js';

export type DaemonlessTool = 'podman' | 'buildah';

export interface DaemonlessRig {
  /** CONTAINERS_STORAGE_CONF, CONTAINERS_CONF, CONTAINERS_REGISTRIES_CONF, DOCKER_HOST. */
  env: Record<string, string>;
  storageDriver: string;
  /** A PATH holding only these commands (e.g. `docker` and `buildah`, but no `podman`). */
  pathWith(commands: string[]): Promise<string>;
  /** Runs podman or buildah on this store; rejects with stderr on a non-zero exit. */
  run(tool: DaemonlessTool, args: string[]): Promise<string>;
  stop(): Promise<void>;
}

const STORAGE_DRIVERS = ['overlay', 'vfs'];

/** The config files that keep both tools inside `dir`; pure so a test can read them. */
export function daemonlessConfig(dir: string, driver: string): Record<string, string> {
  return {
    'storage.conf': [
      '[storage]',
      `driver = "${driver}"`,
      `graphroot = "${dir}/storage"`,
      `runroot = "${dir}/run"`,
      ''
    ].join('\n'),
    'containers.conf': [
      '[containers]',
      'netns = "none"',
      '[engine]',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `events_logfile_path = "${dir}/events.log"`,
      `tmp_dir = "${dir}/libpod-tmp"`,
      ''
    ].join('\n'),
    // No search registries: a short name that is not in the store fails instead of pulling.
    'registries.conf': ['unqualified-search-registries = []', ''].join('\n')
  };
}

/**
 * `python:3.11-slim` as podman stores a pulled image (docker.io/library/...): imported
 * under a short name it would become localhost/python, which FROM python:... does not match.
 */
export function qualifiedName(name: string): string {
  const first = name.split('/')[0];
  if (name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost'))
    return name;
  return `docker.io/${name.includes('/') ? '' : 'library/'}${name}`;
}

const PREFIX = 'daemonless-rig-';

export async function startDaemonless(): Promise<DaemonlessRig> {
  await unmountDeadStores();
  const dir = await makeStateDir(PREFIX, []);
  const env = {
    CONTAINERS_STORAGE_CONF: path.join(dir, 'storage.conf'),
    CONTAINERS_CONF: path.join(dir, 'containers.conf'),
    CONTAINERS_REGISTRIES_CONF: path.join(dir, 'registries.conf'),
    DOCKER_HOST: `unix://${dir}/no-docker.sock`
  };
  const run = (tool: DaemonlessTool, args: string[]) => runTool(tool, args, env);
  const stop = async () => {
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const storageDriver = await pickStorageDriver(dir, run);
    let bins = 0;
    const pathWith = async (commands: string[]) => {
      const bin = path.join(dir, `bin-${++bins}`);
      await mkdir(bin);
      for (const command of commands) {
        const target = await whichOnPath(command);
        await symlink(target, path.join(bin, command));
      }
      return bin;
    };
    return { env, storageDriver, pathWith, run, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** overlay where the kernel allows it (fast), else vfs (a full copy per layer). */
async function pickStorageDriver(dir: string, run: DaemonlessRig['run']): Promise<string> {
  const failures: string[] = [];
  for (const driver of STORAGE_DRIVERS) {
    for (const [name, text] of Object.entries(daemonlessConfig(dir, driver))) {
      await writeFile(path.join(dir, name), text);
    }
    try {
      const chosen = (
        await run('podman', ['info', '--format', '{{.Store.GraphDriverName}}'])
      ).trim();
      if (chosen === driver) return driver;
      failures.push(`${driver}: podman chose ${chosen}`);
    } catch (error) {
      failures.push(`${driver}: ${(error as Error).message}`);
    }
    await rm(path.join(dir, 'storage'), { recursive: true, force: true });
  }
  throw new Error(`podman works with no storage driver here:\n${failures.join('\n')}`);
}

/**
 * Imports the Dockerfile's base image from the offline root filesystem (see base-image.ts)
 * under the name its FROM resolves to; returns that name.
 */
export async function importBaseImage(
  rig: DaemonlessRig,
  dockerfile = IMAGE_DOCKERFILE
): Promise<string> {
  const name = qualifiedName(resolveBaseImage(readFileSync(dockerfile, 'utf8')).name);
  const tarball = await prepareBaseImageTarball(dockerfile);
  const changes = IMPORT_CHANGES.flatMap((change) => ['--change', change]);
  const message = importMarker(path.basename(tarball, '.tar'));
  await rig.run('podman', ['import', '--quiet', '--message', message, ...changes, tarball, name]);
  return name;
}

async function unmountUnder(dir: string): Promise<void> {
  for (const mount of mountsUnder(readFileSync('/proc/mounts', 'utf8'), dir)) {
    await new Promise<void>((resolve) => execFile('umount', ['-l', mount], () => resolve()));
  }
}

/**
 * The overlay driver bind-mounts its own directory; a test process killed before stop()
 * leaves that mount, and makeStateDir's reaper keeps dirs with mounts. Unmount those of
 * dead owners so the reaper can remove them.
 */
async function unmountDeadStores(): Promise<void> {
  for (const entry of readdirSync(os.tmpdir()).filter((name) => name.startsWith(PREFIX))) {
    const dir = path.join(os.tmpdir(), entry);
    const owner = Number(await readFile(path.join(dir, 'owner.pid'), 'utf8').catch(() => '0'));
    if (owner !== 0 && !isAlive(owner)) await unmountUnder(dir);
  }
}

function whichOnPath(command: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('sh', ['-c', 'command -v "$1"', 'sh', command], (error, stdout) =>
      error ? reject(new Error(`${command} is not installed`)) : resolve(stdout.trim())
    )
  );
}

function runTool(
  tool: DaemonlessTool,
  args: string[],
  env: Record<string, string>
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      tool,
      args,
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`${tool} ${args.join(' ')} failed: ${stderr.trim() || error.message}`))
          : resolve(stdout)
    );
  });
}
