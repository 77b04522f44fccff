// A network namespace of the rig's own (`ip netns add builder-rig-<pid>-<hex>`) for the
// daemons that run build steps: dockerd puts its bridge and each RUN container there, and
// buildkitd runs its steps in it, so `RUN` has a network, yet nothing in it can send a
// packet off the machine: the namespace has loopback and whatever bridge a daemon adds, and
// no link to the machine's interfaces. The loopback services a build must reach (the
// registry, its token server) are forwarded in under the same 127.0.0.1:PORT addresses
// through unix sockets (netns-forwarder.mjs), one listener per named port, nothing else.
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isAlive, makeStateDir, spawnDaemon, waitUntilReady } from './daemon.js';

const run = promisify(execFile);
const FORWARDER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'netns-forwarder.mjs');
const PREFIX = 'builder-rig-';

export interface LoopbackNamespace {
  /** `builder-rig-<pid>-<hex>` */
  name: string;
  /** `/run/netns/<name>`, for `nsenter --net=`. */
  path: string;
  /** The ports of 127.0.0.1 forwarded in. */
  reach: number[];
  /** `command args` as run inside the namespace (network only; same files and mounts). */
  inside(command: string, args: string[]): [string, string[]];
  stop(): Promise<void>;
}

/** `127.0.0.1:5000` or `http://127.0.0.1:5000/token` → 5000; anything off loopback is refused. */
export function loopbackPort(endpoint: string): number {
  const url = new URL(endpoint.includes('://') ? endpoint : `tcp://${endpoint}`);
  if (url.hostname !== '127.0.0.1' || !url.port) {
    throw new Error(`${endpoint}: only 127.0.0.1:PORT services can be reached from the namespace`);
  }
  return Number(url.port);
}

/** Namespaces whose creating process is gone (a killed test process never ran its afterAll). */
export function deadNamespaces(list: string, alive: (pid: number) => boolean): string[] {
  return list
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter((name) => name.startsWith(PREFIX))
    .filter((name) => !alive(Number(name.slice(PREFIX.length).split('-')[0])));
}

export async function startLoopbackNamespace(
  options: { reach?: string[] } = {}
): Promise<LoopbackNamespace> {
  const { stdout } = await run('ip', ['netns', 'list']);
  for (const stale of deadNamespaces(stdout, isAlive)) {
    await run('ip', ['netns', 'delete', stale]).catch(() => undefined);
  }
  const ports = [...new Set((options.reach ?? []).map(loopbackPort))];
  const name = `${PREFIX}${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
  const nsPath = `/run/netns/${name}`;
  const dir = await makeStateDir('netns-rig-', ['forwarder.pid']);
  await run('ip', ['netns', 'add', name]);
  const servers: net.Server[] = [];
  const remove = async () => {
    for (const server of servers) server.close();
    await run('ip', ['netns', 'delete', name]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    for (const port of ports)
      servers.push(await serveOutside(path.join(dir, `${port}.sock`), port));
    const forwarder = spawnDaemon(
      'netns forwarder',
      'nsenter',
      [`--net=${nsPath}`, '--', process.execPath, FORWARDER, dir, ...ports.map(String)],
      { logFile: path.join(dir, 'forwarder.log') }
    );
    await writeFile(path.join(dir, 'forwarder.pid'), String(forwarder.pid));
    await waitUntilReady(forwarder, async () =>
      (await readFile(path.join(dir, 'forwarder.log'), 'utf8')).includes('ready')
    );
    return {
      name,
      path: nsPath,
      reach: ports,
      inside: (command, args) => ['nsenter', [`--net=${nsPath}`, '--', command, ...args]],
      stop: async () => {
        await forwarder.stop(2000);
        await remove();
      }
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** The machine-side end: each connection to the unix socket goes to 127.0.0.1:port. */
function serveOutside(socket: string, port: number): Promise<net.Server> {
  const server = net.createServer((inside) => {
    const outside = net.connect(port, '127.0.0.1');
    inside.pipe(outside).pipe(inside);
    inside.on('error', () => outside.destroy());
    outside.on('error', () => inside.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve(server));
  });
}
