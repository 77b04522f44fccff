// The Dockerfile's base image, made offline: Docker Hub is unreachable here, so the rig
// builds a minimal Debian root filesystem with Python from the apt mirror (mmdebstrap)
// and `docker import`s it under the exact name the Dockerfile's FROM resolves to
// (python:3.11-slim). Debian's python3 is /usr/bin/python3, on the PATH the import sets,
// which is all the image's exec-form ENTRYPOINT and HEALTHCHECK need ("python3").
//
// The tarball is cached in .cache/base-image/<recipe hash>.tar, so only the first run on a
// machine pays for mmdebstrap; each engine then pays one import (a few seconds).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DockerfileParser } from 'dockerfile-ast';
import { REPO_ROOT } from '../runner.js';
import { tryLock } from './daemon.js';
import type { EngineRig } from './engine.js';

export const IMAGE_DOCKERFILE = path.join(REPO_ROOT, 'image', 'Dockerfile');
export const BASE_IMAGE_CACHE = path.join(REPO_ROOT, '.cache', 'base-image');

/** Debian suites whose python3 is the given minor version. */
const SUITE_FOR_PYTHON: Record<string, string> = { '3.11': 'bookworm' };
const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

export interface BaseRecipe {
  suite: string;
  variant: 'minbase';
  packages: string[];
  /** mmdebstrap hook dirs under /usr/share/mmdebstrap/hooks. */
  hooks: string[];
  /** dpkg path filters that keep docs, man pages and translations out of the image. */
  dpkgOptions: string[];
}

export function baseRecipe(pythonMinor: string): BaseRecipe {
  const suite = SUITE_FOR_PYTHON[pythonMinor];
  if (!suite) {
    throw new Error(
      `image/Dockerfile pins Python ${pythonMinor}, but the offline base image can only be ` +
        `made with Python ${Object.keys(SUITE_FOR_PYTHON).join(', ')} (Debian's python3); ` +
        `add the Debian suite for ${pythonMinor} to SUITE_FOR_PYTHON in test/harness/rigs/base-image.ts`
    );
  }
  return {
    suite,
    variant: 'minbase',
    packages: ['python3'],
    // Sets up the merged /usr itself; otherwise apt installs usrmerge, which pulls in perl.
    hooks: ['merged-usr'],
    dpkgOptions: [
      'path-exclude=/usr/share/man/*',
      'path-exclude=/usr/share/info/*',
      'path-exclude=/usr/share/doc/*',
      'path-include=/usr/share/doc/*/copyright',
      'path-exclude=/usr/share/locale/*',
      'path-exclude=/usr/share/lintian/*'
    ]
  };
}

