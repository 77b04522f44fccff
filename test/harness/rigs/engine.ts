// A real Docker engine (Debian's docker.io dockerd 20.10) started just for one test file:
// its own socket, exec root, pidfile and, unless the caller names one, its own throw-away
// data root, so engines started by parallel test files never share state. The machine's
// /etc/docker/daemon.json is not read. No bridge and no iptables: containers use
// `--network host` or `--network none`.
//
// CLI: the rig exposes Debian's /usr/bin/docker (20.10). With DOCKER_BUILDKIT=1 it builds
// with the daemon's BuildKit; the newer /usr/local/bin/docker has no buildx plugin and
// refuses DOCKER_BUILDKIT=1. `env.PATH` starts with a directory holding only a `docker`
// link to it, so anything that runs `docker` from PATH with `env` gets the same CLI.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import {
  makeStateDir,
  mountsUnder,
  spawnDaemon,
  tryLock,
  waitUntilReady,
  type Daemon
} from './daemon.js';
import type { LoopbackNamespace } from './netns.js';

export interface EngineRig {
  /** `unix:///tmp/engine-rig-XXXX/docker.sock` */
  host: string;
  /** DOCKER_HOST, DOCKER_BUILDKIT=1, DOCKER_CONFIG (a private client config) and PATH. */
  env: Record<string, string>;
  /** Debian's docker CLI, which talks BuildKit to this daemon. */
  dockerBin: string;
  storageDriver: string;
  /** Runs the rig's docker CLI against this engine; rejects with stderr on a non-zero exit. */
  docker(args: string[], options?: { input?: string; cwd?: string }): Promise<DockerResult>;
  stop(): Promise<void>;
}

export interface DockerResult {
  stdout: string;
  stderr: string;
}

export interface StartEngineOptions {
  /**
   * A persistent data root (e.g. under .cache/) so images and build cache survive runs.
   * Only one engine may use it at a time: the rig refuses one that a live engine holds.
   */
  dataRoot?: string;
  /** Tried in order; the first the daemon starts with wins. */
  storageDrivers?: string[];
  /**
   * Run dockerd inside this network namespace with its default bridge there, so `RUN` steps
   * and containers have a network that ends at the namespace (see netns.ts). Without it,
   * dockerd runs in the machine's namespace with no bridge, and any `RUN` fails.
   */
  namespace?: LoopbackNamespace;
}

export const DOCKER_CLI = '/usr/bin/docker';
const DOCKERD = 'dockerd';
const DEFAULT_STORAGE_DRIVERS = ['overlay2', 'vfs'];

export interface EnginePaths {
  socket: string;
  dataRoot: string;
  execRoot: string;
  pidFile: string;
  configFile: string;
}

/**
 * dockerd's command line for one engine; pure so a test can read it. In the machine's
 * namespace there is no bridge; in the rig's own namespace the default bridge is made
 * there, with no forwarding or masquerading (there is nowhere to forward to).
 */
export function dockerdArgs(
  paths: EnginePaths,
  storageDriver: string,
  network: 'none' | 'namespace' = 'none'
): string[] {
  return [
    `--host=unix://${paths.socket}`,
    `--data-root=${paths.dataRoot}`,
    `--exec-root=${paths.execRoot}`,
    `--pidfile=${paths.pidFile}`,
    `--config-file=${paths.configFile}`,
    `--storage-driver=${storageDriver}`,
    '--iptables=false',
    '--ip6tables=false',
    ...(network === 'none' ? ['--bridge=none'] : ['--ip-forward=false', '--ip-masq=false']),
    // Containers still running when the test stops the engine get 3 s, not 15 s.
    '--shutdown-timeout=3',
    '--log-level=warn'
  ];
}

