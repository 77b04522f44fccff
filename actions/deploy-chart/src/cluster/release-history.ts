// `helm history` without running helm: helm's default storage keeps each revision in a Secret
// `sh.helm.release.v1.<release>.v<N>` (labels owner=helm, name=<release>) whose `release` key
// holds base64(gzip(JSON)) of the release record (pkg/storage/driver/util.go, helm 3 and 4).
// One API call with the cached token replaces a helm process that would run the kubeconfig's
// exec plugin again (`aws eks get-token` costs seconds per call).
import { gunzipSync } from 'node:zlib';
import type { KubeClient } from './client.js';
import { releaseObjects, type HelmHook, type ManifestObject } from './release-objects.js';
import { KubeApiError } from './client.js';
import type { HelmRevision, ReleaseTarget } from './release-plan.js';
import type { KubeObject } from './types.js';

export interface ReleaseRecord {
  version?: number;
  /** The rendered objects helm applied, as multi-document YAML. */
  manifest?: string;
  hooks?: HelmHook[];
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
  const list = await client.list<ReleaseSecret>(secretsPath(target.namespace), {
    labelSelector: `owner=helm,name=${target.release}`
  });
  return list.items
    .filter((secret) => secret.data?.release)
    .map((secret) => historyRow(decodeReleaseRecord(secret.data!.release!)))
    .sort((a, b) => a.revision - b.revision);
}

const secretsPath = (namespace: string) =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;

/** One revision's record (manifest, hooks, status); undefined while helm has not written it. */
export async function readReleaseRecord(
  client: KubeClient,
  target: ReleaseTarget,
  revision: number
): Promise<ReleaseRecord | undefined> {
  const name = `sh.helm.release.v1.${target.release}.v${revision}`;
  try {
    const secret = await client.get<ReleaseSecret>(
      `${secretsPath(target.namespace)}/${encodeURIComponent(name)}`
    );
    return secret.data?.release ? decodeReleaseRecord(secret.data.release) : undefined;
  } catch (error) {
    if (error instanceof KubeApiError && error.statusCode === 404) return undefined;
    throw error;
  }
}

/** The newest revision's record, or undefined when the release has none. */
export async function readLatestRecord(
  client: KubeClient,
  target: ReleaseTarget
): Promise<ReleaseRecord | undefined> {
  const list = await client.list<ReleaseSecret>(secretsPath(target.namespace), {
    labelSelector: `owner=helm,name=${target.release}`
  });
  return list.items
    .filter((secret) => secret.data?.release)
    .map((secret) => decodeReleaseRecord(secret.data!.release!))
    .sort((a, b) => (a.version ?? 0) - (b.version ?? 0))
    .at(-1);
}

/** The objects of the newest revision's manifest (not its hooks); [] without a release. */
export async function readReleaseObjects(
  client: KubeClient,
  target: ReleaseTarget
): Promise<ManifestObject[]> {
  const record = await readLatestRecord(client, target);
  return record ? releaseObjects({ manifest: record.manifest }, target.namespace) : [];
}

/** The objects of `collection` with these names; those that do not exist are left out. */
export async function readNamedObjects<T>(
  client: KubeClient,
  collection: string,
  names: string[]
): Promise<T[]> {
  const found = await Promise.all(
    names.map((name) =>
      client.get<T>(`${collection}/${encodeURIComponent(name)}`).catch((error: unknown) => {
        if (error instanceof KubeApiError && error.statusCode === 404) return undefined;
        throw error;
      })
    )
  );
  return found.filter((object): object is Awaited<T> => object !== undefined) as T[];
}
