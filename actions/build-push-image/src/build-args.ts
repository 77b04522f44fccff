import { InputError } from '../../shared/src/errors.js';
import type { GitHubContext } from './inputs.js';

/** docker with the buildx plugin, docker's classic builder, or the daemonless tools. */
export type EngineKind = 'buildx' | 'docker' | 'podman' | 'buildah';

export interface BuildPlan {
  /** Full references `registry/path:tag`, primary first. */
  refs: string[];
  context: string;
  file: string;
  buildArgs: Array<[string, string]>;
  labels: Array<[string, string]>;
  platforms: string[];
  provenance: boolean;
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
  return kind === 'buildx' && (plan.platforms.length > 1 || plan.provenance);
}

/** Rejects what the engine cannot do, naming the input to change. */
export function checkSupported(kind: EngineKind, plan: BuildPlan): void {
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
    const build = buildArgs(kind, plan);
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
