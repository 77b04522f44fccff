// A real Docker registry (Debian's docker-registry, distribution 2.8) on 127.0.0.1 with
// htpasswd basic auth (bcrypt, made by apache2-utils' htpasswd) and storage in a temp dir.
// Docker engines treat 127.0.0.0/8 as an insecure registry, so plain HTTP is fine.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, makeStateDir, spawnDaemon, waitUntilReady, type Daemon } from './daemon.js';

export interface RegistryRig {
  /** `127.0.0.1:PORT`, the registry part of an image reference. */
  host: string;
  /** `http://127.0.0.1:PORT`, for calls to the /v2/ API. */
  url: string;
  username: string;
  password: string;
  stop(): Promise<void>;
}

export interface RegistryConfigInput {
  port: number;
  storageDir: string;
  htpasswdFile: string;
  /** Signs upload state; any random string, new for each registry. */
  httpSecret: string;
}

/** The registry's config file (YAML is a superset of JSON, so JSON keeps it exact). */
export function registryConfig(input: RegistryConfigInput): string {
  const config = {
    version: 0.1,
    log: { level: 'warn', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: input.storageDir },
      delete: { enabled: true },
      // Uploads are never left half done long enough for this to matter in a test.
      maintenance: { uploadpurging: { enabled: false } }
    },
    http: { addr: `127.0.0.1:${input.port}`, secret: input.httpSecret },
    auth: { htpasswd: { realm: 'registry-rig', path: input.htpasswdFile } }
  };
  return JSON.stringify(config, null, 2) + '\n';
}

const ATTEMPTS = 3; // another process may take the free port between probe and bind

export async function startRegistry(
  options: {
    username?: string;
    password?: string;
    /** Keep pushed images here across runs (the local pipeline's second run skips its build). */
    storageDir?: string;
  } = {}
): Promise<RegistryRig> {
  const username = options.username ?? 'rig-user';
  const password = options.password ?? randomBytes(12).toString('hex');
  const dir = await makeStateDir('registry-rig-', ['registry.pid']);
  try {
    const htpasswdFile = path.join(dir, 'htpasswd');
    await writeFile(htpasswdFile, await bcryptEntry(username, password), { mode: 0o600 });
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const configFile = path.join(dir, `config-${port}.yml`);
      const config = registryConfig({
        port,
        storageDir: options.storageDir ?? path.join(dir, 'storage'),
        htpasswdFile,
        httpSecret: randomBytes(16).toString('hex')
      });
      await writeFile(configFile, config);
      const daemon = spawnDaemon('docker-registry', 'docker-registry', ['serve', configFile], {
        logFile: path.join(dir, 'registry.log')
      });
      await writeFile(path.join(dir, 'registry.pid'), String(daemon.pid));
      const url = `http://127.0.0.1:${port}`;
      try {
        await waitUntilReady(daemon, () => answersWithAuthChallenge(url));
      } catch (error) {
        if (attempt < ATTEMPTS && /address already in use/.test(daemon.logTail())) continue;
        throw error;
      }
      return {
        host: `127.0.0.1:${port}`,
        url,
        username,
        password,
        stop: () => stopRegistry(daemon, dir)
      };
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function stopRegistry(daemon: Daemon, dir: string): Promise<void> {
  await daemon.stop(5000);
  await rm(dir, { recursive: true, force: true });
}

/** `user:$2y$...`; the password goes through stdin, never onto a command line. */
async function bcryptEntry(username: string, password: string): Promise<string> {
  const run = promisify(execFile);
  const child = run('htpasswd', ['-i', '-B', '-n', username]);
  child.child.stdin?.end(password);
  const { stdout } = await child;
  return stdout.trim() + '\n';
}

/** Ready means the /v2/ endpoint answers and asks for credentials (auth is really on). */
async function answersWithAuthChallenge(url: string): Promise<boolean> {
  const response = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
  await response.body?.cancel();
  return response.status === 401;
}
