import { describe, expect, test } from '@jest/globals';
import {
  isLoopbackRegistry,
  normalizeImageName,
  registryApiBase,
  validateTag
} from '../src/image-ref.js';

describe('normalizeImageName', () => {
  test.each([
    ['ghcr.io/owner/app', 'ghcr.io', 'owner/app', undefined],
    [
      'ghcr.io/Example-Org/Demo-App',
      'ghcr.io',
      'example-org/demo-app',
      'ghcr.io/Example-Org/Demo-App'
    ],
    ['GHCR.IO/Owner/App', 'ghcr.io', 'owner/app', 'GHCR.IO/Owner/App'],
    ['127.0.0.1:5000/Owner/Repo', '127.0.0.1:5000', 'owner/repo', '127.0.0.1:5000/Owner/Repo'],
    ['localhost/app', 'localhost', 'app', undefined],
    ['registry.example.com:8443/a/b/c', 'registry.example.com:8443', 'a/b/c', undefined],
    ['alpine', 'docker.io', 'library/alpine', undefined],
    ['owner/app', 'docker.io', 'owner/app', undefined],
    ['ghcr.io/o/my_app.v2--x', 'ghcr.io', 'o/my_app.v2--x', undefined]
  ])('%s → %s / %s', (text, registry, path, loweredFrom) => {
    const { image, lowered } = normalizeImageName('image', text);
    expect(image).toEqual({ registry, path, name: `${registry}/${path}` });
    expect(lowered?.from).toBe(loweredFrom);
  });

  test.each([
    ['ghcr.io/o/app:v1', /has a tag; .*tag or tags input/],
    ['ghcr.io/o/app@sha256:abc', /has a digest/],
    ['ghcr.io/o/-app', /"-app" must be lower-case letters/],
    ['ghcr.io/o/app_', /"app_" must be/],
    ['ghcr.io//app', /"" must be/],
    ['ghcr.io/o/a b', /"a b" must be/],
    ['-bad.io/o/app', /"-bad.io" is not a valid registry host/],
    [`ghcr.io/o/${'a'.repeat(250)}`, /longer than 255/]
  ])('rejects %s', (text, message) => {
    expect(() => normalizeImageName('image', text)).toThrow(message);
    expect(() => normalizeImageName('image', text)).toThrow(/^image: /);
  });
});

describe('validateTag', () => {
  test.each(['0123abc', 'MixedCase', 'v1.2.3', '_x', 'a'.repeat(128), 'x-y_z.1'])(
    'accepts %s and keeps its case',
    (tag) => expect(validateTag('tag', tag)).toBe(tag)
  );
  test.each(['', '.hidden', '-dash', 'a'.repeat(129), 'with space', 'a/b', 'a:b'])(
    'rejects "%s"',
    (tag) => expect(() => validateTag('tags', tag)).toThrow(/^tags: ".*" is not a valid tag/)
  );
});

describe('registry addresses', () => {
  test.each([
    ['127.0.0.1:5000', true, 'http://127.0.0.1:5000'],
    ['127.1.2.3', true, 'http://127.1.2.3'],
    ['localhost:5000', true, 'http://localhost:5000'],
    ['ghcr.io', false, 'https://ghcr.io'],
    ['128.0.0.1:5000', false, 'https://128.0.0.1:5000'],
    ['localhost.example.com', false, 'https://localhost.example.com'],
    ['docker.io', false, 'https://registry-1.docker.io']
  ])('%s: loopback %s, API at %s', (registry, loopback, base) => {
    expect(isLoopbackRegistry(registry)).toBe(loopback);
    expect(registryApiBase(registry)).toBe(base);
  });
});
