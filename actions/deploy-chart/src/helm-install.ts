import * as core from '@actions/core';
import path from 'node:path';
import { ActionError } from '../../shared/src/errors.js';
import { installVerified, webDownloads, type Downloads } from './verified-install.js';
import { helmTool, parseLatestVersion } from './helm-versions.js';
import { mirrorUrl } from './tool-site.js';

interface InstalledHelm {
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
    const dir = await installVerified(helmTool(version, mirror, web), web);
    const binary = path.join(dir, process.platform === 'win32' ? 'helm.exe' : 'helm');
    return { path: binary, version, major: version.startsWith('v3.') ? 3 : 4 };
  } catch (error) {
    throw new ActionError(
      `helm ${requested}: ${(error as Error).message}`,
      'Check helm-version (an existing release such as v4.1.4) and helm-mirror (it must serve helm-<version>-<os>-<arch>.tar.gz and its .sha256sum).'
    );
  }
}
