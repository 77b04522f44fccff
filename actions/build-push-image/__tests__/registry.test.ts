import { createHash } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { NetworkError } from '../../shared/src/http.js';
import {
  describeManifest,
  MANIFEST_ACCEPT,
  parseChallenge,
  RegistryClient,
  RegistryError,
  registryErrorText,
  tokenUrl
} from '../src/registry.js';
import { noSleep, scriptedHttp, type Reply } from './fakes.js';

describe('parseChallenge', () => {
  test.each([
    [
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/app:pull"',
      {
        scheme: 'bearer',
        params: {
          realm: 'https://ghcr.io/token',
          service: 'ghcr.io',
          scope: 'repository:o/app:pull'
        }
      }
    ],
    ['Basic realm="Registry Realm"', { scheme: 'basic', params: { realm: 'Registry Realm' } }],
    [
      'bearer realm=https://auth.example/token, service=reg',
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'reg' } }
    ],
    ['Negotiate abc', undefined],
    [undefined, undefined]
  ])('%s', (header, want) => expect(parseChallenge(header)).toEqual(want));
});

test.each([
  [
    { realm: 'https://ghcr.io/token', service: 'ghcr.io' },
    'https://ghcr.io/token?service=ghcr.io&scope=repository%3Ao%2Fapp%3Apull'
  ],
  [
    { realm: 'https://auth.example/token?x=1' },
    'https://auth.example/token?x=1&scope=repository%3Ao%2Fapp%3Apull'
  ]
])('tokenUrl(%j)', (params, want) => {
  expect(tokenUrl({ scheme: 'bearer', params }, 'repository:o/app:pull')).toBe(want);
});

test.each([
  [
    '{"errors":[{"code":"DENIED","message":"permission_denied: write_package"}]}',
    'DENIED: permission_denied: write_package'
  ],
  ['{"errors":[{"code":"UNAUTHORIZED"},{"code":"X","message":"y"}]}', 'UNAUTHORIZED; X: y'],
  ['  <html>Bad Gateway</html>\n', '<html>Bad Gateway</html>'],
  ['', '']
])('registryErrorText(%j)', (body, want) => expect(registryErrorText(body)).toBe(want));

describe('describeManifest', () => {
  test.each([
    [
      {
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: { size: 100 },
        layers: [{ size: 1000 }, { size: 24 }]
      },
      { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', size: 1124 }
    ],
    [
      { mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{}, {}] },
      { mediaType: 'application/vnd.oci.image.index.v1+json', platforms: 2 }
    ],
    [
      { config: { size: 5 }, layers: [] },
      { mediaType: 'from-header', size: 5 }
    ]
  ])('%j', (doc, want) => {
    expect(describeManifest(JSON.stringify(doc), 'sha256:x', 'from-header')).toEqual({
      digest: 'sha256:x',
      ...want
    });
  });
});

const image = { registry: 'ghcr.io', path: 'o/app', name: 'ghcr.io/o/app' };
const credentials = { username: 'octocat', password: 'secret-token' };
const basic = `Basic ${Buffer.from('octocat:secret-token').toString('base64')}`;
const bearerChallenge = {
  status: 401,
  headers: {
    'www-authenticate':
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/app:pull"'
  }
};
const HEAD = /^HEAD https:\/\/ghcr.io\/v2\/o\/app\/manifests\/v1$/;
const GET = /^GET https:\/\/ghcr.io\/v2\/o\/app\/manifests\/v1$/;
const digest = (d: string): Reply => ({ headers: { 'docker-content-digest': d } });
const TOKEN = /^GET https:\/\/ghcr.io\/token\?service=ghcr.io&scope=repository%3Ao%2Fapp%3Apull$/;

function client(script: Array<[RegExp, Reply]>, sleeps: number[] = []) {
  const http = scriptedHttp(script);
  const registry = new RegistryClient(image, {
    http,
    credentials,
    sleep: async (ms) => void sleeps.push(ms)
  });
  return { http, registry };
}

