// A real Docker registry (Debian's docker-registry, distribution 2.8) on 127.0.0.1 with
// storage in a temp dir and one of two kinds of authentication: ghcr.io's (the default: a
// Bearer challenge naming a loopback token server that issues scoped JWTs for a username and
// token, see token-server.ts), or htpasswd basic auth (bcrypt, made by apache2-utils'
// htpasswd). Docker engines treat 127.0.0.0/8 as an insecure registry, so plain HTTP is fine.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, makeStateDir, spawnDaemon, waitUntilReady, type Daemon } from './daemon.js';
import { startTokenServer, type TokenServer } from './token-server.js';

export type RegistryAuth = 'token' | 'basic';

export interface RegistryAccount {
  username: string;
  password: string;
}

export interface RegistryRig {
  /** `127.0.0.1:PORT`, the registry part of an image reference. */
  host: string;
  /** `http://127.0.0.1:PORT`, for calls to the /v2/ API. */
  url: string;
  auth: RegistryAuth;
  /** The account that may push (and pull). */
  username: string;
  password: string;
  /** An account that may only pull (token auth; with basic auth it may push too). */
  reader: RegistryAccount;
  /** Every `host:port` a client must reach: the registry, and the token server's realm. */
  endpoints: string[];
  /** The token server (token auth only): its realm, and every token it issued. */
  tokens?: TokenServer;
  /**
   * The Authorization header for a /v2/ call needing `scope` (`repository:org/app:pull`),
   * as a client gets it: a Bearer token from the realm, or Basic. The push account by default.
   */
  authorization(scope: string, account?: RegistryAccount): Promise<string>;
  stop(): Promise<void>;
}

export type RegistryConfigInput = {
  port: number;
  storageDir: string;
  /** Signs upload state; any random string, new for each registry. */
  httpSecret: string;
} & (
  | { htpasswdFile: string }
  | { token: { realm: string; service: string; issuer: string; rootCertBundle: string } }
);

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
    auth:
      'token' in input
        ? {
            token: {
              realm: input.token.realm,
              service: input.token.service,
              issuer: input.token.issuer,
              rootcertbundle: input.token.rootCertBundle
            }
          }
        : { htpasswd: { realm: 'registry-rig', path: input.htpasswdFile } }
  };
  return JSON.stringify(config, null, 2) + '\n';
}

const ATTEMPTS = 3; // another process may take the free port between probe and bind

export async function startRegistry(
  options: {
    /** `token` (ghcr.io's Bearer handshake, the default) or `basic` (htpasswd). */
    auth?: RegistryAuth;
    username?: string;
    password?: string;
    /** Keep pushed images here across runs (the local pipeline's second run skips its build). */
    storageDir?: string;
  } = {}
): Promise<RegistryRig> {
  const auth = options.auth ?? 'token';
  const username = options.username ?? 'rig-user';
  const password = options.password ?? randomBytes(12).toString('hex');
  const reader = { username: 'rig-reader', password: randomBytes(12).toString('hex') };
  const dir = await makeStateDir('registry-rig-', ['registry.pid']);
  let tokens: TokenServer | undefined;
  try {
    let authConfig: { htpasswdFile: string } | { token: TokenConfig };
    if (auth === 'token') {
      tokens = await startTokenServer({
        service: 'registry-rig',
        accounts: [
          { username, password, rights: 'push' },
          { ...reader, rights: 'pull' }
        ]
      });
      const rootCertBundle = path.join(dir, 'token-signer.pem');
      await writeFile(rootCertBundle, tokens.certificatePem);
      const { realm, service, issuer } = tokens;
      authConfig = { token: { realm, service, issuer, rootCertBundle } };
    } else {
      const htpasswdFile = path.join(dir, 'htpasswd');
      const entries = [
        await bcryptEntry(username, password),
        await bcryptEntry(reader.username, reader.password)
      ];
      await writeFile(htpasswdFile, entries.join(''), { mode: 0o600 });
      authConfig = { htpasswdFile };
    }
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const configFile = path.join(dir, `config-${port}.yml`);
      const config = registryConfig({
        port,
        storageDir: options.storageDir ?? path.join(dir, 'storage'),
        httpSecret: randomBytes(16).toString('hex'),
        ...authConfig
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
      const host = `127.0.0.1:${port}`;
      const server = tokens;
      return {
        host,
        url,
        auth,
        username,
        password,
        reader,
        endpoints: server ? [host, server.host] : [host],
        tokens: server,
        authorization: (scope, account = { username, password }) =>
          server ? bearerAuthorization(server, scope, account) : Promise.resolve(basic(account)),
        stop: () => stopRegistry(daemon, dir, server)
      };
    }
  } catch (error) {
    await tokens?.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

type TokenConfig = { realm: string; service: string; issuer: string; rootCertBundle: string };

const basic = ({ username, password }: RegistryAccount) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

/** A token for `scope` from the realm, as a client asks for one (GET with Basic). */
async function bearerAuthorization(
  server: TokenServer,
  scope: string,
  account: RegistryAccount
): Promise<string> {
  const url = new URL(server.realm);
  url.searchParams.set('service', server.service);
  url.searchParams.set('scope', scope);
  const response = await fetch(url, { headers: { authorization: basic(account) } });
  if (response.status !== 200) {
    throw new Error(`token server answered ${response.status}: ${await response.text()}`);
  }
  return `Bearer ${((await response.json()) as { token: string }).token}`;
}

async function stopRegistry(daemon: Daemon, dir: string, tokens?: TokenServer): Promise<void> {
  await daemon.stop(5000);
  await tokens?.stop();
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
