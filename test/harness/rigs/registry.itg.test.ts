import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { registryConfig, startRegistry, type RegistryRig } from './registry.js';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('registryConfig', () => {
  test('binds loopback only, stores in the given dir and turns on htpasswd auth', () => {
    const config = parse(
      registryConfig({
        port: 5123,
        storageDir: '/tmp/r/storage',
        htpasswdFile: '/tmp/r/htpasswd',
        httpSecret: 's3cret'
      })
    );
    expect(config).toMatchObject({
      version: 0.1,
      http: { addr: '127.0.0.1:5123', secret: 's3cret' },
      storage: { filesystem: { rootdirectory: '/tmp/r/storage' } },
      auth: { htpasswd: { path: '/tmp/r/htpasswd' } }
    });
  });

  test('token auth names the realm, service, issuer and the certificate that signs tokens', () => {
    const token = {
      realm: 'http://127.0.0.1:4000/token',
      service: 'registry-rig',
      issuer: 'registry-rig-token-server',
      rootCertBundle: '/tmp/r/token-signer.pem'
    };
    const config = parse(
      registryConfig({ port: 5123, storageDir: '/tmp/r/storage', httpSecret: 's', token })
    );
    expect(config.auth).toEqual({
      token: {
        realm: token.realm,
        service: token.service,
        issuer: token.issuer,
        rootcertbundle: token.rootCertBundle
      }
    });
  });
});

describe('the real registry', () => {
  test('removes state dirs that dead test processes left, and only those', async () => {
    const deadPid = spawnSync('true').pid; // exited, so no process has this PID now
    const leftBehind = await mkdtemp(path.join(os.tmpdir(), 'registry-rig-'));
    await writeFile(path.join(leftBehind, 'owner.pid'), String(deadPid));
    const inUse = await mkdtemp(path.join(os.tmpdir(), 'registry-rig-'));
    await writeFile(path.join(inUse, 'owner.pid'), String(process.pid));
    const registry = await startRegistry();
    await registry.stop();
    expect(existsSync(leftBehind)).toBe(false);
    expect(existsSync(inUse)).toBe(true);
    await rm(inUse, { recursive: true });
  });

  test('asks for credentials, accepts only the right ones, and is gone after stop', async () => {
    const registry = await startRegistry({
      auth: 'basic',
      username: 'ci-bot',
      password: 'correct horse'
    });
    try {
      expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(registry.url).toBe(`http://${registry.host}`);

      const anonymous = await fetch(`${registry.url}/v2/`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);

      const wrong = await fetch(`${registry.url}/v2/`, {
        headers: { authorization: basic('ci-bot', 'wrong') }
      });
      expect(wrong.status).toBe(401);

      const right = await fetch(`${registry.url}/v2/`, {
        headers: { authorization: basic('ci-bot', 'correct horse') }
      });
      expect(right.status).toBe(200);
    } finally {
      await registry.stop();
    }
    await expect(fetch(`${registry.url}/v2/`)).rejects.toThrow();
  });
});

describe('the real registry with token auth (as ghcr.io)', () => {
  let registry: RegistryRig;
  beforeAll(async () => {
    registry = await startRegistry({ username: 'ci-bot', password: 'ghp_right' });
  });
  afterAll(() => registry.stop());

  /** Starts a blob upload: what a push does first, and needs the push action. */
  const startUpload = (authorization: string) =>
    fetch(`${registry.url}/v2/org/app/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization }
    });

  test('challenges with a Bearer realm and service, as ghcr.io does', async () => {
    const anonymous = await fetch(`${registry.url}/v2/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe(
      `Bearer realm="${registry.tokens!.realm}",service="registry-rig"`
    );
    expect(registry.endpoints).toEqual([registry.host, registry.tokens!.host]);
    const upload = await startUpload('');
    // distribution lists the actions in either order (a Go map): both are the same scope.
    expect(upload.headers.get('www-authenticate')).toMatch(
      /scope="repository:org\/app:(pull,push|push,pull)"/
    );
  });

  test('a push token may start an upload; a pull-only account gets a token without push', async () => {
    const pusher = await registry.authorization('repository:org/app:pull,push');
    const pushing = await startUpload(pusher);
    expect(pushing.status).toBe(202);
    await pushing.body?.cancel();

    const reader = await registry.authorization('repository:org/app:pull,push', registry.reader);
    const refused = await startUpload(reader);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toMatch(/UNAUTHORIZED|insufficient_scope/i);
    expect(registry.tokens!.issued.at(-1)).toEqual({
      username: 'rig-reader',
      requested: [{ type: 'repository', name: 'org/app', actions: ['pull', 'push'] }],
      granted: [{ type: 'repository', name: 'org/app', actions: ['pull'] }]
    });

    // The pull token reads manifests (404: nothing pushed yet, but not 401).
    const manifest = await fetch(`${registry.url}/v2/org/app/manifests/latest`, {
      headers: { authorization: reader }
    });
    expect(manifest.status).toBe(404);
    // A token for one repository is no use on another.
    const other = await fetch(`${registry.url}/v2/org/other/manifests/latest`, {
      headers: { authorization: reader }
    });
    expect(other.status).toBe(401);
  });

  test('a wrong token is refused by the token server; a forged JWT by the registry', async () => {
    await expect(
      registry.authorization('repository:org/app:pull', { username: 'ci-bot', password: 'bad' })
    ).rejects.toThrow(/token server answered 401/);
    const real = await registry.authorization('repository:org/app:pull,push');
    const [header, payload] = real.slice('Bearer '.length).split('.');
    const forged = `Bearer ${header}.${payload}.${Buffer.from('x'.repeat(64)).toString('base64url')}`;
    const refused = await startUpload(forged);
    expect(refused.status).toBe(401);
  });
});
