import { InputError } from '../../shared/src/errors.js';
import {
  cacheAttr,
  cacheText,
  type BuildOptions,
  type BuildSecret,
  type CacheEntry
} from './build-options.js';
import { isLoopbackRegistry } from './image-ref.js';
import type { GitHubContext, Inputs } from './inputs.js';

/** docker with the buildx plugin, docker's classic builder, or the daemonless tools. */
export type EngineKind = 'buildx' | 'docker' | 'podman' | 'buildah';

/** What one build does: the inputs' context, Dockerfile, args, labels and platforms, and more. */
export interface BuildPlan extends Pick<
  Inputs,
  'context' | 'file' | 'buildArgs' | 'labels' | 'platforms'
> {
  /** Full references `registry/path:tag`, primary first. */
  refs: string[];
  provenance: boolean;
  /** Cache, secrets, target and the rest (build-options.ts). */
  options: BuildOptions;
  /** The buildx builder's driver (docker, docker-container, remote …); buildx only. */
  driver?: string;
  /** Where buildx writes its metadata (--metadata-file); buildx only. */
  metadataFile?: string;
}

/**
 * The OCI labels GitHub reads: `source` links the ghcr package to the repository (so it
 * inherits its visibility and access), the rest make the image traceable to its commit.
 */
export function defaultLabels(github: GitHubContext, created: Date): Array<[string, string]> {
  const repoUrl = github.repository ? `${github.serverUrl}/${github.repository}` : '';
  const labels: Array<[string, string]> = [
    ['org.opencontainers.image.source', repoUrl],
    ['org.opencontainers.image.url', repoUrl],
    ['org.opencontainers.image.revision', github.sha],
    ['org.opencontainers.image.created', created.toISOString()],
    ['org.opencontainers.image.title', github.repository.split('/').pop() ?? '']
  ];
  return labels.filter(([, value]) => value !== '');
}

/** Defaults first, user labels after; a user label replaces a default with the same key. */
export function mergeLabels(
  defaults: Array<[string, string]>,
  user: Array<[string, string]>
): Array<[string, string]> {
  return [...new Map([...defaults, ...user]).entries()];
}

/**
 * buildx pushes straight from its builder when the result cannot live in the local engine
 * (several platforms, or attestations); otherwise we build into the engine and push tags.
 */
export function pushesFromBuilder(kind: EngineKind, plan: BuildPlan): boolean {
  if (kind !== 'buildx') return false;
  // A builder of its own (docker-container, remote …) keeps its results away from the
  // engine: loading them only to push them again would copy every layer twice.
  const ownBuilder = plan.driver !== undefined && plan.driver !== 'docker';
  return (
    ownBuilder || plan.platforms.length > 1 || plan.provenance || plan.options.sbom !== undefined
  );
}

const NEEDS_BUILDX = 'set up buildx (docker/setup-buildx-action) or remove it';

/** Rejects what the engine cannot do, naming the input to change. */
export function checkSupported(kind: EngineKind, plan: BuildPlan): void {
  checkOptionsSupported(kind, plan);
  if (kind === 'buildx') return;
  if (plan.platforms.length > 1) {
    throw new InputError(
      'platforms',
      `building ${plan.platforms.length} platforms needs docker buildx, found ${kind}; set up buildx (docker/setup-buildx-action) or give one platform`
    );
  }
  if (plan.provenance) {
    throw new InputError(
      'provenance',
      `attestations need docker buildx, found ${kind}; set up buildx or set provenance: false`
    );
  }
}

function checkOptionsSupported(kind: EngineKind, plan: BuildPlan): void {
  const { options } = plan;
  const cacheInput = options.cacheShortcut ? 'cache' : 'cache-to';
  if (kind === 'buildx') {
    const exporting = options.cacheTo.filter((entry) => entry.type !== 'inline');
    if ((plan.driver ?? 'docker') === 'docker' && exporting.length > 0) {
      throw new InputError(
        cacheInput,
        `the builder uses buildx's docker driver, which cannot export a cache (type=${exporting[0].type}); ` +
          'add docker/setup-buildx-action before this step (a docker-container builder), or use cache-to: type=inline'
      );
    }
    return;
  }
  const buildxOnly: Array<[string, boolean]> = [
    ['sbom', options.sbom !== undefined],
    ['annotations', options.annotations.length > 0],
    ['build-contexts', kind === 'docker' && options.buildContexts.length > 0]
  ];
  for (const [input, used] of buildxOnly) {
    if (used) throw new InputError(input, `needs docker buildx, found ${kind}; ${NEEDS_BUILDX}`);
  }
  const caches: Array<['cache-from' | 'cache-to', CacheEntry]> = [
    ...options.cacheFrom.map((e) => ['cache-from', e] as ['cache-from', CacheEntry]),
    ...options.cacheTo.map((e) => ['cache-to', e] as ['cache-to', CacheEntry])
  ];
  for (const [input, entry] of caches) {
    const name = options.cacheShortcut ? 'cache' : input;
    if (entry.type !== 'registry') {
      throw new InputError(
        name,
        `type=${entry.type} needs docker buildx, found ${kind}; ${kind === 'docker' ? 'set up buildx' : 'use type=registry,ref=REPOSITORY'}`
      );
    }
    if (kind === 'docker' && input === 'cache-to') {
      throw new InputError(
        name,
        "docker's classic builder cannot export a cache; set up buildx (docker/setup-buildx-action), or keep only cache-from"
      );
    }
  }
  if (kind === 'docker') {
    const notFile = options.secrets.find((secret) => !('file' in secret.source));
    if (notFile) {
      throw new InputError(
        'secrets',
        `"${notFile.id}": docker's classic builder reads secrets from files only; use secret-files, or set up buildx`
      );
    }
  }
}

