import * as core from '@actions/core';
import * as tc from '@actions/tool-cache';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ActionError } from '../../shared/src/errors.js';
import { sha256File, webDownloads, type Downloads } from './download.js';
import {
  helmArchiveName,
  helmPlatform,
  helmToolName,
  isOfficialHelmMirror,
  mirrorUrl,
  parseLatestVersion,
  parseSha256File,
  verifyDigest
} from './helm-versions.js';

export interface InstalledHelm {
  path: string;
  version: string;
  major: 3 | 4;
}

async function resolveVersion(version: string, mirror: string, web: Downloads): Promise<string> {
  if (version !== 'latest') return version;
  const url = mirrorUrl(mirror, 'helm-latest-version');
  const resolved = parseLatestVersion(await web.text(url));
  core.info(`helm: latest is ${resolved} (${url})`);
  return resolved;
}

/** Download → verify → extract → cache; the tool cache then serves every later run. */
async function downloadVerified(version: string, mirror: string, web: Downloads): Promise<string> {
  const platform = helmPlatform(process.platform, process.arch);
  const file = helmArchiveName(version, platform);
  const url = mirrorUrl(mirror, file);
  core.info(`helm: downloading ${url}`);
  const published = parseSha256File(await web.text(`${url}.sha256sum`));
  const archive = await web.file(url);
  let extracted: string | undefined;
  try {
    const how = verifyDigest({
      file,
      actual: await sha256File(archive),
      published,
      official: isOfficialHelmMirror(mirror)
    });
    core.info(`helm: ${file}: ${how}`);
    extracted =
      platform.archive === 'zip' ? await tc.extractZip(archive) : await tc.extractTar(archive);
    const binDir = path.join(extracted, `${platform.os}-${platform.arch}`);
    const binary = platform.os === 'windows' ? 'helm.exe' : 'helm';
    if (!existsSync(path.join(binDir, binary))) {
      throw new Error(`${file} has no ${platform.os}-${platform.arch}/${binary}`);
    }
    return await tc.cacheDir(binDir, helmToolName(mirror), version);
  } finally {
    // The tool cache holds its own copy; self-hosted runners keep RUNNER_TEMP until job end.
    await rm(archive, { force: true });
    if (extracted) await rm(extracted, { recursive: true, force: true });
  }
}

/**
 * azure/setup-helm's order: tool cache → download → verify sha256 → extract → cache → PATH.
 * The cache is keyed by download site (helmToolName): a binary is reused only by runs of the
 * site it was verified from.
 */
export async function installHelm(
  requested: string,
  mirror: string,
  web: Downloads = webDownloads
): Promise<InstalledHelm> {
  try {
    const version = await resolveVersion(requested, mirror, web);
    let dir = tc.find(helmToolName(mirror), version);
    if (dir)
      core.info(`helm: ${version} from the tool cache (verified from ${mirror} when cached)`);
    else dir = await downloadVerified(version, mirror, web);
    core.addPath(dir);
    const binary = path.join(dir, process.platform === 'win32' ? 'helm.exe' : 'helm');
    return { path: binary, version, major: version.startsWith('v3.') ? 3 : 4 };
  } catch (error) {
    throw new ActionError(
      `helm ${requested}: ${(error as Error).message}`,
      'Check helm-version (an existing release such as v4.1.4) and helm-mirror (it must serve helm-<version>-<os>-<arch>.tar.gz and its .sha256sum).'
    );
  }
}
