import { describe, expect, test } from '@jest/globals';
import {
  adaptCacheShortcut,
  buildArgs,
  pushArgs,
  buildEnvironment,
  cacheRepository,
  checkSupported,
  optionArgs,
  pushesFromBuilder,
  type BuildPlan,
  type EngineKind
} from '../src/build-args.js';
import {
  NO_BUILD_OPTIONS,
  cacheText,
  parseBuildOptions,
  parseCacheEntry,
  parseSecretLine,
  secretValues,
  type BuildOptions
} from '../src/build-options.js';

const image = { registry: 'ghcr.io', path: 'o/app', name: 'ghcr.io/o/app' };
const options = (values: Record<string, string>) =>
  parseBuildOptions((name) => values[name] ?? '', image);

describe('cache-from / cache-to lines (buildx syntax)', () => {
  test.each<['cache-from' | 'cache-to', string, string]>([
    ['cache-from', 'ghcr.io/o/app:buildcache', 'type=registry,ref=ghcr.io/o/app:buildcache'],
    ['cache-to', 'type=registry,ref=r/x:c,mode=max', 'type=registry,ref=r/x:c,mode=max'],
    ['cache-to', 'type=inline', 'type=inline'],
    ['cache-from', 'type=gha', 'type=gha'],
    ['cache-to', 'type=gha,mode=max,scope=build', 'type=gha,mode=max,scope=build'],
    ['cache-from', 'type=local,src=/tmp/c', 'type=local,src=/tmp/c'],
    ['cache-to', 'type=local,dest=/tmp/c', 'type=local,dest=/tmp/c'],
    [
      'cache-to',
      'type=registry,ref=r/x:c,"oci-mediatypes=true"',
      'type=registry,ref=r/x:c,oci-mediatypes=true'
    ]
  ])('%s %s → %s', (input, line, want) =>
    expect(cacheText(parseCacheEntry(input, line))).toBe(want)
  );

  test.each<['cache-from' | 'cache-to', string, RegExp]>([
    ['cache-to', 'type=s4', /^cache-to: type "s4" in "type=s4" is unknown; use one of registry/],
    [
      'cache-from',
      'type=registry',
      /^cache-from: "type=registry" needs ref=, e\.g\. type=registry,ref=/
    ],
    ['cache-from', 'type=local,dest=/x', /^cache-from: .* needs src=/],
    ['cache-to', 'type=local,src=/x', /^cache-to: .* needs dest=/],
    ['cache-to', 'type=registry,ref=a/b:c,mode=all', /^cache-to: mode "all" .* must be min or max/],
    ['cache-from', 'type=inline', /^cache-from: type=inline is a cache-to type/],
    ['cache-to', 'type=registry,ref', /^cache-to: "ref" in .* is not key=value/]
  ])('%s %s is refused', (input, line, error) =>
    expect(() => parseCacheEntry(input, line)).toThrow(error)
  );
});

describe('the cache shortcut', () => {
  test('registry: every layer (mode=max) under IMAGE:buildcache, read back next time', () => {
    const parsed = options({ cache: 'registry' });
    expect(parsed.cacheShortcut).toBe('registry');
    expect(parsed.cacheFrom.map(cacheText)).toEqual(['type=registry,ref=ghcr.io/o/app:buildcache']);
    expect(parsed.cacheTo.map(cacheText)).toEqual([
      'type=registry,ref=ghcr.io/o/app:buildcache,mode=max'
    ]);
  });
  test('gha: the GitHub cache service, mode=max', () => {
    const parsed = options({ cache: 'gha' });
    expect([...parsed.cacheFrom, ...parsed.cacheTo].map(cacheText)).toEqual([
      'type=gha',
      'type=gha,mode=max'
    ]);
  });
  test.each([
    [
      { cache: 'yes' },
      /^cache: "yes" is not a cache; use registry \(IMAGE:buildcache, mode=max\), gha, or false/
    ],
    [
      { cache: 'registry', 'cache-to': 'type=inline' },
      /^cache: sets cache-from and cache-to itself/
    ]
  ])('%j is refused', (values, error) => expect(() => options(values)).toThrow(error));
  test('false: none', () => expect(options({ cache: 'false' }).cacheFrom).toEqual([]));
});

