import { isSameSite, OFFICIAL_HELM_MIRROR, toolCacheName } from './tool-site.js';
import type { Downloads, VerifiedTool } from './verified-install.js';

/**
 * sha256 of the official helm release archives the action knows, checked in addition to the
 * `.sha256sum` the download site publishes: a compromised or tampered site would have to
 * change both. Only the official site is held to this table; a custom mirror is checked
 * against its own published sums (it may rebuild archives, as the tests' mirror does).
 *
 * Sources (the values agree across them):
 * - v3.17.2: helm's v3.17.2 release notes (checksums listed per platform), cross-checked with
 *   cert-manager/makefile-modules modules/tools/00_mod.mk (helm_<os>_<arch>_SHA256SUM for
 *   v3.17.2) and the linux-amd64 pin in solo-io workshop install scripts.
 * - v4.1.4: bitcoin-dev-project/warnet src/warnet/constants.py (HELM_BLESSED_NAME_AND_CHECKSUMS,
 *   copied from the release's .sha256sum files), linux-amd64 cross-checked with a pinned
 *   managed-VM release manifest that downloads helm v4.1.4.
 */
export const OFFICIAL_HELM_SHA256: Readonly<Record<string, string>> = {
  'helm-v3.17.2-linux-amd64.tar.gz':
    '90c28792a1eb5fb0b50028e39ebf826531ebfcf73f599050dbd79bab2f277241',
  'helm-v3.17.2-linux-arm64.tar.gz':
    'd78d76ec7625a94991e887ac049d93f44bd70e4876200b945f813c9e1ed1df7c',
  'helm-v3.17.2-darwin-amd64.tar.gz':
    '3e240238c7a3a10efd37b8e16615b28e94ba5db5957247bb42009ba6d52f76e9',
  'helm-v3.17.2-darwin-arm64.tar.gz':
    'b843cebcbebc9eccb1e43aba9cca7693d32e9f2c4a35344990e3b7b381933948',
  'helm-v4.1.4-linux-amd64.tar.gz':
    '70b2c30a19da4db264dfd68c8a3664e05093a361cefd89572ffb36f8abfa3d09',
  'helm-v4.1.4-linux-arm64.tar.gz':
    '13d03672be289045d2ff00e4e345d61de1c6f21c1257a45955a30e8ae036d8f1',
  'helm-v4.1.4-linux-arm.tar.gz':
    'c4a7d37032379cc7e82c9c76487d1041b193c9a0fbb4b8f3790230899b830a4f',
  'helm-v4.1.4-darwin-amd64.tar.gz':
    'abf09c8503ad1d8ef76d3737a058c3456a998aae5f5966fce4bb3031aeb1654e',
  'helm-v4.1.4-darwin-arm64.tar.gz':
    '7c2eca678e8001fa863cdf8cbf6ac1b3799f9404a89eb55c08260ef5732e658d',
  'helm-v4.1.4-windows-amd64.zip':
    'bd60f567f667631a2c9b698dfabe5e3cd52eaaf4264163c0a9cae566db8560e8',
  'helm-v4.1.4-windows-arm64.zip':
    'd0a651026da4a26b28bdfc3d455ce3dfacbc267182dc2225c2172b1dcc549643'
};

interface HelmPlatform {
  os: 'linux' | 'darwin' | 'windows';
  arch: string;
  archive: 'tar.gz' | 'zip';
}

const ARCHES: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64'
};

/** Node's platform/arch names → the names in helm's archive file names. */
export function helmPlatform(platform: string, arch: string): HelmPlatform {
  const os = platform === 'win32' ? 'windows' : platform;
  if (os !== 'linux' && os !== 'darwin' && os !== 'windows') {
    throw new Error(`helm publishes no build for ${platform}`);
  }
  const helmArch = ARCHES[arch];
  if (!helmArch) throw new Error(`helm publishes no build for ${platform}/${arch}`);
  return { os, arch: helmArch, archive: os === 'windows' ? 'zip' : 'tar.gz' };
}

export function helmArchiveName(version: string, platform: HelmPlatform): string {
  return `helm-${version}-${platform.os}-${platform.arch}.${platform.archive}`;
}

/** Whether a helm-mirror is the official site, whose archives are held to the shipped sums. */
export function isOfficialHelmMirror(mirror: string): boolean {
  return isSameSite(mirror, OFFICIAL_HELM_MIRROR);
}

/** The tool-cache name for helm from this site (see tool-site.ts): `helm-from-get.helm.sh`, … */
export function helmToolName(mirror: string): string {
  return toolCacheName('helm', mirror, OFFICIAL_HELM_MIRROR);
}

/** `helm-latest-version` holds one line, `vX.Y.Z`. */
export function parseLatestVersion(text: string): string {
  const version = text.split(/\r?\n/).find((line) => /^v\d+\.\d+\.\d+$/.test(line.trim()));
  if (!version) throw new Error('helm-latest-version holds no vX.Y.Z line');
  return version.trim();
}

/** `<hex>  <file>` (sha256sum's format) or a bare hex digest. */
export function parseSha256File(text: string): string {
  const digest = /^\s*([0-9a-fA-F]{64})(\s|$)/.exec(text)?.[1];
  if (!digest) throw new Error('is not a sha256sum line');
  return digest.toLowerCase();
}

interface DigestCheck {
  file: string;
  actual: string;
  /** From the mirror's `<file>.sha256sum`. */
  published: string;
  official: boolean;
}

/**
 * The verification rule, pure: the archive must match the mirror's published sum, and an
 * archive from the official site must also match the shipped table when the table knows it.
 * Returns how it was verified, for the log; throws on any mismatch.
 */
export function verifyDigest(check: DigestCheck, table = OFFICIAL_HELM_SHA256): string {
  const { file, actual, published, official } = check;
  if (actual !== published) {
    throw new Error(
      `${file}: sha256 ${actual} does not match the published ${file}.sha256sum (${published}); the download is corrupt or tampered with — refusing to use it`
    );
  }
  const shipped = official ? table[file] : undefined;
  if (shipped && actual !== shipped) {
    throw new Error(
      `${file}: sha256 ${actual} matches the site's .sha256sum but not the sum shipped in this action (${shipped}); refusing to use it`
    );
  }
  if (shipped) return 'sha256 matches the published sum and the sum shipped in this action';
  return official
    ? "sha256 matches the published sum (this version is not in the action's table)"
    : "sha256 matches the mirror's published sum";
}

/** helm's release archive on the mirror, held to its .sha256sum and the shipped sums. */
export function helmTool(version: string, mirror: string, web: Downloads): VerifiedTool {
  const platform = helmPlatform(process.platform, process.arch);
  const file = helmArchiveName(version, platform);
  return {
    label: 'helm',
    site: mirror,
    cacheName: helmToolName(mirror),
    version,
    file,
    archive: platform.archive,
    checksum: async (url) => {
      const published = parseSha256File(await web.text(`${url}.sha256sum`));
      const official = isOfficialHelmMirror(mirror);
      return (actual) => verifyDigest({ file, actual, published, official });
    },
    dir: `${platform.os}-${platform.arch}`,
    binary: platform.os === 'windows' ? 'helm.exe' : 'helm'
  };
}
