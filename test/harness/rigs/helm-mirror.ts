// A loopback stand-in for https://get.helm.sh: serves helm-<v>-linux-<arch>.tar.gz (laid
// out as the official archives: <os>-<arch>/helm), its .sha256sum and helm-latest-version,
// built from the real helm binaries that scripts/setup.sh fetched. Requests are recorded so
// a test can see that a cached second run downloads nothing.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../runner.js';
import { HELM_VERSIONS, helmPath, type HelmVersion } from './helm.js';

export interface HelmMirror {
  url: string;
  /** Paths requested, in order. */
  requests: string[];
  /** Serve bytes that do not match the published sum for this version from now on. */
  corrupt(version: HelmVersion): void;
  stop(): Promise<void>;
}

const ARCH = os.arch() === 'arm64' ? 'arm64' : 'amd64';
export const archiveName = (version: string) => `helm-${version}-linux-${ARCH}.tar.gz`;

/** The official archive layout, cached under .cache/helm-mirror so only the first run packs. */
async function archive(version: HelmVersion): Promise<Buffer> {
  const file = path.join(REPO_ROOT, '.cache', 'helm-mirror', archiveName(version));
  if (!existsSync(file)) {
    const work = await mkdtemp(path.join(os.tmpdir(), 'helm-archive-'));
    await mkdir(path.join(work, `linux-${ARCH}`));
    await copyFile(helmPath(version), path.join(work, `linux-${ARCH}`, 'helm'));
    await mkdir(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    await promisify(execFile)('tar', ['-czf', partial, '-C', work, `linux-${ARCH}`]);
    await promisify(execFile)('mv', [partial, file]);
    await rm(work, { recursive: true, force: true });
  }
  return readFile(file);
}

export async function startHelmMirror(
  latest: HelmVersion = HELM_VERSIONS[HELM_VERSIONS.length - 1]
): Promise<HelmMirror> {
  const files = new Map<string, Buffer>();
  for (const version of HELM_VERSIONS) {
    const bytes = await archive(version);
    const digest = createHash('sha256').update(bytes).digest('hex');
    files.set(`/${archiveName(version)}`, bytes);
    files.set(
      `/${archiveName(version)}.sha256sum`,
      Buffer.from(`${digest}  ${archiveName(version)}\n`)
    );
  }
  files.set('/helm-latest-version', Buffer.from(`${latest}\n`));
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const urlPath = new URL(req.url ?? '/', 'http://mirror').pathname;
    requests.push(urlPath);
    const body = files.get(urlPath);
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/octet-stream' });
    res.end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    corrupt(version) {
      const key = `/${archiveName(version)}`;
      const bytes = Buffer.from(files.get(key)!);
      bytes[bytes.length >> 1] ^= 0xff;
      files.set(key, bytes);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}