describe('RegistryClient.digest', () => {
  test('follows a Bearer challenge to the token endpoint with basic credentials', async () => {
    const { http, registry } = client([
      [HEAD, bearerChallenge],
      [TOKEN, { body: '{"token":"tok-123"}' }],
      [HEAD, { headers: { 'docker-content-digest': 'sha256:aaa' } }]
    ]);
    await expect(registry.digest('v1')).resolves.toBe('sha256:aaa');
    expect(http.requests.map((r) => r.headers?.Authorization)).toEqual([
      undefined,
      basic,
      'Bearer tok-123'
    ]);
    expect(http.requests[0].headers?.Accept).toBe(MANIFEST_ACCEPT);
  });

  test('accepts access_token and reuses the token for later requests', async () => {
    const { http, registry } = client([
      [HEAD, bearerChallenge],
      [TOKEN, { body: '{"access_token":"tok-9"}' }],
      [HEAD, { status: 404 }],
      [HEAD, { status: 404 }]
    ]);
    await expect(registry.digest('v1')).resolves.toBeUndefined();
    await expect(registry.digest('v1')).resolves.toBeUndefined();
    expect(http.requests.at(-1)?.headers?.Authorization).toBe('Bearer tok-9');
  });

  test('concurrent requests that all meet the challenge are all answered', async () => {
    const HEAD_LATEST = /^HEAD https:\/\/ghcr.io\/v2\/o\/app\/manifests\/latest$/;
    const challenge = { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } };
    const { http, registry } = client([
      [HEAD, challenge],
      [HEAD_LATEST, challenge],
      [HEAD, digest('sha256:1')],
      [HEAD_LATEST, digest('sha256:1')]
    ]);
    await expect(Promise.all([registry.digest('v1'), registry.digest('latest')])).resolves.toEqual([
      'sha256:1',
      'sha256:1'
    ]);
    expect(http.requests.slice(2).map((r) => r.headers?.Authorization)).toEqual([basic, basic]);
  });

  test('an expired token is renewed once with the basic credentials, not the old token', async () => {
    const { http, registry } = client([
      [HEAD, bearerChallenge],
      [TOKEN, { body: '{"token":"old"}' }],
      [HEAD, digest('sha256:1')],
      [HEAD, bearerChallenge],
      [TOKEN, { body: '{"token":"new"}' }],
      [HEAD, digest('sha256:2')]
    ]);
    await registry.digest('v1');
    await expect(registry.digest('v1')).resolves.toBe('sha256:2');
    expect(http.requests.map((r) => r.headers?.Authorization)).toEqual([
      undefined,
      basic,
      'Bearer old',
      'Bearer old',
      basic,
      'Bearer new'
    ]);
  });

  test('answers a Basic challenge with basic credentials', async () => {
    const { http, registry } = client([
      [HEAD, { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } }],
      [HEAD, { status: 404 }]
    ]);
    await expect(registry.digest('v1')).resolves.toBeUndefined();
    expect(http.requests[1].headers?.Authorization).toBe(basic);
  });

  test.each<[string, Array<[RegExp, Reply]>, number, RegExp, boolean]>([
    [
      'token endpoint refuses the password',
      [
        [HEAD, bearerChallenge],
        [TOKEN, { status: 401, body: '{"errors":[{"code":"UNAUTHORIZED","message":"bad"}]}' }]
      ],
      401,
      /UNAUTHORIZED: bad/,
      true
    ],
    [
      'basic refused twice',
      [
        [HEAD, { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } }],
        [HEAD, { status: 401 }]
      ],
      401,
      /401/,
      true
    ],
    [
      'token endpoint says denied',
      [
        [HEAD, bearerChallenge],
        [TOKEN, { status: 403, body: '{"errors":[{"code":"DENIED","message":"no"}]}' }]
      ],
      403,
      /DENIED: no/,
      false
    ],
    [
      'token endpoint gives no token',
      [
        [HEAD, bearerChallenge],
        [TOKEN, { body: '{}' }]
      ],
      200,
      /no token/,
      false
    ],
    [
      'an unknown challenge falls back to basic credentials, refused',
      [
        [HEAD, { status: 401, headers: { 'www-authenticate': 'Negotiate' } }],
        [HEAD, { status: 401 }]
      ],
      401,
      /registry answered 401/,
      true
    ],
    [
      'a 401 on the manifest with a valid token (a package that does not exist yet)',
      [
        [HEAD, bearerChallenge],
        [TOKEN, { body: '{"token":"t"}' }],
        [HEAD, { status: 401 }]
      ],
      401,
      /registry answered 401/,
      false
    ]
  ])('%s → RegistryError', async (_, script, status, message, credentialsRejected) => {
    const { registry } = client(script);
    const error = await registry.digest('v1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ status });
    expect(Boolean((error as RegistryError).extra.credentialsRejected)).toBe(credentialsRejected);
    expect(String(error)).toMatch(message);
  });

  test('retries 503, honours Retry-After on 429, and retries network errors', async () => {
    const sleeps: number[] = [];
    const { registry } = client(
      [
        [HEAD, { status: 503 }],
        [HEAD, { status: 429, headers: { 'retry-after': '2' } }],
        [HEAD, new NetworkError('u', new Error('ECONNRESET'))],
        [HEAD, { headers: { 'docker-content-digest': 'sha256:bbb' } }]
      ],
      sleeps
    );
    await expect(registry.digest('v1')).resolves.toBe('sha256:bbb');
    expect(sleeps).toHaveLength(3);
    expect(sleeps[1]).toBe(2000);
  });

  test('a name that does not resolve is not retried (the shared transient rule)', async () => {
    const sleeps: number[] = [];
    const lookup = Object.assign(new Error('getaddrinfo ENOTFOUND ghcr.io'), { code: 'ENOTFOUND' });
    const { registry } = client([[HEAD, new NetworkError('u', lookup)]], sleeps);
    await expect(registry.digest('v1')).rejects.toBeInstanceOf(NetworkError);
    expect(sleeps).toEqual([]);
  });

  test('gives up after the attempts with the last status', async () => {
    const { registry } = client(
      Array.from({ length: 4 }, (): [RegExp, Reply] => [HEAD, { status: 502, body: 'bad gateway' }])
    );
    await expect(registry.digest('v1')).rejects.toMatchObject({
      status: 502,
      detail: 'bad gateway'
    });
  });

  test('without Docker-Content-Digest the digest is the sha256 of the manifest', async () => {
    const body = '{"schemaVersion":2,"config":{"size":1},"layers":[]}';
    const { registry } = client([
      [HEAD, {}],
      [GET, { body }]
    ]);
    await expect(registry.digest('v1')).resolves.toBe(
      `sha256:${createHash('sha256').update(body).digest('hex')}`
    );
  });
});