/** The environment variable that carries a `secrets: NAME=VALUE` value to the build. */
function secretEnvName(index: number): string {
  return `BUILD_PUSH_IMAGE_SECRET_${index}`;
}

/** `--secret` values: where the build reads each secret, never the secret itself. */
function secretArg(secret: BuildSecret, index: number): string {
  const { id, source } = secret;
  if ('file' in source) return `id=${id},src=${source.file}`;
  return `id=${id},env=${'env' in source ? source.env : secretEnvName(index)}`;
}

/** Values of `secrets: NAME=VALUE` lines, under the names secretArg gave them. */
function secretEnvironment(plan: BuildPlan): Record<string, string> {
  const env: Record<string, string> = {};
  plan.options.secrets.forEach(({ source }, index) => {
    if ('value' in source) env[secretEnvName(index)] = source.value;
  });
  return env;
}

/** podman's and buildah's cache is a repository whose tags are layer keys: no tag here. */
export function cacheRepository(ref: string): string {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? ref.slice(0, colon) : ref;
}

function cacheArgs(kind: EngineKind, options: BuildOptions): string[] {
  const { cacheFrom, cacheTo } = options;
  if (kind === 'buildx') {
    return [
      ...cacheFrom.flatMap((entry) => ['--cache-from', cacheText(entry)]),
      ...cacheTo.flatMap((entry) => ['--cache-to', cacheText(entry)])
    ];
  }
  const ref = (entry: CacheEntry) => cacheAttr(entry, 'ref') ?? '';
  if (kind === 'docker') return cacheFrom.flatMap((entry) => ['--cache-from', ref(entry)]);
  if (cacheFrom.length + cacheTo.length === 0) return [];
  const refs = [...cacheFrom, ...cacheTo].map(ref);
  const hosts = refs.map((r) => r.split('/')[0]);
  return [
    '--layers',
    ...cacheFrom.flatMap((entry) => ['--cache-from', cacheRepository(ref(entry))]),
    ...cacheTo.flatMap((entry) => ['--cache-to', cacheRepository(ref(entry))]),
    ...(hosts.some(isLoopbackRegistry) ? ['--tls-verify=false'] : [])
  ];
}

/** Everything build-options.ts parsed, as the engine's flags. */
export function optionArgs(kind: EngineKind, plan: BuildPlan): string[] {
  const { options } = plan;
  const buildx = kind === 'buildx';
  return [
    ...(options.target ? ['--target', options.target] : []),
    ...cacheArgs(kind, options),
    ...options.secrets.flatMap((secret, index) => ['--secret', secretArg(secret, index)]),
    ...options.ssh.flatMap((entry) => ['--ssh', entry]),
    ...pairs('--build-context', options.buildContexts),
    ...options.annotations.flatMap((annotation) => ['--annotation', annotation]),
    ...(options.noCache ? ['--no-cache'] : []),
    ...(options.pull ? [kind === 'podman' || kind === 'buildah' ? '--pull=always' : '--pull'] : []),
    ...(buildx && options.sbom
      ? ['--attest', ['type=sbom', ...options.sbom.map(([k, v]) => `${k}=${v}`)].join(',')]
      : []),
    ...(buildx && plan.metadataFile ? ['--metadata-file', plan.metadataFile] : [])
  ];
}

function pairs(flag: string, values: Array<[string, string]>): string[] {
  return values.flatMap(([key, value]) => [flag, `${key}=${value}`]);
}

/** The build command's arguments, after the binary (`docker`, `podman`, `buildah`). */
export function buildArgs(kind: EngineKind, plan: BuildPlan): string[] {
  const args = [
    ...(kind === 'buildx' ? ['buildx', 'build'] : ['build']),
    '--file',
    plan.file,
    ...plan.refs.flatMap((ref) => ['--tag', ref]),
    ...pairs('--label', plan.labels),
    ...pairs('--build-arg', plan.buildArgs),
    ...(plan.platforms.length > 0 ? ['--platform', plan.platforms.join(',')] : []),
    ...optionArgs(kind, plan),
    // podman and buildah write OCI images by default, which have no HEALTHCHECK (dropped
    // with a warning) and differ from what docker pushes: write docker's format, as docker does.
    ...(kind === 'podman' || kind === 'buildah' ? ['--format', 'docker'] : [])
  ];
  if (kind === 'buildx') {
    // No attestations unless asked: they show up as unknown/unknown platforms in ghcr.
    args.push(`--provenance=${plan.provenance ? 'mode=min' : 'false'}`);
    if (!pushesFromBuilder(kind, plan)) args.push('--load');
  }
  return [...args, plan.context];
}

