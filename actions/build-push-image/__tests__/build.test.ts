import { expect, test } from '@jest/globals';
import { buildFailureHint } from '../src/build.js';

const fallback = 'The build log above shows the failing Dockerfile step.';

test.each<[string, string, string, RegExp | string]>([
  [
    'podman 4.3 without a search registry',
    'podman',
    'Error: creating build container: short-name "someuser/foo:1" did not resolve to an alias and no unqualified-search registries are defined in "/etc/containers/registries.conf"',
    /^podman resolves a short image name in FROM only through registries\.conf .*FROM docker\.io\/library\/python:3\.11-slim.*unqualified-search-registries = \["docker\.io"\]/
  ],
  [
    'buildah with several search registries and no TTY',
    'buildah',
    'Error: creating build container: short-name resolution enforced but cannot prompt without a TTY',
    /^buildah resolves a short image name/
  ],
  [
    // docker 28's CLI, as it answers DOCKER_BUILDKIT=1 without the buildx plugin
    'BuildKit asked for, no buildx plugin',
    'docker',
    'ERROR: BuildKit is enabled but the buildx component is missing or broken.\n       Install the buildx component to build images with BuildKit:\n       https://docs.docker.com/go/buildx/',
    /^docker has no buildx plugin, and DOCKER_BUILDKIT=1 asks for a BuildKit build.*docker\/setup-buildx-action.*unset DOCKER_BUILDKIT/
  ],
  ['a failing RUN step', 'docker', 'ERROR: process "/bin/sh -c false" did not complete', fallback],
  [
    'podman, another failure',
    'podman',
    'Error: building at STEP "COPY x .": no such file',
    fallback
  ]
])('%s', (_, bin, output, want) => {
  const hint = buildFailureHint(bin, output);
  if (typeof want === 'string') expect(hint).toBe(want);
  else expect(hint).toMatch(want);
});
