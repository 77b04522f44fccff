// What the registry and engine rigs share: start a daemon whose output goes to a log file,
// wait until it answers, and stop it by PID. Daemons are started through
// `setpriv --pdeathsig TERM`, so even a test process that dies without running its
// afterAll takes its daemons down with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface Daemon {
  readonly name: string;
  readonly pid: number;
  /** Resolves once the process has exited (with its code or signal). */
  readonly exited: Promise<string>;
  hasExited(): boolean;
  /** The last lines the daemon wrote, for error messages. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnDaemon(
  name: string,
  command: string,
  args: string[],
  options: { logFile: string; env?: NodeJS.ProcessEnv }
): Daemon {
  const log = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn('setpriv', ['--pdeathsig', 'TERM', '--', command, ...args], {
      stdio: ['ignore', log, log],
      env: options.env ?? process.env
    });
  } finally {
    closeSync(log);
  }
  let done = false;
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => {
      done = true;
      resolve(`could not start: ${error.message}`);
    });
    child.once('exit', (code, signal) => {
      done = true;
      resolve(signal ? `killed by ${signal}` : `exited with code ${code}`);
    });
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  return {
    name,
    pid,
    exited,
    hasExited: () => done,
    logTail: (lines = 15) => tail(options.logFile, lines),
    async stop(graceMs = 10_000) {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
  };
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Polls `ready` until it returns true. Fails fast, with the daemon's log, when the daemon
 * exits first, so a bad flag shows up as its own error rather than as a timeout.
 */
export async function waitUntilReady(
  daemon: Daemon,
  ready: () => Promise<boolean>,
  timeoutMs = 20_000
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (daemon.hasExited()) {
      throw new Error(
        `${daemon.name} ${await daemon.exited} before it was ready:\n${daemon.logTail()}`
      );
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      await daemon.stop(1000);
      throw new Error(`${daemon.name} was not ready after ${timeoutMs} ms:\n${daemon.logTail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago (callers retry if they lose the race). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port'))
      );
    });
  });
}

/** Whether a process with this PID exists (signal 0 checks without signalling). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates `file` holding our PID, unless a live process already holds it. A lock whose
 * holder has died is taken over. Returns the holder's PID when the lock is taken.
 */
export async function tryLock(file: string): Promise<number | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx' });
      return undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await readFile(file, 'utf8').catch(() => ''));
      if (isAlive(holder)) return holder;
      await rm(file, { force: true });
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

/**
 * A fresh state dir under the system temp dir, marked with our PID in `owner.pid`. Dirs
 * with the same prefix left by dead test processes (a killed jest worker never runs its
 * afterAll) are removed first, once none of the PIDs recorded in them is alive.
 */
export async function makeStateDir(prefix: string, pidFiles: string[]): Promise<string> {
  await reapStateDirs(prefix, pidFiles);
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  await writeFile(path.join(dir, 'owner.pid'), String(process.pid));
  return dir;
}

async function reapStateDirs(prefix: string, pidFiles: string[]): Promise<void> {
  const entries = await readdir(os.tmpdir()).catch(() => [] as string[]);
  for (const entry of entries.filter((name) => name.startsWith(prefix))) {
    const dir = path.join(os.tmpdir(), entry);
    const pids = await Promise.all(
      ['owner.pid', ...pidFiles].map((file) =>
        readFile(path.join(dir, file), 'utf8').then(Number, () => 0)
      )
    );
    if (pids[0] === 0 || pids.some(isAlive)) continue; // not ours, or still in use
    if (mountsUnder(await readFile('/proc/mounts', 'utf8'), dir).length > 0) continue;
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Mount points at or below `dir`, deepest first, from /proc/mounts text (octal escapes
 * such as \040 for a space decoded).
 */
export function mountsUnder(procMounts: string, dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return procMounts
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((field): field is string => Boolean(field))
    .map((field) =>
      field.replace(/\\([0-7]{3})/g, (_, octal) => String.fromCharCode(parseInt(octal, 8)))
    )
    .filter((mount) => mount === dir || mount.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}