test('loopback registries are spoken to over http, anonymous when they allow it', async () => {
  const http = scriptedHttp([
    [
      /^GET http:\/\/127.0.0.1:5000\/v2\/o\/app\/manifests\/t$/,
      { body: '{"layers":[{"size":7}]}', headers: { 'docker-content-digest': 'sha256:c' } }
    ]
  ]);
  const registry = new RegistryClient(
    { registry: '127.0.0.1:5000', path: 'o/app', name: '127.0.0.1:5000/o/app' },
    { http, sleep: noSleep }
  );
  await expect(registry.manifest('t')).resolves.toEqual({
    digest: 'sha256:c',
    mediaType: '',
    size: 7
  });
});

test('without credentials an unknown challenge is reported as such', async () => {
  const http = scriptedHttp([
    [HEAD, { status: 401, headers: { 'www-authenticate': 'Negotiate' } }]
  ]);
  const registry = new RegistryClient(image, { http, sleep: noSleep });
  await expect(registry.digest('v1')).rejects.toThrow(
    /unsupported authentication challenge "Negotiate"/
  );
});

test.each<[Reply, number | undefined]>([
  [{ status: 429, headers: { 'retry-after': '3' } }, 3000],
  [{ status: 200 }, undefined],
  [new NetworkError('u', new Error('refused')), undefined]
])('retryAfterHint after %j', async (reply, want) => {
  const { registry } = client([[/^GET https:\/\/ghcr.io\/v2\/$/, reply]]);
  await expect(registry.retryAfterHint()).resolves.toBe(want);
});