export async function startEngine(options: StartEngineOptions = {}): Promise<EngineRig> {
  // Short path under /tmp: unix socket paths are limited to 107 bytes.
  const stateDir = await makeStateDir('engine-rig-', ['docker.pid']);
  const dataRoot = options.dataRoot ?? path.join(stateDir, 'data');
  let lock: string | undefined;
  try {
    if (options.dataRoot) lock = await lockDataRoot(options.dataRoot);
    const paths: EnginePaths = {
      socket: path.join(stateDir, 'docker.sock'),
      dataRoot,
      execRoot: path.join(stateDir, 'exec'),
      pidFile: path.join(stateDir, 'docker.pid'),
      configFile: path.join(stateDir, 'daemon.json')
    };
    await writeFile(paths.configFile, '{}\n');
    const env = await clientEnv(stateDir, paths.socket);
    const { daemon, storageDriver } = await startDaemon(
      paths,
      stateDir,
      options.storageDrivers ?? DEFAULT_STORAGE_DRIVERS,
      options.namespace
    );
    const stop = async () => {
      await daemon.stop(15_000);
      await unmountUnder(stateDir);
      if (options.dataRoot) await unmountUnder(options.dataRoot);
      if (lock) await rm(lock, { force: true });
      await rm(stateDir, { recursive: true, force: true });
    };
    return {
      host: `unix://${paths.socket}`,
      env,
      dockerBin: DOCKER_CLI,
      storageDriver,
      docker: (args, runOptions) => runDocker(env, args, runOptions),
      stop
    };
  } catch (error) {
    if (lock) await rm(lock, { force: true });
    await rm(stateDir, { recursive: true, force: true });
    throw error;
  }
}

async function startDaemon(
  paths: EnginePaths,
  stateDir: string,
  drivers: string[],
  namespace: LoopbackNamespace | undefined
): Promise<{ daemon: Daemon; storageDriver: string }> {
  const failures: string[] = [];
  for (const driver of drivers) {
    const args = dockerdArgs(paths, driver, namespace ? 'namespace' : 'none');
    const [command, argv] = namespace ? namespace.inside(DOCKERD, args) : [DOCKERD, args];
    const daemon = spawnDaemon(`dockerd (${driver})`, command, argv, {
      logFile: path.join(stateDir, `dockerd-${driver}.log`)
    });
    try {
      await waitUntilReady(daemon, () => pings(paths.socket));
      const info = JSON.parse(await engineApi(paths.socket, '/info')) as { Driver: string };
      if (info.Driver === driver) return { daemon, storageDriver: driver };
      failures.push(`${driver}: the daemon chose ${info.Driver}`);
    } catch (error) {
      failures.push((error as Error).message);
    }
    await daemon.stop(5000);
    await unmountUnder(stateDir);
  }
  throw new Error(`dockerd did not start with any storage driver:\n${failures.join('\n')}`);
}

async function clientEnv(stateDir: string, socket: string): Promise<Record<string, string>> {
  const bin = path.join(stateDir, 'bin');
  const clientConfig = path.join(stateDir, 'client-config');
  await mkdir(bin);
  await mkdir(clientConfig, { mode: 0o700 });
  await symlink(DOCKER_CLI, path.join(bin, 'docker'));
  return {
    DOCKER_HOST: `unix://${socket}`,
    DOCKER_BUILDKIT: '1',
    // Logins made through this engine stay out of ~/.docker.
    DOCKER_CONFIG: clientConfig,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`
  };
}

function runDocker(
  env: Record<string, string>,
  args: string[],
  options: { input?: string; cwd?: string } = {}
): Promise<DockerResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      DOCKER_CLI,
      args,
      { env: { ...process.env, ...env }, cwd: options.cwd, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`docker ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
        } else {
          resolve({ stdout, stderr });
        }
      }
    );
    child.stdin?.end(options.input ?? '');
  });
}

/** GET on the engine API over its unix socket. */
export function engineApi(socket: string, apiPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get({ socketPath: socket, path: apiPath, timeout: 2000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode === 200) resolve(body);
        else reject(new Error(`GET ${apiPath}: HTTP ${response.statusCode} ${body.trim()}`));
      });
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${apiPath} timed out`)));
    request.on('error', reject);
  });
}

async function pings(socket: string): Promise<boolean> {
  return existsSync(socket) && (await engineApi(socket, '/_ping')) === 'OK';
}

/** A daemon killed hard can leave overlay and shm mounts behind, which would block rm. */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = mountsUnder(readFileSync('/proc/mounts', 'utf8'), dir);
  for (const mount of mounts) {
    await new Promise<void>((resolve) => execFile('umount', ['-l', mount], () => resolve()));
  }
}

/**
 * Marks a persistent data root as in use by this process: two daemons on one data root
 * corrupt it, so one held by a live process is an error (a dead holder's lock is taken over).
 */
async function lockDataRoot(dataRoot: string): Promise<string> {
  await mkdir(dataRoot, { recursive: true });
  const lock = path.join(dataRoot, '.engine-rig.lock');
  const holder = await tryLock(lock);
  if (holder !== undefined) {
    throw new Error(
      `data root ${dataRoot} is in use by process ${holder}; start this engine without ` +
        `dataRoot (a temp data root) or with another directory`
    );
  }
  return lock;
}
