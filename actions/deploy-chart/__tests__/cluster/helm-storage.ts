// Release Secrets as helm's default storage writes them, for tests that read history through
// the API: data.release = base64 by the API of helm's base64(gzip(JSON record)).
import { gzipSync } from 'node:zlib';
import type { HelmRevision } from '../../src/cluster/release-plan.js';

export function encodeRecord(record: object, gzip = true): string {
  const json = Buffer.from(JSON.stringify(record));
  const helmEncoded = (gzip ? gzipSync(json) : json).toString('base64');
  return Buffer.from(helmEncoded).toString('base64');
}

/** The Secret helm keeps for one revision, built from the row `helm history` shows for it. */
export function releaseSecret(
  release: string,
  row: HelmRevision,
  extra: { manifest?: string; hooks?: object[] } = {}
) {
  const dash = row.chart.lastIndexOf('-');
  const record = {
    name: release,
    version: row.revision,
    info: { last_deployed: row.updated, status: row.status, description: row.description },
    chart: {
      metadata: {
        name: row.chart.slice(0, dash),
        version: row.chart.slice(dash + 1),
        appVersion: row.app_version
      }
    },
    manifest: '---\nkind: Deployment\n',
    ...extra
  };
  return {
    metadata: {
      uid: `${release}-${row.revision}`,
      name: `sh.helm.release.v1.${release}.v${row.revision}`,
      labels: { owner: 'helm', name: release, status: row.status, version: String(row.revision) }
    },
    data: { release: encodeRecord(record) }
  };
}
