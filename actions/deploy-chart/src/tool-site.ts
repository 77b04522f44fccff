// Which download site a tool comes from, and the tool-cache name that keeps its binaries apart.
// The tool cache keys by name and version only, and self-hosted runners keep it between jobs:
// without the site in the name, a binary fetched from a custom mirror (checked against that
// mirror's own sums) would later be used by runs of the official site, which hold downloads
// to the sums shipped in this action. Pure.
import { createHash } from 'node:crypto';

export const OFFICIAL_HELM_MIRROR = 'https://get.helm.sh';
export const OFFICIAL_AWS_CLI_MIRROR = 'https://awscli.amazonaws.com';

/**
 * Whether `mirror` is the site `official` names, however it is spelled: host case, a trailing
 * slash, the default port, and http:// too (being held to the shipped sums is never weaker).
 */
export function isSameSite(mirror: string, official: string): boolean {
  try {
    const url = new URL(mirror);
    const want = new URL(official);
    const base = (u: URL) => u.pathname.replace(/\/+$/, '');
    return (
      (url.protocol === 'https:' || url.protocol === 'http:') &&
      url.hostname === want.hostname &&
      (url.port === '' || url.port === want.port) &&
      base(url) === base(want) &&
      !url.search &&
      !url.username
    );
  } catch {
    return false;
  }
}

/**
 * `<tool>-from-<host>` for the official site, `<tool>-from-<host>[-<port>]-<hash of the URL>`
 * for every other one: our own names, so another tool's `helm` or `aws-cli` is never used.
 */
export function toolCacheName(tool: string, mirror: string, official: string): string {
  if (isSameSite(mirror, official)) return `${tool}-from-${new URL(official).hostname}`;
  const url = new URL(mirror);
  const site = `${url.hostname}${url.port ? `-${url.port}` : ''}`.replace(/[^A-Za-z0-9.-]/g, '-');
  const key = createHash('sha256').update(url.href.replace(/\/+$/, '')).digest('hex').slice(0, 12);
  return `${tool}-from-${site}-${key}`;
}

/** A file under the mirror's base URL; a base with a path (https://host/helm) keeps it. */
export function mirrorUrl(mirror: string, file: string): string {
  return new URL(file, mirror.endsWith('/') ? mirror : `${mirror}/`).toString();
}
