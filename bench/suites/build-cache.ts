// 7. The layer cache: a Dockerfile with a slow RUN step (a shell loop) built cold, then again
//    after a source change that leaves the slow layer alone, both through build-push-image on
//    the remote buildkitd builder with `cache: registry`. Between the two the builder forgets
//    everything (buildx prune --all), so only the registry cache can make the second fast.
// 8. The action's overhead on a long build (a 30 s RUN): build-push-image main + post against
//    the raw `docker login` + `docker buildx build --push` with the very flags the action
//    passes (pushArgs of the same plan), each from an empty builder cache and a new repository.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BuilderRig } from '../../test/harness/rigs/buildx.js';
import { newRunnerJob } from '../../test/harness/runner.js';
import { pushArgs } from '../../actions/build-push-image/src/build-args.js';
import { NO_BUILD_OPTIONS } from '../../actions/build-push-image/src/build-options.js';
import type { Collector } from '../lib/collector.js';
import { phaseTimes, type PhaseMarker, type PhaseTime } from '../lib/phases.js';
import { interleave } from '../lib/schedule.js';
import { timedAction, timedCommand, type TimedResult } from '../lib/timed-run.js';

export interface CacheBenchRig {
  builder: BuilderRig;
  /** A scratch directory for the build contexts (the step's workspace). */
  workspace: string;
  distDir: string;
  log(text: string): void;
}

const GROUP_CACHE = '7. layer cache';
const GROUP_OVERHEAD = '8. long build overhead';
// 7's slow step stands for the issue's `pip install` of a real Python app, which takes minutes:
// 90 s. Its ratio is that of a cached rebuild's floor (~8-12 s here: the buildx sessions, the
// cache import, the cached layers pulled and the base unpacked for the COPY, the push; see
// CACHE_PHASES) to this step. 8 is the overhead on a build of the issue's 30 s.
const SLOW_SECONDS = 90;
const LONG_SECONDS = 30;

/**
 * Where a build-push-image run on the remote builder spends its time, cut from its log (buildx
 * progress lines). For a cached rebuild the slow step is `CACHED`, and its layers (and the
 * base's) are pulled from the registry cache and unpacked, because the COPY on top needs them.
 */
export const CACHE_PHASES: PhaseMarker[] = [
  { phase: 'node start + bundle load (first line)', endsAt: /^/ },
  { phase: 'registry check (tag exists?)', endsAt: /^::endgroup::/ },
  { phase: 'engine detection (docker version, buildx version)', endsAt: /^::group::Log in/ },
  { phase: 'docker login', endsAt: /^::group::Build/ },
  { phase: 'buildx start + builder session', endsAt: /^#0 building with/ },
  { phase: 'Dockerfile, context, base metadata', endsAt: /importing cache manifest from/ },
  {
    phase: 'cache import (manifest; cold: + the base image pulled and unpacked)',
    endsAt: /\[2\/3\] RUN/
  },
  {
    phase: 'slow RUN: runs (cold) / cached layers + base pulled and unpacked (cached)',
    endsAt: /\[3\/3\] COPY/
  },
  { phase: 'COPY app.txt', endsAt: /exporting cache to registry/ },
  { phase: 'cache export + build session end', endsAt: /^::group::Push/ },
  { phase: 'push (second buildx session, from the builder)', endsAt: /^::endgroup::/ },
  { phase: 'manifest digest + outputs + summary + exit' }
];

const dockerfile = (seconds: number) =>
  [
    'ARG BASE',
    'FROM ${BASE}',
    `RUN i=0; while [ $i -lt ${seconds} ]; do sleep 1; i=$((i+1)); done; echo done > /slow`,
    'COPY app.txt /app.txt',
    ''
  ].join('\n');

function context(rig: CacheBenchRig, name: string, seconds: number, source: string): string {
  const dir = path.join(rig.workspace, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'Dockerfile'), dockerfile(seconds));
  writeFileSync(path.join(dir, 'app.txt'), source);
  return dir;
}

function check(result: TimedResult, what: string): void {
  if (!result.ok) throw new Error(`${what} failed:\n${result.tail}`);
}

const repoName = () => `bench/cache-${randomBytes(4).toString('hex')}`;

async function forget(rig: CacheBenchRig): Promise<void> {
  const { engine, buildkitd } = rig.builder;
  await engine.docker(['buildx', 'prune', '--all', '--force', '--builder', buildkitd.builder]);
}

