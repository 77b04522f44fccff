// `helm history` without running helm: helm's default storage keeps each revision in a Secret
// `sh.helm.release.v1.<release>.v<N>` (labels owner=helm, name=<release>) whose `release` key
// holds base64(gzip(JSON)) of the release record (pkg/storage/driver/util.go, helm 3 and 4).
// One API call with the cached token replaces a helm process that would run the kubeconfig's
// exec plugin again (`aws eks get-token` costs seconds per call).
import { gunzipSync } from 'node:zlib';
import type { KubeClient } from './client.js';
import type { ReleaseTarget } from './recover.js';
import type { HelmRevision } from './release-plan.js';
import type { KubeObject } from './types.js';

interface ReleaseRecord {
  version?: number;
  info?: { last_deployed?: string; status?: string; description?: string };
  chart?: { metadata?: { name?: string; version?: string; appVersion?: string } };
}

interface ReleaseSecret extends KubeObject {
  data?: { release?: string };
}

const GZIP_MAGIC = [0x1f, 0x8b, 0x08];

/** The record inside a release Secret's `data.release` (base64 of helm's base64 gzip JSON). Pure. */
export function decodeReleaseRecord(data: string): ReleaseRecord {
  const helmEncoded = Buffer.from(data, 'base64').toString('utf8');
  const bytes = Buffer.from(helmEncoded, 'base64');
  const gzipped = GZIP_MAGIC.every((byte, i) => bytes[i] === byte);
  return JSON.parse((gzipped ? gunzipSync(bytes) : bytes).toString('utf8')) as ReleaseRecord;
}

/** The row `helm history -o json` prints for the record. Pure. */
export function historyRow(record: ReleaseRecord): HelmRevision {
  const metadata = record.chart?.metadata ?? {};
  return {
    revision: record.version ?? 0,
    updated: record.info?.last_deployed,
    status: record.info?.status ?? 'unknown',
    chart: `${metadata.name ?? ''}-${metadata.version ?? ''}`,
    app_version: metadata.appVersion ?? '',
    description: record.info?.description ?? ''
  };
}

/** Whether helm keeps releases in Secrets, where this module reads them (HELM_DRIVER). */
export function usesSecretStorage(driver: string | undefined): boolean {
  return !driver || driver === 'secret' || driver === 'secrets';
}

/** The release's revisions, oldest first; [] when it has none. */
export async function readStoredHistory(
  client: KubeClient,
  target: ReleaseTarget
): Promise<HelmRevision[]> {
  const list = await client.list<ReleaseSecret>(
    `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/secrets`,
    {
      labelSelector: `owner=helm,name=${target.release}`
    }
  );
  return list.items
    .filter((secret) => secret.data?.release)
    .map((secret) => historyRow(decodeReleaseRecord(secret.data!.release!)))
    .sort((a, b) => a.revision - b.revision);
}
