// installHelm against the loopback helm mirror (archives built from the real helm binaries):
// verified, cached, served from the tool cache the second time, and a corrupt archive refused.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installHelm } from '../src/helm-install.js';
import { archiveName, startHelmMirror, type HelmMirror } from '../../../test/rigs/helm-mirror.js';

let mirror: HelmMirror;
let work: string;
const saved = { ...process.env };

beforeAll(async () => {
  mirror = await startHelmMirror();
  work = mkdtempSync(path.join(os.tmpdir(), 'helm-install-'));
});
afterAll(async () => {
  await mirror.stop();
  rmSync(work, { recursive: true, force: true });
  process.env = saved;
});

/** A fresh runner: empty tool cache and temp dir, PATH additions to a file. */
function freshRunner(name: string): string {
  const dir = path.join(work, name);
  for (const sub of ['toolcache', 'temp']) execFileSync('mkdir', ['-p', path.join(dir, sub)]);
  writeFileSync(path.join(dir, 'path'), '');
  process.env = {
    ...saved,
    RUNNER_TOOL_CACHE: path.join(dir, 'toolcache'),
    RUNNER_TEMP: path.join(dir, 'temp'),
    GITHUB_PATH: path.join(dir, 'path')
  };
  return dir;
}

beforeEach(() => {
  mirror.requests.splice(0);
});

describe('installHelm from a mirror', () => {
  test('verifies against the published sum and caches; the second run downloads nothing', async () => {
    const runner = freshRunner('cache');
    const first = await installHelm('v3.17.2', mirror.url);
    expect(first).toEqual({
      path: expect.stringContaining(path.join(runner, 'toolcache', 'helm', '3.17.2')),
      version: 'v3.17.2',
      major: 3
    });
    expect(execFileSync(first.path, ['version', '--short'], { encoding: 'utf8' })).toMatch(
      /^v3\.17\.2/
    );
    expect(mirror.requests).toEqual([
      `/${archiveName('v3.17.2')}.sha256sum`,
      `/${archiveName('v3.17.2')}`
    ]);

    const second = await installHelm('v3.17.2', mirror.url);
    expect(second.path).toBe(first.path);
    expect(mirror.requests).toHaveLength(2); // nothing new: served from the tool cache
  });

  test('latest resolves through helm-latest-version', async () => {
    freshRunner('latest');
    const helm = await installHelm('latest', mirror.url);
    expect(helm).toMatchObject({ version: 'v4.1.4', major: 4 });
    expect(mirror.requests[0]).toBe('/helm-latest-version');
    expect(execFileSync(helm.path, ['version', '--short'], { encoding: 'utf8' })).toMatch(
      /^v4\.1\.4/
    );
  });

  test('a version the mirror does not have names the URL', async () => {
    freshRunner('missing');
    await expect(installHelm('v4.9.9', mirror.url)).rejects.toThrow(
      /^helm v4\.9\.9: GET http:\/\/127\.0\.0\.1:\d+\/helm-v4\.9\.9-linux-\w+\.tar\.gz\.sha256sum answered HTTP 404\nCheck helm-version/
    );
  });

  test('a corrupted archive is refused and nothing is cached', async () => {
    const runner = freshRunner('corrupt');
    mirror.corrupt('v4.1.4');
    await expect(installHelm('v4.1.4', mirror.url)).rejects.toThrow(
      /^helm v4\.1\.4: helm-v4\.1\.4-linux-\w+\.tar\.gz: sha256 [0-9a-f]{64} does not match the published .*refusing to use it/
    );
    expect(existsSync(path.join(runner, 'toolcache', 'helm'))).toBe(false);
  });
});
