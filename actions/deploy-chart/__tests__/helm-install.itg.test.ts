// installHelm against the loopback helm mirror (archives built from the real helm binaries):
// verified, cached, served from the tool cache the second time, and a corrupt archive refused.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import * as tc from '@actions/tool-cache';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fetchText, type Downloads } from '../src/verified-install.js';
import { installHelm } from '../src/helm-install.js';
import { helmToolName } from '../src/helm-versions.js';
import { OFFICIAL_HELM_MIRROR } from '../src/tool-site.js';
import { helmPath } from '../../../test/harness/rigs/helm.js';
import {
  archiveName,
  startHelmMirror,
  type HelmMirror
} from '../../../test/harness/rigs/helm-mirror.js';

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
      path: expect.stringContaining(
        path.join(runner, 'toolcache', helmToolName(mirror.url), '3.17.2')
      ),
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
    expect(readdirSync(path.join(runner, 'toolcache'))).toEqual([]);
  });
});

/**
 * https://get.helm.sh as seen from this machine: the loopback mirror's archives (rebuilt from
 * the real binaries, so not the official bytes) under the official URLs. Records what is asked.
 */
function officialSiteServingMirrorBytes(asked: string[], site: HelmMirror): Downloads {
  const local = (url: string) => {
    asked.push(url);
    return url.replace(OFFICIAL_HELM_MIRROR, site.url);
  };
  return { text: (url) => fetchText(local(url)), file: (url) => tc.downloadTool(local(url)) };
}

describe('the tool cache remembers which site a helm was verified from', () => {
  let mirror: HelmMirror; // not corrupted by the tests above
  beforeAll(async () => {
    mirror = await startHelmMirror();
  });
  afterAll(() => mirror.stop());

  test('a helm cached from a custom mirror is not used by a run of the official site', async () => {
    const runner = freshRunner('mirror-then-official');
    const fromMirror = await installHelm('v4.1.4', mirror.url);
    expect(fromMirror.path.startsWith(path.join(runner, 'toolcache'))).toBe(true);

    // The official run ignores that binary: it downloads, and holds the archive to the sum
    // shipped in the action, which the mirror's rebuilt archive does not match.
    const asked: string[] = [];
    await expect(
      installHelm('v4.1.4', OFFICIAL_HELM_MIRROR, officialSiteServingMirrorBytes(asked, mirror))
    ).rejects.toThrow(/matches the site's \.sha256sum but not the sum shipped in this action/);
    expect(asked).toEqual([
      `${OFFICIAL_HELM_MIRROR}/${archiveName('v4.1.4')}.sha256sum`,
      `${OFFICIAL_HELM_MIRROR}/${archiveName('v4.1.4')}`
    ]);
    // and the mirror's binary is still served to the mirror's runs
    mirror.requests.splice(0);
    expect((await installHelm('v4.1.4', mirror.url)).path).toBe(fromMirror.path);
    expect(mirror.requests).toEqual([]);
  });

  test('a helm another tool cached under the plain name "helm" is not used either', async () => {
    const runner = freshRunner('foreign-helm');
    // As azure/setup-helm (with any downloadBaseURL) or an older version of this action left it.
    const foreign = path.join(runner, 'toolcache', 'helm', '4.1.4', os.arch());
    mkdirSync(foreign, { recursive: true });
    copyFileSync(helmPath('v4.1.4'), path.join(foreign, 'helm'));
    writeFileSync(`${foreign}.complete`, '');
    expect(tc.find('helm', 'v4.1.4')).toBe(foreign);

    const asked: string[] = [];
    await expect(
      installHelm('v4.1.4', OFFICIAL_HELM_MIRROR, officialSiteServingMirrorBytes(asked, mirror))
    ).rejects.toThrow(/not the sum shipped in this action/);
    expect(asked).toHaveLength(2);
    const mirrored = await installHelm('v4.1.4', mirror.url);
    expect(mirrored.path).not.toContain(foreign);
  });
});