/** Arguments that push one reference (or, for builder pushes, the whole build again). */
export function pushArgs(
  kind: EngineKind,
  plan: BuildPlan,
  ref: string,
  insecure: boolean
): string[] {
  if (pushesFromBuilder(kind, plan)) {
    // Everything is in the builder's cache from the build step: this exports, not rebuilds.
    // The build step already read and wrote the layer cache: doing it again costs time.
    const uncached = { ...plan, options: { ...plan.options, cacheFrom: [], cacheTo: [] } };
    const build = buildArgs(kind, uncached);
    return [...build.slice(0, -1), '--push', build[build.length - 1]];
  }
  const tls = (kind === 'podman' || kind === 'buildah') && insecure ? ['--tls-verify=false'] : [];
  return ['push', ...tls, ref];
}

export function loginArgs(
  kind: EngineKind,
  registry: string,
  username: string,
  insecure: boolean
): string[] {
  const tls = (kind === 'podman' || kind === 'buildah') && insecure ? ['--tls-verify=false'] : [];
  return ['login', ...tls, '--username', username, '--password-stdin', registry];
}

/** The executable behind each engine kind. */
export function engineBinary(kind: EngineKind): string {
  return kind === 'buildx' ? 'docker' : kind;
}

/**
 * The `cache` shortcut asks each engine for what it can do (explicit cache-from/cache-to
 * are taken as given, and checkSupported rejects what cannot work): buildx's docker driver
 * and classic docker read the registry cache but cannot write one; podman and buildah keep
 * theirs as a repository of their own, IMAGE/buildcache, whose tags are layer keys.
 */
export function adaptCacheShortcut(
  kind: EngineKind,
  plan: BuildPlan
): { plan: BuildPlan; note?: string } {
  const { options } = plan;
  const shortcut = options.cacheShortcut;
  if (!shortcut) return { plan };
  const ref = options.cacheFrom.map((entry) => cacheAttr(entry, 'ref')).find(Boolean);
  const withCaches = (cacheFrom: CacheEntry[], cacheTo: CacheEntry[]) => ({
    ...plan,
    options: { ...options, cacheFrom, cacheTo }
  });
  const readOnly = (who: string) => ({
    plan: withCaches(shortcut === 'registry' ? options.cacheFrom : [], []),
    note:
      `cache: ${who} cannot export a cache; ` +
      (shortcut === 'registry' ? `reading ${ref} only` : 'no gha cache') +
      '. Add docker/setup-buildx-action before this step for a builder that writes it.'
  });
  if (kind === 'buildx') {
    return (plan.driver ?? 'docker') === 'docker' ? readOnly("buildx's docker driver") : { plan };
  }
  if (kind === 'docker') return readOnly("docker's classic builder");
  if (shortcut === 'gha') {
    return {
      plan: withCaches([], []),
      note: `cache: gha needs docker buildx; ${kind} builds with its local layers only`
    };
  }
  const repository: CacheEntry = {
    type: 'registry',
    attrs: [['ref', `${cacheRepository(ref ?? '')}/buildcache`]]
  };
  return { plan: withCaches([repository], [repository]) };
}

/** What type=gha needs to reach GitHub's cache service; GitHub sets these for JavaScript actions. */
const GHA_CACHE_VARIABLES = [
  'ACTIONS_CACHE_URL',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_CACHE_SERVICE_V2'
];

/**
 * The build's own environment: each `secrets: NAME=VALUE` value under its variable, and
 * for a gha cache the runner's cache variables, handed to buildx by name (its
 * `type=gha` reads them itself), never written into an argument.
 */
export function buildEnvironment(plan: BuildPlan, env: NodeJS.ProcessEnv): Record<string, string> {
  const { options } = plan;
  const gha = [...options.cacheFrom, ...options.cacheTo].find((entry) => entry.type === 'gha');
  const passed: Record<string, string> = {};
  if (gha) {
    const input = options.cacheShortcut
      ? 'cache'
      : options.cacheFrom.includes(gha)
        ? 'cache-from'
        : 'cache-to';
    if (!env.ACTIONS_RUNTIME_TOKEN || !(env.ACTIONS_CACHE_URL || env.ACTIONS_RESULTS_URL)) {
      throw new InputError(
        input,
        'type=gha needs ACTIONS_RUNTIME_TOKEN and ACTIONS_CACHE_URL or ACTIONS_RESULTS_URL, which GitHub gives JavaScript actions; outside GitHub Actions use type=registry'
      );
    }
    for (const name of GHA_CACHE_VARIABLES) {
      if (env[name]) passed[name] = env[name] as string;
    }
  }
  return { ...passed, ...secretEnvironment(plan) };
}