describe('secrets, secret-files, secret-envs', () => {
  test.each([
    ['GIT_AUTH_TOKEN=abc,def=g', { id: 'GIT_AUTH_TOKEN', source: { value: 'abc,def=g' } }],
    ['id=npmrc,src=/home/u/.npmrc', { id: 'npmrc', source: { file: '/home/u/.npmrc' } }],
    ['id=token,env=MY_TOKEN', { id: 'token', source: { env: 'MY_TOKEN' } }],
    ['type=env,id=token,env=MY_TOKEN', { id: 'token', source: { env: 'MY_TOKEN' } }]
  ])('secrets line %s', (line, want) => expect(parseSecretLine(line)).toEqual(want));

  test('a malformed line is refused without being echoed', () => {
    let message = '';
    try {
      parseSecretLine('ghp_no-equals-sign-here');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^secrets: a line is neither NAME=VALUE/);
    expect(message).not.toContain('ghp_no');
  });

  test('all three inputs, in order; values kept as written (spaces too)', () => {
    const parsed = options({
      secrets: 'a= spaced value \nid=b,env=B_VAR',
      'secret-files': 'c=./c.txt',
      'secret-envs': 'd=D_VAR'
    });
    expect(parsed.secrets).toEqual([
      { id: 'a', source: { value: ' spaced value ' } },
      { id: 'b', source: { env: 'B_VAR' } },
      { id: 'c', source: { file: './c.txt' } },
      { id: 'd', source: { env: 'D_VAR' } }
    ]);
    expect(secretValues(parsed, { B_VAR: 'from-env', D_VAR: '' })).toEqual([
      ' spaced value ',
      'from-env'
    ]);
  });

  test.each([
    [{ secrets: 'a=1', 'secret-envs': 'a=X' }, /^secrets: id "a" is given twice/],
    [
      { 'secret-envs': 'a=not-a-name' },
      /^secret-envs: a=not-a-name: "not-a-name" is not an environment variable name/
    ],
    [{ 'secret-files': 'a b=x' }, /^secret-files: id "a b"/],
    [{ secrets: 'id=x,env=1BAD' }, /^secrets: env "1BAD" is not a variable name/]
  ])('%j is refused', (values, error) => expect(() => options(values)).toThrow(error));
});

describe('the other build options', () => {
  test('target, no-cache, pull, sbom, build-contexts, annotations, ssh', () => {
    expect(
      options({
        target: 'runtime',
        'no-cache': 'true',
        pull: 'true',
        sbom: 'generator=127.0.0.1:5000/sbom/scanner:1',
        'build-contexts': 'base=docker-image://python:3.11\nsrc=../shared',
        annotations: 'org.opencontainers.image.description=App\nindex:org.example=1',
        ssh: 'default\ngithub=/home/u/.ssh/id_ed25519'
      })
    ).toMatchObject({
      target: 'runtime',
      noCache: true,
      pull: true,
      sbom: [['generator', '127.0.0.1:5000/sbom/scanner:1']],
      buildContexts: [
        ['base', 'docker-image://python:3.11'],
        ['src', '../shared']
      ],
      annotations: ['org.opencontainers.image.description=App', 'index:org.example=1'],
      ssh: ['default', 'github=/home/u/.ssh/id_ed25519']
    });
  });
  test.each([
    ['true', []],
    ['false', undefined],
    ['generator=r/scanner:1,type=sbom', [['generator', 'r/scanner:1']]]
  ])('sbom: %s', (text, want) => expect(options({ sbom: text }).sbom).toEqual(want));
  test.each([
    [{ target: 'bad stage' }, /^target: "bad stage" is not a stage name/],
    [{ sbom: 'maybe' }, /^sbom: must be true or false/],
    [{ annotations: 'no-value' }, /^annotations: "no-value" is not KEY=VALUE/],
    [{ ssh: 'bad id=x' }, /^ssh: "bad id=x" is not default or ID=PATH/],
    [{ 'build-contexts': 'nope' }, /^build-contexts: line 1 "nope" is not KEY=VALUE/]
  ])('%j is refused', (values, error) => expect(() => options(values)).toThrow(error));
});

const plan = (o: Partial<BuildOptions>, extra: Partial<BuildPlan> = {}): BuildPlan => ({
  refs: ['ghcr.io/o/app:abc'],
  context: 'image',
  file: 'image/Dockerfile',
  buildArgs: [],
  labels: [],
  platforms: [],
  provenance: false,
  options: { ...NO_BUILD_OPTIONS, ...o },
  ...extra
});
const registryCache = options({ cache: 'registry' });
const secrets = options({
  secrets: 'tok=s3cr3t-value',
  'secret-files': 'f=/run/f',
  'secret-envs': 'e=E'
});

