import { describe, expect, test } from '@jest/globals';
import {
  OFFICIAL_HELM_SHA256,
  helmArchiveName,
  helmPlatform,
  helmToolName,
  isOfficialHelmMirror,
  parseLatestVersion,
  parseSha256File,
  verifyDigest
} from '../src/helm-versions.js';
import { mirrorUrl } from '../src/tool-site.js';

describe('archive names per runner', () => {
  test.each([
    ['linux', 'x64', 'v4.1.4', 'helm-v4.1.4-linux-amd64.tar.gz'],
    ['linux', 'arm64', 'v3.17.2', 'helm-v3.17.2-linux-arm64.tar.gz'],
    ['darwin', 'arm64', 'v4.1.4', 'helm-v4.1.4-darwin-arm64.tar.gz'],
    ['win32', 'x64', 'v4.1.4', 'helm-v4.1.4-windows-amd64.zip']
  ])('%s/%s %s → %s', (platform, arch, version, want) =>
    expect(helmArchiveName(version, helmPlatform(platform, arch))).toBe(want)
  );
  test.each([
    ['aix', 'ppc64'],
    ['linux', 'mips']
  ])('%s/%s has no build', (platform, arch) =>
    expect(() => helmPlatform(platform, arch)).toThrow(/helm publishes no build/)
  );
});

describe('mirror URLs', () => {
  test.each([
    [
      'https://get.helm.sh',
      'helm-v4.1.4-linux-amd64.tar.gz',
      'https://get.helm.sh/helm-v4.1.4-linux-amd64.tar.gz'
    ],
    [
      'http://127.0.0.1:8080/mirror/helm',
      'helm-latest-version',
      'http://127.0.0.1:8080/mirror/helm/helm-latest-version'
    ],
    ['https://mirror.example/helm/', 'x.tar.gz', 'https://mirror.example/helm/x.tar.gz']
  ])('%s + %s', (mirror, file, want) => expect(mirrorUrl(mirror, file)).toBe(want));
});

describe('which site a helm comes from', () => {
  test.each([
    ['https://get.helm.sh', true],
    ['https://get.helm.sh/', true],
    ['https://GET.HELM.SH', true],
    ['https://get.helm.sh:443', true],
    ['http://get.helm.sh', true],
    ['https://get.helm.sh/mirror', false],
    ['https://get.helm.sh.evil.example', false],
    ['https://mirror.example/helm', false],
    ['http://127.0.0.1:8080', false]
  ])('%s is the official site: %s', (mirror, want) =>
    expect(isOfficialHelmMirror(mirror)).toBe(want)
  );

  test.each([
    ['https://get.helm.sh', 'helm-from-get.helm.sh'],
    ['https://GET.helm.sh/', 'helm-from-get.helm.sh'],
    ['http://127.0.0.1:8080', /^helm-from-127\.0\.0\.1-8080-[0-9a-f]{12}$/],
    ['https://mirror.example/helm', /^helm-from-mirror\.example-[0-9a-f]{12}$/]
  ])('%s is cached as %s', (mirror, want) => expect(helmToolName(mirror)).toMatch(want));

  test('every other site, path or scheme has a cache of its own', () => {
    const names = [
      'https://get.helm.sh',
      'https://mirror.example/helm',
      'https://mirror.example/other',
      'http://mirror.example/helm',
      'https://mirror.example:8443/helm',
      'helm'
    ].map((mirror) => (mirror === 'helm' ? mirror : helmToolName(mirror)));
    expect(new Set(names).size).toBe(names.length);
    expect(helmToolName('https://mirror.example/helm/')).toBe(
      helmToolName('https://mirror.example/helm')
    );
  });
});

describe('published files', () => {
  const hex = 'A'.repeat(64);
  test.each([
    [`${hex}  helm-v4.1.4-linux-amd64.tar.gz\n`, hex.toLowerCase()],
    [`${hex}\n`, hex.toLowerCase()],
    [hex, hex.toLowerCase()]
  ])('sha256sum %j', (text, want) => expect(parseSha256File(text)).toBe(want));
  test.each(['', 'not a sum', `${'a'.repeat(63)}  file`])('refuses %j', (text) =>
    expect(() => parseSha256File(text)).toThrow('is not a sha256sum line')
  );
  test.each([
    ['v4.1.4\n', 'v4.1.4'],
    ['v3.17.2', 'v3.17.2']
  ])('latest %j', (text, want) => expect(parseLatestVersion(text)).toBe(want));
  test('latest without a version', () =>
    expect(() => parseLatestVersion('<html>')).toThrow(/holds no vX.Y.Z line/));
});

describe('the shipped table', () => {
  test('has a sum for both pinned versions on Linux x64 and arm64', () => {
    for (const version of ['v3.17.2', 'v4.1.4']) {
      for (const arch of ['amd64', 'arm64']) {
        expect(OFFICIAL_HELM_SHA256[`helm-${version}-linux-${arch}.tar.gz`]).toMatch(
          /^[0-9a-f]{64}$/
        );
      }
    }
  });
});

describe('verification rule', () => {
  const file = 'helm-v4.1.4-linux-amd64.tar.gz';
  const good = OFFICIAL_HELM_SHA256[file];
  const other = 'b'.repeat(64);
  test.each([
    [
      'official, known version, all agree',
      { actual: good, published: good, official: true },
      'sha256 matches the published sum and the sum shipped in this action'
    ],
    [
      'official, unknown version',
      { file: 'helm-v4.9.9-linux-amd64.tar.gz', actual: other, published: other, official: true },
      "sha256 matches the published sum (this version is not in the action's table)"
    ],
    [
      'custom mirror: its own sums, not the table',
      { actual: other, published: other, official: false },
      "sha256 matches the mirror's published sum"
    ]
  ])('accepts %s', (_name, check, how) => expect(verifyDigest({ file, ...check })).toBe(how));

  test.each([
    [
      'a download that differs from the published sum',
      { actual: other, published: good, official: true },
      /does not match the published .*\.sha256sum .*refusing/
    ],
    [
      'an official site whose archive and sum were both replaced',
      { actual: other, published: other, official: true },
      /matches the site's .sha256sum but not the sum shipped in this action .*refusing/
    ],
    [
      'a corrupt download from a custom mirror',
      { actual: other, published: good, official: false },
      /corrupt or tampered/
    ]
  ])('refuses %s', (_name, check, message) =>
    expect(() => verifyDigest({ file, ...check })).toThrow(message)
  );
});
