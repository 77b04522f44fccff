import { describe, expect, test } from '@jest/globals';
import { NO_BUILD_OPTIONS } from '../src/build-options.js';
import {
  buildArgs,
  checkSupported,
  defaultLabels,
  engineBinary,
  loginArgs,
  mergeLabels,
  pushArgs,
  type BuildPlan,
  type EngineKind
} from '../src/build-args.js';

const plan: BuildPlan = {
  refs: ['ghcr.io/o/app:abc', 'ghcr.io/o/app:latest'],
  context: 'image',
  file: 'image/Dockerfile',
  buildArgs: [['BASE', '/srv,a=b']],
  labels: [['org.opencontainers.image.revision', 'abc']],
  platforms: [],
  provenance: false,
  options: NO_BUILD_OPTIONS
};
const common = [
  '--file',
  'image/Dockerfile',
  '--tag',
  'ghcr.io/o/app:abc',
  '--tag',
  'ghcr.io/o/app:latest',
  '--label',
  'org.opencontainers.image.revision=abc',
  '--build-arg',
  'BASE=/srv,a=b'
];

describe('buildArgs', () => {
  test.each<[string, EngineKind, Partial<BuildPlan>, string[]]>([
    [
      'buildx loads into the engine, no provenance',
      'buildx',
      {},
      ['buildx', 'build', ...common, '--provenance=false', '--load', 'image']
    ],
    [
      'buildx one platform still loads',
      'buildx',
      { platforms: ['linux/arm64'] },
      [
        'buildx',
        'build',
        ...common,
        '--platform',
        'linux/arm64',
        '--provenance=false',
        '--load',
        'image'
      ]
    ],
    [
      'buildx several platforms stay in the builder',
      'buildx',
      { platforms: ['linux/amd64', 'linux/arm64'] },
      [
        'buildx',
        'build',
        ...common,
        '--platform',
        'linux/amd64,linux/arm64',
        '--provenance=false',
        'image'
      ]
    ],
    [
      'buildx provenance opt-in',
      'buildx',
      { provenance: true },
      ['buildx', 'build', ...common, '--provenance=mode=min', 'image']
    ],
    ['classic docker', 'docker', {}, ['build', ...common, 'image']],
    [
      'podman',
      'podman',
      { platforms: ['linux/amd64'] },
      ['build', ...common, '--platform', 'linux/amd64', '--format', 'docker', 'image']
    ],
    ['buildah', 'buildah', {}, ['build', ...common, '--format', 'docker', 'image']]
  ])('%s', (_, kind, change, want) =>
    expect(buildArgs(kind, { ...plan, ...change })).toEqual(want)
  );
});

describe('pushArgs', () => {
  test.each<[string, EngineKind, Partial<BuildPlan>, boolean, string[]]>([
    ['docker pushes a tag', 'docker', {}, false, ['push', 'ghcr.io/o/app:abc']],
    [
      'buildx single platform pushes a tag from the engine',
      'buildx',
      {},
      false,
      ['push', 'ghcr.io/o/app:abc']
    ],
    [
      'podman to loopback skips TLS',
      'podman',
      {},
      true,
      ['push', '--tls-verify=false', 'ghcr.io/o/app:abc']
    ],
    ['buildah over TLS', 'buildah', {}, false, ['push', 'ghcr.io/o/app:abc']],
    [
      'buildx multi-platform exports from the builder cache',
      'buildx',
      { platforms: ['linux/amd64', 'linux/arm64'] },
      false,
      [
        'buildx',
        'build',
        ...common,
        '--platform',
        'linux/amd64,linux/arm64',
        '--provenance=false',
        '--push',
        'image'
      ]
    ]
  ])('%s', (_, kind, change, insecure, want) =>
    expect(pushArgs(kind, { ...plan, ...change }, 'ghcr.io/o/app:abc', insecure)).toEqual(want)
  );
});

test.each<[EngineKind, boolean, string[]]>([
  ['docker', true, ['login', '--username', 'u', '--password-stdin', '127.0.0.1:5000']],
  [
    'podman',
    true,
    ['login', '--tls-verify=false', '--username', 'u', '--password-stdin', '127.0.0.1:5000']
  ],
  ['buildah', false, ['login', '--username', 'u', '--password-stdin', '127.0.0.1:5000']]
])('loginArgs %s (loopback %s) never carries the password', (kind, insecure, want) => {
  expect(loginArgs(kind, '127.0.0.1:5000', 'u', insecure)).toEqual(want);
});

test.each<[EngineKind, string]>([
  ['buildx', 'docker'],
  ['docker', 'docker'],
  ['podman', 'podman'],
  ['buildah', 'buildah']
])('engineBinary(%s) = %s', (kind, bin) => expect(engineBinary(kind)).toBe(bin));

describe('checkSupported', () => {
  test.each<[EngineKind, Partial<BuildPlan>, RegExp | null]>([
    ['buildx', { platforms: ['linux/amd64', 'linux/arm64'], provenance: true }, null],
    ['docker', { platforms: ['linux/arm64'] }, null],
    [
      'docker',
      { platforms: ['linux/amd64', 'linux/arm64'] },
      /^platforms: building 2 platforms needs docker buildx, found docker/
    ],
    ['podman', { provenance: true }, /^provenance: attestations need docker buildx, found podman/]
  ])('%s %j', (kind, change, error) => {
    const check = () => checkSupported(kind, { ...plan, ...change });
    if (error) expect(check).toThrow(error);
    else expect(check).not.toThrow();
  });
});

describe('labels', () => {
  const created = new Date('2026-01-02T03:04:05Z');
  test('default OCI labels link the package to its repository', () => {
    expect(
      defaultLabels(
        {
          repository: 'Org/App',
          sha: 'abc',
          actor: 'a',
          serverUrl: 'https://github.com',
          eventName: 'push'
        },
        created
      )
    ).toEqual([
      ['org.opencontainers.image.source', 'https://github.com/Org/App'],
      ['org.opencontainers.image.url', 'https://github.com/Org/App'],
      ['org.opencontainers.image.revision', 'abc'],
      ['org.opencontainers.image.created', '2026-01-02T03:04:05.000Z'],
      ['org.opencontainers.image.title', 'App']
    ]);
  });

  test('without a repository only the known labels remain', () => {
    expect(
      defaultLabels(
        { repository: '', sha: '', actor: '', serverUrl: 'https://github.com', eventName: '' },
        created
      )
    ).toEqual([['org.opencontainers.image.created', '2026-01-02T03:04:05.000Z']]);
  });

  test.each([
    [
      [
        ['a', '1'],
        ['b', '2']
      ],
      [
        ['b', 'x'],
        ['c', '3']
      ],
      [
        ['a', '1'],
        ['b', 'x'],
        ['c', '3']
      ]
    ],
    [[['a', '1']], [], [['a', '1']]]
  ])('mergeLabels(%j, %j): user wins, order kept', (defaults, user, want) => {
    expect(
      mergeLabels(defaults as Array<[string, string]>, user as Array<[string, string]>)
    ).toEqual(want);
  });
});