describe('optionArgs: each engine gets the flags it has, never a secret value', () => {
  test.each<[string, EngineKind, BuildPlan, string[]]>([
    [
      'buildx: caches as written, metadata file',
      'buildx',
      plan(registryCache, { driver: 'docker-container', metadataFile: '/t/m.json' }),
      [
        '--cache-from',
        'type=registry,ref=ghcr.io/o/app:buildcache',
        '--cache-to',
        'type=registry,ref=ghcr.io/o/app:buildcache,mode=max',
        '--metadata-file',
        '/t/m.json'
      ]
    ],
    [
      'buildx: secrets by env name or file',
      'buildx',
      plan(secrets),
      [
        '--secret',
        'id=tok,env=BUILD_PUSH_IMAGE_SECRET_0',
        '--secret',
        'id=f,src=/run/f',
        '--secret',
        'id=e,env=E'
      ]
    ],
    [
      'buildx: target, ssh, contexts, annotations, no-cache, pull, sbom',
      'buildx',
      plan({
        target: 'test',
        ssh: ['default'],
        buildContexts: [['base', '../b']],
        annotations: ['a=1'],
        noCache: true,
        pull: true,
        sbom: []
      }),
      [
        '--target',
        'test',
        '--ssh',
        'default',
        '--build-context',
        'base=../b',
        '--annotation',
        'a=1',
        '--no-cache',
        '--pull',
        '--attest',
        'type=sbom'
      ]
    ],
    [
      'classic docker reads a registry cache by reference',
      'docker',
      plan({ ...registryCache, cacheTo: [] }),
      ['--cache-from', 'ghcr.io/o/app:buildcache']
    ],
    [
      'podman: --layers and cache repositories (no tag), no TLS to loopback',
      'podman',
      plan({
        cacheFrom: [{ type: 'registry', attrs: [['ref', '127.0.0.1:5000/o/app/buildcache']] }],
        cacheTo: [{ type: 'registry', attrs: [['ref', '127.0.0.1:5000/o/app/buildcache']] }],
        pull: true
      }),
      [
        '--layers',
        '--cache-from',
        '127.0.0.1:5000/o/app/buildcache',
        '--cache-to',
        '127.0.0.1:5000/o/app/buildcache',
        '--tls-verify=false',
        '--pull=always'
      ]
    ]
  ])('%s', (_, kind, p, want) => {
    const args = optionArgs(kind, p);
    expect(args).toEqual(want);
    expect(args.join(' ')).not.toContain('s3cr3t');
  });

  test('the secret value travels in the build environment only', () => {
    expect(buildEnvironment(plan(secrets), {})).toEqual({
      BUILD_PUSH_IMAGE_SECRET_0: 's3cr3t-value'
    });
    expect(buildArgs('buildx', plan(secrets)).join(' ')).not.toContain('s3cr3t');
  });
});

test.each([
  ['ghcr.io/o/app:buildcache', 'ghcr.io/o/app'],
  ['127.0.0.1:5000/o/app', '127.0.0.1:5000/o/app'],
  ['127.0.0.1:5000/o/app:c', '127.0.0.1:5000/o/app']
])('cacheRepository(%s) = %s', (ref, want) => expect(cacheRepository(ref)).toBe(want));

describe('gha needs the runner cache variables, passed by environment', () => {
  const gha = plan(options({ cache: 'gha' }), { driver: 'docker-container' });
  test('passed through when GitHub set them', () => {
    const env = {
      ACTIONS_CACHE_URL: 'https://cache/',
      ACTIONS_RESULTS_URL: 'https://results/',
      ACTIONS_RUNTIME_TOKEN: 'rt-token',
      PATH: '/bin'
    };
    expect(buildEnvironment(gha, env)).toEqual({
      ACTIONS_CACHE_URL: 'https://cache/',
      ACTIONS_RESULTS_URL: 'https://results/',
      ACTIONS_RUNTIME_TOKEN: 'rt-token'
    });
    expect(buildArgs('buildx', gha).join(' ')).not.toContain('rt-token');
  });
  test('missing: the input is named, with the fix', () =>
    expect(() => buildEnvironment(gha, {})).toThrow(
      /^cache: type=gha needs ACTIONS_RUNTIME_TOKEN and ACTIONS_CACHE_URL or ACTIONS_RESULTS_URL/
    ));
});

