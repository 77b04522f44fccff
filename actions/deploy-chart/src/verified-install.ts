// The one way tools are installed (azure/setup-helm's order): tool cache → download → verify
// sha256 → extract → cache → PATH. helm and the AWS CLI both come through installVerified, and
// every byte comes over the one HTTP edge the actions use (shared/src/http.ts: Node's fetch).
import * as core from '@actions/core';
import * as tc from '@actions/tool-cache';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fetchClient, NetworkError } from '../../shared/src/http.js';
import { mirrorUrl } from './tool-site.js';

/** Where tool downloads come from; an object so a test can hand in its own site. */
export interface Downloads {
  /** A small text file's body; non-2xx is an error naming the URL. */
  text(url: string): Promise<string>;
  /** Downloads to a temporary file and returns its path. */
  file(url: string): Promise<string>;
}

/** GETs a small text file (a version pointer, a .sha256sum); non-2xx is an error naming the URL. */
export async function fetchText(url: string): Promise<string> {
  let response;
  try {
    response = await fetchClient().request({ method: 'GET', url });
  } catch (error) {
    throw new Error(`cannot reach ${url}: ${(error as Error).message}`, { cause: error });
  }
  if (response.status < 200 || response.status >= 300) {
    throw new Error(`GET ${url} answered HTTP ${response.status}`);
  }
  return response.body;
}

/** Streams `url` into a new file under RUNNER_TEMP; non-2xx is an error naming the URL. */
async function fetchFile(url: string): Promise<string> {
  const file = path.join(process.env.RUNNER_TEMP || os.tmpdir(), randomUUID());
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(600_000) });
  } catch (error) {
    throw new Error(`cannot reach ${new NetworkError(url, error).message}`, { cause: error });
  }
  if (!response.ok || !response.body)
    throw new Error(`GET ${url} answered HTTP ${response.status}`);
  try {
    await pipeline(Readable.fromWeb(response.body as never), createWriteStream(file));
  } catch (error) {
    await rm(file, { force: true });
    throw new Error(`downloading ${url} failed: ${(error as Error).message}`, { cause: error });
  }
  return file;
}

export const webDownloads: Downloads = { text: fetchText, file: fetchFile };

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

export interface VerifiedTool {
  /** For the log: `helm`, `aws`. */
  label: string;
  /** The download site, and the tool-cache name keyed by it (tool-site.ts). */
  site: string;
  cacheName: string;
  version: string;
  /** The archive's file name under the site. */
  file: string;
  archive: 'tar.gz' | 'zip';
  /**
   * Fetches what the archive is held to (before the download) and returns the check: it says
   * how the archive was verified, or throws when its sha256 does not match.
   */
  checksum: (url: string) => Promise<(actual: string) => string>;
  /** The folder inside the extracted archive that is cached, and the binary it must hold. */
  dir: string;
  binary: string;
}

/** The tool's directory, from the tool cache or downloaded, verified and cached; on PATH. */
export async function installVerified(tool: VerifiedTool, web: Downloads): Promise<string> {
  let dir = tc.find(tool.cacheName, tool.version);
  if (dir) {
    core.info(
      `${tool.label}: ${tool.version} from the tool cache (verified from ${tool.site} when cached)`
    );
  } else dir = await downloadVerified(tool, web);
  core.addPath(dir);
  return dir;
}

async function downloadVerified(tool: VerifiedTool, web: Downloads): Promise<string> {
  const url = mirrorUrl(tool.site, tool.file);
  const check = await tool.checksum(url);
  core.info(`${tool.label}: downloading ${url}`);
  const archive = await web.file(url);
  let extracted: string | undefined;
  try {
    core.info(`${tool.label}: ${tool.file}: ${check(await sha256File(archive))}`);
    extracted =
      tool.archive === 'zip' ? await tc.extractZip(archive) : await tc.extractTar(archive);
    const dir = path.join(extracted, tool.dir);
    if (!existsSync(path.join(dir, tool.binary))) {
      throw new Error(`${tool.file} has no ${path.posix.join(tool.dir, tool.binary)}`);
    }
    return await tc.cacheDir(dir, tool.cacheName, tool.version);
  } finally {
    // The tool cache holds its own copy; self-hosted runners keep RUNNER_TEMP until job end.
    await rm(archive, { force: true });
    if (extracted) await rm(extracted, { recursive: true, force: true });
  }
}
