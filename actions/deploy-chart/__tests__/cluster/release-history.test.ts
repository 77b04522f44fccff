import { expect, test } from '@jest/globals';
import {
  decodeReleaseRecord,
  historyRow,
  readStoredHistory,
  usesSecretStorage
} from '../../src/cluster/release-history.js';
import { FakeKube } from './fake-kube.js';
import { encodeRecord, releaseSecret } from './helm-storage.js';

const record = (version: number, status: string) => ({
  name: 'demo',
  version,
  namespace: 'web',
  info: {
    first_deployed: '2026-11-25T11:00:00.123456789Z',
    last_deployed: `2026-11-25T11:0${version}:00.5Z`,
    status,
    description: status === 'deployed' ? 'Upgrade complete' : 'Preparing upgrade'
  },
  chart: { metadata: { name: 'python-application', version: '0.1.0', appVersion: '1.0' } },
  manifest: '---\nkind: Deployment\n'
});

test.each([
  ['gzipped (helm 3 and 4)', true],
  ['plain JSON (older helm 3 releases)', false]
])('decodes a %s record', (_name, gzip) => {
  expect(decodeReleaseRecord(encodeRecord(record(2, 'deployed'), gzip))).toMatchObject({
    version: 2,
    info: { status: 'deployed' }
  });
});

test.each([
  [
    record(2, 'pending-upgrade'),
    {
      revision: 2,
      updated: '2026-11-25T11:02:00.5Z',
      status: 'pending-upgrade',
      chart: 'python-application-0.1.0',
      app_version: '1.0',
      description: 'Preparing upgrade'
    }
  ],
  [
    { version: 1 },
    {
      revision: 1,
      updated: undefined,
      status: 'unknown',
      chart: '-',
      app_version: '',
      description: ''
    }
  ]
])('the history row of %o', (input, want) => expect(historyRow(input)).toEqual(want));

test.each<[string | undefined, boolean]>([
  [undefined, true],
  ['', true],
  ['secret', true],
  ['secrets', true],
  ['configmap', false],
  ['sql', false]
])('HELM_DRIVER=%s keeps releases in Secrets: %s', (driver, want) =>
  expect(usesSecretStorage(driver)).toBe(want)
);

test("reads the release's Secrets only, oldest revision first", async () => {
  const secret = (release: string, revision: number, status: string) =>
    releaseSecret(release, { ...historyRow(record(revision, status)), revision });
  const kube = new FakeKube().set('/api/v1/namespaces/web/secrets', [
    secret('demo', 2, 'pending-upgrade'),
    secret('other', 1, 'deployed'),
    secret('demo', 1, 'deployed'),
    { metadata: { uid: 'x', name: 'db-password', labels: {} }, data: {} }
  ]);
  const history = await readStoredHistory(kube, { release: 'demo', namespace: 'web' });
  expect(history.map((r) => `${r.revision} ${r.status}`)).toEqual([
    '1 deployed',
    '2 pending-upgrade'
  ]);
});