describe('what each engine can do with a cache', () => {
  test.each<[string, EngineKind, BuildPlan, RegExp | null]>([
    [
      'buildx container driver exports',
      'buildx',
      plan(options({ 'cache-to': 'type=registry,ref=r/a:c' }), { driver: 'docker-container' }),
      null
    ],
    [
      'the docker driver cannot export',
      'buildx',
      plan(options({ 'cache-to': 'type=registry,ref=r/a:c' }), { driver: 'docker' }),
      /^cache-to: the builder uses buildx's docker driver, which cannot export a cache \(type=registry\); add docker\/setup-buildx-action/
    ],
    [
      'the docker driver writes an inline cache',
      'buildx',
      plan(options({ 'cache-to': 'type=inline' }), { driver: 'docker' }),
      null
    ],
    [
      'classic docker reads a registry cache',
      'docker',
      plan(options({ 'cache-from': 'r/a:c' })),
      null
    ],
    [
      'classic docker cannot export',
      'docker',
      plan(options({ 'cache-to': 'type=registry,ref=r/a:c' })),
      /^cache-to: docker's classic builder cannot export a cache; set up buildx/
    ],
    [
      'podman caches in a registry',
      'podman',
      plan(options({ 'cache-to': 'type=registry,ref=r/a' })),
      null
    ],
    [
      'buildah has no gha cache',
      'buildah',
      plan(options({ 'cache-from': 'type=gha' })),
      /^cache-from: type=gha needs docker buildx, found buildah; use type=registry/
    ],
    ['podman: no sbom', 'podman', plan({ sbom: [] }), /^sbom: needs docker buildx, found podman/],
    [
      'classic docker: no build contexts',
      'docker',
      plan({ buildContexts: [['a', 'b']] }),
      /^build-contexts: needs docker buildx/
    ],
    [
      'classic docker: file secrets only',
      'docker',
      plan(secrets),
      /^secrets: "tok": docker's classic builder reads secrets from files only/
    ]
  ])('%s', (_, kind, p, error) => {
    const check = () => checkSupported(kind, p);
    if (error) expect(check).toThrow(error);
    else expect(check).not.toThrow();
  });

  test.each<[string, EngineKind, string | undefined, string[], string[], RegExp | undefined]>([
    [
      'a container builder gets both',
      'buildx',
      'docker-container',
      ['type=registry,ref=ghcr.io/o/app:buildcache'],
      ['type=registry,ref=ghcr.io/o/app:buildcache,mode=max'],
      undefined
    ],
    [
      'the docker driver reads only, and says so',
      'buildx',
      'docker',
      ['type=registry,ref=ghcr.io/o/app:buildcache'],
      [],
      /^cache: buildx's docker driver cannot export a cache; reading ghcr\.io\/o\/app:buildcache only\. Add docker\/setup-buildx-action/
    ],
    [
      'classic docker reads only',
      'docker',
      undefined,
      ['type=registry,ref=ghcr.io/o/app:buildcache'],
      [],
      /^cache: docker's classic builder cannot export/
    ],
    [
      'podman: a cache repository of its own',
      'podman',
      undefined,
      ['type=registry,ref=ghcr.io/o/app/buildcache'],
      ['type=registry,ref=ghcr.io/o/app/buildcache'],
      undefined
    ]
  ])('cache: registry on %s', (_, kind, driver, from, to, note) => {
    const adapted = adaptCacheShortcut(kind, plan(registryCache, { driver }));
    expect(adapted.plan.options.cacheFrom.map(cacheText)).toEqual(from);
    expect(adapted.plan.options.cacheTo.map(cacheText)).toEqual(to);
    if (note) expect(adapted.note).toMatch(note);
    else expect(adapted.note).toBeUndefined();
    expect(() => checkSupported(kind, adapted.plan)).not.toThrow();
  });
});

test.each<[string, Partial<BuildPlan>, boolean]>([
  ['docker driver, one platform: load, then push tags', { driver: 'docker' }, false],
  ['a builder of its own pushes itself', { driver: 'remote' }, true],
  ['an sbom is pushed from the builder', { options: { ...NO_BUILD_OPTIONS, sbom: [] } }, true]
])('pushesFromBuilder: %s', (_, extra, want) =>
  expect(pushesFromBuilder('buildx', plan({}, extra))).toBe(want)
);

test('a builder push exports from the builder cache: the layer cache was read and written by the build step', () => {
  const p = plan(registryCache, { driver: 'remote', metadataFile: '/t/m.json' });
  expect(buildArgs('buildx', p)).toContain('--cache-to');
  const push = pushArgs('buildx', p, 'ghcr.io/o/app:abc', false);
  expect(push).not.toContain('--cache-to');
  expect(push).not.toContain('--cache-from');
  expect(push.slice(-5)).toEqual([
    '--metadata-file',
    '/t/m.json',
    '--provenance=false',
    '--push',
    'image'
  ]);
});
