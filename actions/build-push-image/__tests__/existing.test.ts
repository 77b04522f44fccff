import { describe, expect, test } from '@jest/globals';
import { checkExisting } from '../src/existing.js';
import { parseInputs } from '../src/inputs.js';
import { RegistryClient } from '../src/registry.js';
import { flatWorkspace, noSleep, scriptedHttp, type Reply } from './fakes.js';

const github = {
  repository: 'o/app',
  sha: 'abc',
  actor: 'me',
  serverUrl: 'https://github.com',
  eventName: 'push'
};
const context = { registry: 'ghcr.io', name: 'ghcr.io/o/app', eventName: 'push' };
const manifest = '{"config":{"size":10},"layers":[{"size":90}]}';
const head = (tag: string) => new RegExp(`^HEAD https://ghcr.io/v2/o/app/manifests/${tag}$`);
const get = (tag: string) => new RegExp(`^GET https://ghcr.io/v2/o/app/manifests/${tag}$`);
const digest = (d: string): Reply => ({ headers: { 'docker-content-digest': d } });

async function check(values: Record<string, string>, script: Array<[RegExp, Reply]>) {
  const http = scriptedHttp(script);
  const inputs = parseInputs(
    (name) => ({ password: 'p', ...values })[name] ?? '',
    github,
    flatWorkspace
  );
  const registry = new RegistryClient(inputs.image, {
    http,
    credentials: { username: 'me', password: 'p' },
    sleep: noSleep,
    attempts: 1
  });
  const result = await checkExisting(registry, inputs, context).catch((e: unknown) => e);
  return { result, http };
}

describe('checkExisting', () => {
  test.each<[string, Record<string, string>, Array<[RegExp, Reply]>, RegExp, boolean]>([
    ['push false asks nothing', { push: 'false' }, [], /push is false/, false],
    ['force asks nothing', { force: 'true' }, [], /force is true/, false],
    [
      'skip-existing false asks nothing',
      { 'skip-existing': 'false' },
      [],
      /skip-existing is false/,
      false
    ],
    [
      'a new tag is built',
      {},
      [[head('abc'), { status: 404 }]],
      /ghcr.io\/o\/app:abc is not in the registry yet/,
      false
    ],
    [
      'an existing tag is skipped',
      {},
      [
        [head('abc'), digest('sha256:1')],
        [get('abc'), { body: manifest, headers: { 'docker-content-digest': 'sha256:1' } }]
      ],
      /already exists as sha256:1; set force: true/,
      true
    ],
    [
      'latest elsewhere is rebuilt',
      { tags: 'latest' },
      [
        [head('abc'), digest('sha256:1')],
        [head('latest'), digest('sha256:0')]
      ],
      /^latest does not point at sha256:1/,
      false
    ],
    [
      'all tags on one digest are skipped',
      { tags: 'latest' },
      [
        [head('abc'), digest('sha256:1')],
        [head('latest'), digest('sha256:1')],
        [get('abc'), { body: manifest }]
      ],
      /already exists/,
      true
    ],
    [
      'a registry outage builds anyway',
      {},
      [[head('abc'), { status: 503 }]],
      /could not be asked/,
      false
    ],
    [
      'a 401 with a valid token (no such package yet) builds anyway',
      {},
      [
        [
          head('abc'),
          {
            status: 401,
            headers: {
              'www-authenticate': 'Bearer realm="https://ghcr.io/token",service="ghcr.io"'
            }
          }
        ],
        [/^GET https:\/\/ghcr.io\/token/, { body: '{"token":"t"}' }],
        [head('abc'), { status: 401 }]
      ],
      /could not be asked/,
      false
    ],
    [
      'a 403 on reading builds anyway',
      {},
      [[head('abc'), { status: 403 }]],
      /could not be asked/,
      false
    ]
  ])('%s', async (_, values, script, reason, skipped) => {
    const { result, http } = await check(values, script);
    expect(result).toMatchObject({ reason: expect.stringMatching(reason) });
    expect(Boolean((result as { manifest?: unknown }).manifest)).toBe(skipped);
    expect(http.requests).toHaveLength(script.length);
  });

  test('rejected credentials fail with the fix', async () => {
    const { result } = await check({}, [
      [head('abc'), { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } }],
      [head('abc'), { status: 401 }]
    ]);
    expect(String(result)).toMatch(
      /checking ghcr.io\/o\/app in the registry failed: registry answered 401/
    );
    expect(String(result)).toMatch(/rejected the username and password for ghcr.io/);
  });
});

describe('checkExisting on ECR: a missing repository is named before the build', () => {
  const host = '111122223333.dkr.ecr.eu-west-1.amazonaws.com';
  const ecr = { registry: host, name: `${host}/o/app`, eventName: 'push' };
  const url = (method: string) => new RegExp(`^${method} https://${host}/v2/o/app/manifests/abc$`);
  const notFound = (code: string, message: string): Reply => ({
    status: 404,
    body: JSON.stringify({ errors: [{ code, message }] })
  });

  async function checkEcr(script: Array<[RegExp, Reply]>) {
    const http = scriptedHttp(script);
    const inputs = parseInputs((name) => ({ image: ecr.name })[name] ?? '', github, flatWorkspace);
    const registry = new RegistryClient(inputs.image, {
      http,
      credentials: { username: 'AWS', password: 'p' },
      sleep: noSleep,
      attempts: 1
    });
    const result = await checkExisting(registry, inputs, ecr).catch((e: unknown) => e);
    return { result: String((result as { reason?: string }).reason ?? result), http };
  }

  test.each<[string, Reply, RegExp]>([
    [
      'NAME_UNKNOWN: the repository does not exist',
      notFound(
        'NAME_UNKNOWN',
        "The repository with name 'o/app' does not exist in the registry with id '111122223333'"
      ),
      /create it once: aws ecr create-repository --repository-name o\/app --region eu-west-1/
    ],
    [
      'MANIFEST_UNKNOWN: only the tag is new, so it builds',
      notFound('MANIFEST_UNKNOWN', 'Requested image not found'),
      /o\/app:abc is not in the registry yet/
    ]
  ])('%s', async (_, answer, want) => {
    const { result, http } = await checkEcr([
      [url('HEAD'), { status: 404 }],
      [url('GET'), answer]
    ]);
    expect(result).toMatch(want);
    expect(http.requests).toHaveLength(2);
  });
});
