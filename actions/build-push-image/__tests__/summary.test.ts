import { describe, expect, test } from '@jest/globals';
import {
  alreadyPushed,
  formatBytes,
  outcomeOutputs,
  renderSummary,
  type Outcome
} from '../src/summary.js';

const pushed: Outcome = {
  name: 'ghcr.io/o/app',
  tags: ['abc', 'latest'],
  digest: 'sha256:1111',
  size: 52_428_800,
  built: true,
  pushed: true,
  reason: 'ghcr.io/o/app:abc is not in the registry yet',
  durationMs: 12_345,
  engine: 'docker'
};

test('a run that found its tags already pushed: the registry digest, skipped, nothing built or pushed', () => {
  const manifest = {
    digest: 'sha256:2222',
    mediaType: 'application/vnd.oci.image.index.v1+json',
    platforms: 2
  };
  const outcome = alreadyPushed('ghcr.io/o/app', ['abc'], manifest, 'ghcr.io/o/app:abc exists');
  expect(outcome).toEqual({
    name: 'ghcr.io/o/app',
    tags: ['abc'],
    digest: 'sha256:2222',
    size: undefined,
    platforms: 2,
    built: false,
    pushed: false,
    reason: 'ghcr.io/o/app:abc exists'
  });
  expect(outcomeOutputs({ ...outcome, durationMs: 1 })).toMatchObject({
    digest: 'sha256:2222',
    'image-ref': 'ghcr.io/o/app@sha256:2222',
    skipped: 'true'
  });
});

test.each([
  [0, '0 B'],
  [1023, '1023 B'],
  [1536, '1.5 KiB'],
  [52_428_800, '50.0 MiB'],
  [3 * 1024 ** 3, '3.0 GiB']
])('formatBytes(%d) = %s', (bytes, want) => expect(formatBytes(bytes)).toBe(want));

describe('outcomeOutputs', () => {
  test.each<[string, Outcome, Record<string, string>]>([
    [
      'built and pushed',
      pushed,
      {
        image: 'ghcr.io/o/app:abc',
        digest: 'sha256:1111',
        'image-ref': 'ghcr.io/o/app@sha256:1111',
        tags: 'ghcr.io/o/app:abc\nghcr.io/o/app:latest',
        skipped: 'false',
        metadata: ''
      }
    ],
    [
      'skipped',
      { ...pushed, built: false, pushed: false },
      {
        image: 'ghcr.io/o/app:abc',
        digest: 'sha256:1111',
        'image-ref': 'ghcr.io/o/app@sha256:1111',
        tags: 'ghcr.io/o/app:abc\nghcr.io/o/app:latest',
        skipped: 'true',
        metadata: ''
      }
    ],
    [
      'built only',
      { ...pushed, digest: undefined, pushed: false, tags: ['abc'] },
      {
        image: 'ghcr.io/o/app:abc',
        digest: '',
        'image-ref': '',
        tags: 'ghcr.io/o/app:abc',
        skipped: 'false',
        metadata: ''
      }
    ]
  ])('%s', (_, outcome, want) => expect(outcomeOutputs(outcome)).toEqual(want));
});

describe('renderSummary', () => {
  test.each<[string, Outcome, RegExp[]]>([
    [
      'pushed',
      pushed,
      [
        /\| Result \| built and pushed \|/,
        /\| Size \| 50.0 MiB compressed \|/,
        /docker pull ghcr.io\/o\/app@sha256:1111/,
        /\| Duration \| 12.3 s \|/,
        /\| Engine \| docker \|/
      ]
    ],
    [
      'skipped',
      { ...pushed, built: false, pushed: false, reason: 'already exists', engine: undefined },
      [/\| Result \| skipped \|/, /\| Why \| already exists \|/]
    ],
    ['multi-platform', { ...pushed, size: undefined, platforms: 2 }, [/\| Size \| 2 platforms \|/]],
    [
      'local build',
      { ...pushed, digest: undefined, size: undefined, pushed: false },
      [/\| Digest \| not pushed \|/, /\| Size \| unknown \|/]
    ]
  ])('%s', (_, outcome, patterns) => {
    const text = renderSummary(outcome);
    expect(text).toMatch(/^### Image ghcr.io\/o\/app:abc\n/);
    for (const pattern of patterns) expect(text).toMatch(pattern);
  });

  test('no pull line without a digest', () => {
    expect(renderSummary({ ...pushed, digest: undefined })).not.toMatch(/docker pull/);
  });
});
