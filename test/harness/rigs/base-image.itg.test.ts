import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import {
  baseRecipe,
  IMAGE_DOCKERFILE,
  mirrorFromSources,
  mmdebstrapArgs,
  recipeHash,
  resolveBaseImage
} from './base-image.js';

describe('resolveBaseImage', () => {
  test('image/Dockerfile resolves to python:3.11-slim', () => {
    expect(resolveBaseImage(readFileSync(IMAGE_DOCKERFILE, 'utf8'))).toEqual({
      name: 'python:3.11-slim',
      pythonMinor: '3.11'
    });
  });

  test.each([
    ['ARG V=3.12\nFROM python:${V}-slim\n', 'python:3.12-slim', '3.12'],
    ['ARG V=3.11.9\nFROM python:$V-slim-bookworm\n', 'python:3.11.9-slim-bookworm', '3.11'],
    ['FROM python:3.11\n', 'python:3.11', '3.11']
  ])('%j resolves to %s', (dockerfile, name, pythonMinor) => {
    expect(resolveBaseImage(dockerfile)).toEqual({ name, pythonMinor });
  });

  test.each([
    ['RUN true\n', /no FROM/],
    ['ARG V\nFROM python:${V}-slim\n', /has no default/],
    ['FROM python:3-slim\n', /Python minor version/],
    ['FROM python\n', /Python minor version/]
  ])('%j is refused', (dockerfile, message) => {
    expect(() => resolveBaseImage(dockerfile)).toThrow(message);
  });
});

describe('baseRecipe and recipeHash', () => {
  test('Python 3.11 is Debian bookworm’s python3', () => {
    expect(baseRecipe('3.11')).toMatchObject({
      suite: 'bookworm',
      packages: ['python3'],
      hooks: ['merged-usr']
    });
  });

  test('a Python without a Debian suite here says where to add one', () => {
    expect(() => baseRecipe('3.12')).toThrow(/pins Python 3\.12.*SUITE_FOR_PYTHON/s);
  });

  test('the hash ignores package order but follows the package list', () => {
    const recipe = baseRecipe('3.11');
    const reordered = { ...recipe, packages: [...recipe.packages].reverse() };
    const more = { ...recipe, packages: [...recipe.packages, 'ca-certificates'] };
    expect(recipeHash(reordered)).toBe(recipeHash(recipe));
    expect(recipeHash(more)).not.toBe(recipeHash(recipe));
    expect(recipeHash(recipe)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('mirrorFromSources', () => {
  const deb822 = [
    'Types: deb',
    'URIs: http://mirror.example/debian',
    'Suites: bookworm bookworm-updates',
    'Components: main',
    '',
    'Types: deb',
    'URIs: http://security.example/debian-security',
    'Suites: bookworm-security',
    'Components: main'
  ].join('\n');
  test.each([
    ['deb822', [deb822], 'http://mirror.example/debian'],
    [
      'one-line with options',
      ['deb [signed-by=/k.gpg] http://one.example/debian bookworm main'],
      'http://one.example/debian'
    ],
    [
      'only -updates and -security',
      ['deb http://u.example/debian bookworm-updates main'],
      'http://deb.debian.org/debian'
    ],
    ['nothing', [], 'http://deb.debian.org/debian']
  ])('%s', (_what, files, want) => expect(mirrorFromSources(files, 'bookworm')).toBe(want));
});

test('mmdebstrapArgs asks for a minbase tarball with the recipe’s packages', () => {
  const args = mmdebstrapArgs(baseRecipe('3.11'), 'http://m/debian', '/c/x.tar');
  expect(args).toEqual(
    expect.arrayContaining([
      '--variant=minbase',
      '--include=python3',
      '--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr',
      '--format=tar'
    ])
  );
  expect(args.slice(-3)).toEqual(['bookworm', '/c/x.tar', 'http://m/debian']);
});
