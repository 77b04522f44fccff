// 4. Rerun of an SHA already in the registry (skipped) against the first full build of it.
// 6. The anchor: the commands docker/login-action and docker/build-push-action run (docker
//    login, build, push, and logout in login-action's post step), with the same engine,
//    registry, build context and an equally empty build cache.
// Full builds start from a pruned build cache and no local image of the bench repository; the
// offline base image stays (it cannot be pulled here; see README.md).
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { EngineRig } from '../../test/harness/rigs/engine.js';
import type { RegistryRig } from '../../test/harness/rigs/registry.js';
import { REPO_ROOT, newRunnerJob } from '../../test/harness/runner.js';
import type { LocalContext } from '../../scripts/lib/git-context.js';
import type { Collector } from '../lib/collector.js';
import { phaseTimes, type PhaseMarker, type PhaseTime } from '../lib/phases.js';
import { interleave } from '../lib/schedule.js';
import { timedAction, timedCommand, type TimedResult } from '../lib/timed-run.js';

export interface BuildRig {
  engine: EngineRig;
  registry: RegistryRig;
  context: LocalContext;
  /** The snapshot of dist/ the bundles run from. */
  distDir: string;
  log(text: string): void;
}

const GROUP_RERUN = '4. build rerun';
const GROUP_ANCHOR = '6. build anchor';
const GROUP_COLD = '5. cold start';

/** The build-push-image main step's log on a full build, cut where each part ends. */
export const BUILD_PHASES: PhaseMarker[] = [
  { phase: 'node start + bundle load (first line)', endsAt: /^/ },
  { phase: 'registry check', endsAt: /^::endgroup::/ },
  { phase: 'engine detection (docker version, docker buildx version)', endsAt: /^::group::Log in/ },
  { phase: 'docker login', endsAt: /^::group::Build/ },
  { phase: 'docker build', endsAt: /^::group::Push/ },
  { phase: 'docker push', endsAt: /^::endgroup::/ },
  { phase: 'manifest digest + outputs + summary + exit' }
];

const fakeSha = () => randomBytes(20).toString('hex');

function check(result: TimedResult, what: string): void {
  if (!result.ok) throw new Error(`${what} failed:\n${result.tail}`);
}

/** Main and post step; the post step removes the step's registry credentials. */
async function bundleBuild(
  rig: BuildRig,
  image: string,
  tag: string,
  force: boolean
): Promise<{ main: TimedResult; totalMs: number; skipped: string | undefined }> {
  const job = newRunnerJob();
  const options = {
    inputs: {
      image,
      tag,
      username: rig.registry.username,
      password: rig.registry.password,
      force: String(force)
    },
    env: { ...rig.engine.env, ...rig.context.env },
    distDir: rig.distDir
  };
  try {
    const main = await timedAction(job, 'build-push-image', 'index', options);
    const post = await timedAction(job, 'build-push-image', 'post', options);
    return { main, totalMs: main.elapsedMs + post.elapsedMs, skipped: main.run.outputs['skipped'] };
  } finally {
    await rm(job.dir, { recursive: true, force: true });
  }
}

/** The anchor's four commands, one after another, as the two actions would run them. */
async function anchorBuild(rig: BuildRig, ref: string): Promise<PhaseTime[]> {
  const { engine, registry } = rig;
  const env = engine.env;
  const steps: Array<[string[], string?]> = [
    [
      ['login', '--username', registry.username, '--password-stdin', registry.host],
      registry.password
    ],
    [['build', '--file', path.join('image', 'Dockerfile'), '--tag', ref, 'image']],
    [['push', ref]],
    [['logout', registry.host]]
  ];
  const phases: PhaseTime[] = [];
  for (const [args, input] of steps) {
    const result = await timedCommand(engine.dockerBin, args, { env, input, cwd: REPO_ROOT });
    check(result, `docker ${args[0]}`);
    phases.push({ phase: `docker ${args[0]}`, ms: result.elapsedMs });
  }
  return phases;
}

/** An empty build cache and no local image of the repository: the next build is a first one. */
async function forgetBuilds(rig: BuildRig, image: string): Promise<void> {
  await rig.engine.docker(['builder', 'prune', '--all', '--force']);
  const { stdout } = await rig.engine.docker([
    'image',
    'ls',
    '--quiet',
    '--filter',
    `reference=${image}`
  ]);
  const ids = [...new Set(stdout.split('\n').filter(Boolean))];
  if (ids.length > 0) await rig.engine.docker(['image', 'rm', '--force', ...ids]);
}

export async function buildRerun(rig: BuildRig, c: Collector, rounds: number): Promise<void> {
  const image = `${rig.registry.host}/bench/python-app`;
  let existingTag: string | undefined;
  const variants = ['bundle full build', 'anchor', 'bundle rerun'] as const;
  for (const { variant, round } of interleave(variants, rounds, { warmup: true })) {
    const what = `build: ${variant}${round < 0 ? ' warm-up' : ` #${round + 1}`}`;
    const kept = round >= 0;
    if (variant === 'bundle rerun') {
      const tag = existingTag ?? fakeSha();
      const run = await bundleBuild(rig, image, tag, false);
      check(run.main, what);
      if (run.skipped !== 'true')
        throw new Error(`${what}: ${image}:${tag} was built again, not skipped`);
      rig.log(`${what}: ${(run.totalMs / 1000).toFixed(2)} s`);
      if (kept)
        c.add(
          'build-skip',
          GROUP_RERUN,
          'build-push-image rerun, tag exists, main + post',
          run.totalMs
        );
      continue;
    }
    await forgetBuilds(rig, image);
    const tag = fakeSha();
    if (variant === 'anchor') {
      const phases = await anchorBuild(rig, `${image}:${tag}`);
      const ms = phases.reduce((sum, p) => sum + p.ms, 0);
      rig.log(`${what}: ${(ms / 1000).toFixed(2)} s`);
      if (kept) {
        c.add('build-anchor', GROUP_ANCHOR, 'docker login + build + push + logout', ms);
        c.addPhases('anchor: docker login, build, push, logout', phases);
      }
    } else {
      const run = await bundleBuild(rig, image, tag, true);
      check(run.main, what);
      rig.log(`${what}: ${(run.totalMs / 1000).toFixed(2)} s`);
      if (kept) {
        const { main } = run;
        c.add('build-full', GROUP_RERUN, 'build-push-image full build, main + post', run.totalMs);
        c.add(
          'build-post',
          GROUP_RERUN,
          'build-push-image post step',
          run.totalMs - main.elapsedMs
        );
        c.addPhases(
          'build-push-image main step, full build',
          phaseTimes(main.lines, BUILD_PHASES, main.elapsedMs)
        );
        c.add(
          'cold-build',
          GROUP_COLD,
          'build-push-image index.js: start → first line',
          main.lines[0].atMs
        );
      }
    }
    existingTag = tag;
  }
  c.compare({
    label: 'build: rerun of an existing SHA / first full build',
    ours: 'build-skip',
    anchor: 'build-full'
  });
  c.compare({
    label: 'build: bundle full build / docker login+build+push+logout',
    ours: 'build-full',
    anchor: 'build-anchor'
  });
}