/** build-push-image main + post on the remote builder: the total time, the main step's phases. */
async function bundle(
  rig: CacheBenchRig,
  image: string,
  dir: string,
  extra: Record<string, string>
): Promise<{ ms: number; phases: PhaseTime[] }> {
  const { registry, engine, buildkitd, base } = rig.builder;
  const job = newRunnerJob();
  const options = {
    inputs: {
      image,
      tag: randomBytes(20).toString('hex'),
      username: registry.username,
      password: registry.password,
      context: dir,
      'build-args': `BASE=${base}`,
      ...extra
    },
    env: { ...engine.env, ...buildkitd.env, GITHUB_WORKSPACE: rig.workspace },
    distDir: rig.distDir
  };
  try {
    const main = await timedAction(job, 'build-push-image', 'index', options);
    check(main, `build-push-image ${image}`);
    const post = await timedAction(job, 'build-push-image', 'post', options);
    const phases = phaseTimes(main.lines, CACHE_PHASES, main.elapsedMs);
    return {
      ms: main.elapsedMs + post.elapsedMs,
      phases: [...phases, { phase: 'post step', ms: post.elapsedMs }]
    };
  } finally {
    rmSync(job.dir, { recursive: true, force: true });
  }
}

export async function buildCache(rig: CacheBenchRig, c: Collector, rounds: number): Promise<void> {
  for (const { round } of interleave(['cold then cached'] as const, rounds, { warmup: false })) {
    const image = `${rig.builder.registry.host}/${repoName()}`;
    const dir = context(rig, `cache-${round}`, SLOW_SECONDS, `round ${round} v1\n`);
    await forget(rig);
    const coldRun = await bundle(rig, image, dir, { cache: 'registry' });
    await forget(rig);
    writeFileSync(path.join(dir, 'app.txt'), `round ${round} v2\n`);
    const cachedRun = await bundle(rig, image, dir, { cache: 'registry' });
    const [cold, cached] = [coldRun.ms, cachedRun.ms];
    c.addPhases(
      `build-push-image, cached rebuild (${SLOW_SECONDS} s RUN from the registry cache)`,
      cachedRun.phases
    );
    c.addPhases(`build-push-image, cold build (${SLOW_SECONDS} s RUN)`, coldRun.phases);
    rig.log(
      `cache #${round + 1} cached phases: ${cachedRun.phases.map((p) => `${p.phase} ${(p.ms / 1000).toFixed(2)} s`).join('; ')}`
    );
    rig.log(
      `cache #${round + 1}: cold ${(cold / 1000).toFixed(1)} s, cached ${(cached / 1000).toFixed(1)} s`
    );
    c.add(
      'cache-cold',
      GROUP_CACHE,
      `cold build, ${SLOW_SECONDS} s RUN step (cache: registry)`,
      cold
    );
    c.add(
      'cache-warm',
      GROUP_CACHE,
      'after a source change, builder cache pruned, registry cache',
      cached
    );
  }
  c.compare({
    label: 'build: cached rebuild / cold build',
    ours: 'cache-warm',
    anchor: 'cache-cold',
    target: 0.2
  });
}

/** The raw commands: docker login, then buildx build --push with the action's own flags. */
async function raw(rig: CacheBenchRig, image: string, dir: string): Promise<number> {
  const { registry, engine, buildkitd, base } = rig.builder;
  const ref = `${image}:${randomBytes(20).toString('hex')}`;
  const plan = {
    refs: [ref],
    context: dir,
    file: path.join(dir, 'Dockerfile'),
    buildArgs: [['BASE', base]] as Array<[string, string]>,
    labels: [],
    platforms: [],
    provenance: false,
    options: NO_BUILD_OPTIONS,
    driver: 'remote'
  };
  const env = { ...engine.env, ...buildkitd.env };
  const login = await timedCommand(
    engine.dockerBin,
    ['login', '--username', registry.username, '--password-stdin', registry.host],
    { env, input: registry.password }
  );
  check(login, 'docker login');
  const build = await timedCommand(engine.dockerBin, pushArgs('buildx', plan, ref, true), { env });
  check(build, 'docker buildx build --push');
  return login.elapsedMs + build.elapsedMs;
}

export async function longBuildOverhead(
  rig: CacheBenchRig,
  c: Collector,
  rounds: number
): Promise<void> {
  const dir = context(rig, 'long', LONG_SECONDS, 'long build\n');
  for (const { variant, round } of interleave(['bundle', 'raw'] as const, rounds, {
    warmup: false
  })) {
    const image = `${rig.builder.registry.host}/${repoName()}`;
    await forget(rig);
    const ms =
      variant === 'bundle' ? (await bundle(rig, image, dir, {})).ms : await raw(rig, image, dir);
    rig.log(`long build ${variant} #${round + 1}: ${(ms / 1000).toFixed(1)} s`);
    if (variant === 'bundle') {
      c.add(
        'long-bundle',
        GROUP_OVERHEAD,
        `build-push-image main + post, ${LONG_SECONDS} s RUN, remote buildkitd`,
        ms
      );
    } else {
      c.add(
        'long-raw',
        GROUP_OVERHEAD,
        'docker login + docker buildx build --push, same flags',
        ms
      );
    }
  }
  c.compare({
    label: `build: bundle / raw buildx build --push on a ${LONG_SECONDS} s build`,
    ours: 'long-bundle',
    anchor: 'long-raw',
    target: 1.1
  });
}
