import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { registryConfig, startRegistry } from './registry.js';

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
    const registry = await startRegistry({ username: 'ci-bot', password: 'correct horse' });
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
