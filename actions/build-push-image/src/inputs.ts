import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../shared/src/errors.js';
import {
  parseBoolean,
  parseKeyValueLines,
  parseLines,
  rawInput,
  type InputReader
} from '../../shared/src/inputs.js';
import { maskSecret } from '../../shared/src/mask.js';
import { parseRoleInputs, type RoleInputs } from '../../shared/src/aws/credentials.js';
import { ecrRegistryOf } from './ecr-login.js';
import { hostWhere, resolveInWorkspace, type Where } from '../../shared/src/workspace-path.js';
import { parseBuildOptions, secretValues, type BuildOptions } from './build-options.js';
import { normalizeImageName, validateTag, type ImageName } from './image-ref.js';

/** What the workflow run tells us about itself (the runner's GITHUB_* variables). */
export interface GitHubContext {
  repository: string;
  sha: string;
  actor: string;
  serverUrl: string;
  eventName: string;
}

export interface Inputs {
  image: ImageName;
  /** The `image` text before lowering, when it had upper case (worth a notice). */
  loweredFrom?: string;
  /** The `tag` input first, then `tags`, without duplicates. */
  tags: string[];
  /** Absolute, inside the workspace or RUNNER_TEMP (symlinks resolved). */
  context: string;
  /** The Dockerfile: absolute, inside the workspace or RUNNER_TEMP (symlinks resolved). */
  file: string;
  buildArgs: Array<[string, string]>;
  labels: Array<[string, string]>;
  platforms: string[];
  push: boolean;
  username: string;
  /** Empty for an ECR image: the login comes from ECR (ecr-login.ts). */
  password: string;
  /** role-arn + role-session-name, for ECR. */
  role?: RoleInputs;
  skipExisting: boolean;
  force: boolean;
  provenance: boolean;
  github: GitHubContext;
  /** cache, secrets, ssh, target, no-cache, pull, sbom, build-contexts, annotations. */
  options: BuildOptions;
}

const PLATFORM = /^[a-z0-9_]+\/[a-z0-9_]+(?:\/[a-z0-9_.]+)?$/;

/** Items of a list input written one per line or comma-separated. */
export function parseList(text: string): string[] {
  return parseLines(text)
    .flatMap((line) => line.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export function githubContext(env: NodeJS.ProcessEnv): GitHubContext {
  return {
    repository: env.GITHUB_REPOSITORY ?? '',
    sha: env.GITHUB_SHA ?? '',
    actor: env.GITHUB_ACTOR ?? '',
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    eventName: env.GITHUB_EVENT_NAME ?? ''
  };
}

function imageInput(read: InputReader, github: GitHubContext): string {
  const text = read('image');
  if (text) return text;
  if (!github.repository) {
    throw new InputError(
      'image',
      'is empty and GITHUB_REPOSITORY is not set; set image: ghcr.io/<owner>/<name>'
    );
  }
  return `ghcr.io/${github.repository}`;
}

function tagList(read: InputReader, github: GitHubContext): string[] {
  const tag = read('tag') || github.sha;
  if (!tag) throw new InputError('tag', 'is empty and GITHUB_SHA is not set; set tag: v1.2.3');
  const extra = parseList(read('tags')).map((t) => validateTag('tags', t));
  return [...new Set([validateTag('tag', tag), ...extra])];
}

function platformList(read: InputReader): string[] {
  return parseList(read('platforms')).map((platform) => {
    if (!PLATFORM.test(platform)) {
      throw new InputError('platforms', `"${platform}" is not os/arch[/variant], e.g. linux/amd64`);
    }
    return platform;
  });
}

/**
 * Every input parsed and validated once; pure given the reader, the context and `where` (the
 * workspace, RUNNER_TEMP and the fs edge that resolves paths).
 */
export function parseInputs(read: InputReader, github: GitHubContext, where: Where): Inputs {
  const image = imageInput(read, github);
  const { image: name, lowered } = normalizeImageName('image', image);
  const tags = tagList(read, github);
  // Docker sends the context and reads the Dockerfile: neither may bring in files from outside.
  const inside = (input: string, text: string) =>
    resolveInWorkspace(input, text, where.roots, where.fs).path;
  const context = inside('context', read('context') || 'image');
  const push = parseBoolean('push', read('push'), true);
  const username = read('username') || github.actor;
  const password = read('password');
  if (push && !username) {
    throw new InputError('username', 'is empty and GITHUB_ACTOR is not set; set username:');
  }
  if (push && !password && !ecrRegistryOf(name.registry)) {
    throw new InputError(
      'password',
      'is empty; pass a token that may push: password: ${{ secrets.GITHUB_TOKEN }}'
    );
  }
  return {
    image: name,
    loweredFrom: lowered?.from,
    tags,
    context,
    file: inside('file', read('file') || path.join(context, 'Dockerfile')),
    buildArgs: parseKeyValueLines('build-args', read('build-args')),
    labels: parseKeyValueLines('labels', read('labels')),
    platforms: platformList(read),
    push,
    username,
    password,
    role: parseRoleInputs(read('role-arn'), read('role-session-name')),
    skipExisting: parseBoolean('skip-existing', read('skip-existing'), true),
    force: parseBoolean('force', read('force'), false),
    provenance: parseBoolean('provenance', read('provenance'), false),
    github,
    options: parseBuildOptions(read, name)
  };
}

/** A secret file's text, to mask; a missing or large (binary, > 64 KiB) file is the build's to read. */
function secretFileText(file: string): string {
  try {
    return statSync(file).size <= 65_536 ? readFileSync(file, 'utf8') : '';
  } catch {
    return '';
  }
}

export function readInputs(): Inputs {
  maskSecret(rawInput('password')); // before anything could echo it
  // Secret lines are masked whole before they are parsed: a malformed one is still secret.
  for (const line of rawInput('secrets').split(/\r?\n/)) maskSecret(line);
  const inputs = parseInputs(
    rawInput,
    githubContext(process.env),
    hostWhere(process.env, process.cwd())
  );
  for (const value of secretValues(inputs.options, process.env)) maskSecret(value);
  for (const { source } of inputs.options.secrets) {
    if ('file' in source) maskSecret(secretFileText(source.file));
  }
  return inputs;
}