/** Content address of a recipe: the same packages and filters give the same cache file. */
export function recipeHash(recipe: BaseRecipe): string {
  const canonical = JSON.stringify({
    suite: recipe.suite,
    variant: recipe.variant,
    packages: [...recipe.packages].sort(),
    hooks: recipe.hooks,
    dpkgOptions: recipe.dpkgOptions
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export interface BaseImageRef {
  /** The FROM reference with build-arg defaults applied, e.g. python:3.11-slim. */
  name: string;
  pythonMinor: string;
}

/** Resolves the (single-stage) Dockerfile's FROM with its ARG defaults. */
export function resolveBaseImage(dockerfileText: string): BaseImageRef {
  const from = DockerfileParser.parse(dockerfileText).getFROMs()[0];
  const name = from?.getExpandedArguments()[0]?.getValue();
  if (!name) throw new Error('the Dockerfile has no FROM image');
  if (name.includes('$')) {
    throw new Error(
      `FROM ${name}: a build arg in it has no default; give every ARG before FROM a default`
    );
  }
  const tag = name.slice(name.lastIndexOf(':') + 1);
  const minor = /^(\d+\.\d+)(?:[.-]|$)/.exec(tag);
  if (!name.includes(':') || !minor) {
    throw new Error(`FROM ${name}: the tag must start with a Python minor version such as 3.11`);
  }
  return { name, pythonMinor: minor[1] };
}

/**
 * The first apt source that serves `suite` itself (not -updates or -security), from
 * deb822 `.sources` files or one-line `sources.list` entries.
 */
export function mirrorFromSources(sourceFiles: string[], suite: string): string {
  for (const text of sourceFiles) {
    for (const stanza of text.split(/\n\s*\n/)) {
      const field = (name: string) =>
        new RegExp(`^${name}:\\s*(.+)$`, 'im').exec(stanza)?.[1].trim().split(/\s+/) ?? [];
      const uris = field('URIs');
      if (uris.length > 0 && field('Suites').includes(suite)) return uris[0];
    }
    for (const line of text.split('\n')) {
      const words = line
        .replace(/\[[^\]]*\]/, '')
        .trim()
        .split(/\s+/);
      if (words[0] === 'deb' && words[2] === suite) return words[1];
    }
  }
  return DEFAULT_MIRROR;
}

export function mmdebstrapArgs(recipe: BaseRecipe, mirror: string, output: string): string[] {
  return [
    // root mode needs root; unshare mode (uidmap) works for everyone else.
    `--mode=${process.getuid?.() === 0 ? 'root' : 'unshare'}`,
    `--variant=${recipe.variant}`,
    `--include=${recipe.packages.join(',')}`,
    ...recipe.hooks.map((hook) => `--hook-dir=/usr/share/mmdebstrap/hooks/${hook}`),
    ...recipe.dpkgOptions.map((option) => `--dpkgopt=${option}`),
    '--format=tar',
    recipe.suite,
    output,
    mirror
  ];
}

/** What the python:*-slim images set and a bare `docker import` lacks. */
export const IMPORT_CHANGES = [
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'ENV LANG=C.UTF-8',
  'CMD ["python3"]'
];

/** Kept in the image's Comment (not a label, so the app image does not inherit it). */
export function importMarker(hash: string): string {
  return `engine-rig offline base image, recipe ${hash}`;
}

/** Makes the Dockerfile's base image available in `engine`; returns its name. */
export async function ensureBaseImage(
  engine: EngineRig,
  dockerfile = IMAGE_DOCKERFILE
): Promise<string> {
  const base = resolveBaseImage(readFileSync(dockerfile, 'utf8'));
  const recipe = baseRecipe(base.pythonMinor);
  const hash = recipeHash(recipe);
  const present = await engine
    .docker(['image', 'inspect', '--format', '{{.Comment}}', base.name])
    .then((result) => result.stdout.trim())
    .catch(() => '');
  if (present === importMarker(hash)) return base.name;
  const tarball = await ensureRootfsTarball(recipe, hash);
  const changes = IMPORT_CHANGES.flatMap((change) => ['--change', change]);
  await engine.docker(['import', '--message', importMarker(hash), ...changes, tarball, base.name]);
  return base.name;
}

/**
 * Makes the cached root filesystem tarball ahead of the tests (scripts/setup.sh runs this
 * file), so no test's beforeAll waits minutes for mmdebstrap on a fresh machine.
 */
export async function prepareBaseImageTarball(dockerfile = IMAGE_DOCKERFILE): Promise<string> {
  const recipe = baseRecipe(resolveBaseImage(readFileSync(dockerfile, 'utf8')).pythonMinor);
  return ensureRootfsTarball(recipe, recipeHash(recipe));
}

/** The cached root filesystem tarball, made once per machine even when test files race. */
async function ensureRootfsTarball(recipe: BaseRecipe, hash: string): Promise<string> {
  const tarball = path.join(BASE_IMAGE_CACHE, `${hash}.tar`);
  const lock = `${tarball}.lock`;
  await mkdir(BASE_IMAGE_CACHE, { recursive: true });
  for (;;) {
    if (existsSync(tarball)) return tarball;
    if ((await tryLock(lock)) === undefined) break;
    await new Promise((resolve) => setTimeout(resolve, 1000)); // another process is building it
  }
  try {
    if (existsSync(tarball)) return tarball;
    const partial = `${tarball}.partial-${process.pid}`;
    await runMmdebstrap(mmdebstrapArgs(recipe, hostMirror(recipe.suite), partial));
    await rename(partial, tarball);
    return tarball;
  } finally {
    await rm(lock, { force: true });
  }
}

function hostMirror(suite: string): string {
  const files = ['/etc/apt/sources.list'];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) files.push(...readdirSync(dir).map((name) => path.join(dir, name)));
  const texts = files.filter((file) => existsSync(file)).map((file) => readFileSync(file, 'utf8'));
  return mirrorFromSources(texts, suite);
}

function runMmdebstrap(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // stdin closed: mmdebstrap reads extra apt sources from a non-terminal stdin.
    const child = execFile(
      'mmdebstrap',
      args,
      { maxBuffer: 16 * 1024 * 1024 },
      (error, _out, err) => {
        if (error) {
          const output = args[args.length - 2];
          rm(output, { force: true }).finally(() =>
            reject(
              new Error(
                `mmdebstrap ${args.join(' ')} failed:\n${err.trim().split('\n').slice(-15).join('\n')}`
              )
            )
          );
        } else {
          resolve();
        }
      }
    );
    child.stdin?.end();
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const recipe = baseRecipe(resolveBaseImage(readFileSync(IMAGE_DOCKERFILE, 'utf8')).pythonMinor);
  if (!existsSync(path.join(BASE_IMAGE_CACHE, `${recipeHash(recipe)}.tar`))) {
    console.log('[setup] making the offline base image rootfs with mmdebstrap (a minute or more)');
  }
  await prepareBaseImageTarball();
}
