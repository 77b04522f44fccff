// `npm run bench`: our two bundles against raw helm and docker on this machine's rigs, side
// by side and interleaved, reported as ratios of medians (the machine is shared and noisy).
// Prints a Markdown table; a run of 5 rounds or more replaces the sections it measured in
// results/latest.json, results/latest.md and the table in README.md (the other sections keep
// the figures of the run that measured them); a shorter run writes results/partial.* instead.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { localContext } from '../scripts/lib/git-context.js';
import { withV1beta1Exec } from '../scripts/lib/kubeconfig.js';
import { checkPrerequisites } from '../scripts/lib/prerequisites.js';
import { startCluster } from '../test/emulator/index.js';
import { ensureBaseImage } from '../test/harness/rigs/base-image.js';
import { startBuilderRig } from '../test/harness/rigs/buildx.js';
import { startEngine } from '../test/harness/rigs/engine.js';
import { startHelmMirror } from '../test/harness/rigs/helm-mirror.js';
import { startRegistry } from '../test/harness/rigs/registry.js';
import { REPO_ROOT } from '../test/harness/runner.js';
import { Collector } from './lib/collector.js';
import { snapshotDist } from './lib/dist-snapshot.js';
import { bundleSizes, loadAverage, machine, versions } from './lib/machine.js';
import {
  latestWithSummaries,
  mergeSections,
  renderLatest,
  renderMarkdown,
  sectionResults,
  withSummaries,
  type BenchResults,
  type SectionRun
} from './lib/results.js';
import { buildRerun } from './suites/build.js';
import { buildCache, longBuildOverhead } from './suites/build-cache.js';
import {
  BENCH_NAMESPACES,
  BENCH_TOKEN,
  PULLABLE_IMAGES,
  deployOverhead,
  timeToFailure,
  type DeployRig
} from './suites/deploy.js';
import { failureKinds } from './suites/failure-kinds.js';
import { helmProvisioning } from './suites/helm-provisioning.js';
import { PLAN_NAMESPACES, planVsDeploy } from './suites/plan.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const SUITES = ['provisioning', 'deploy', 'failure', 'build', 'cache', 'plan', 'kinds'] as const;
type Suite = (typeof SUITES)[number];
const README_START = '<!-- bench:latest -->';
const README_END = '<!-- /bench:latest -->';

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    only: { type: 'string' },
    'failure-runs': { type: 'string', default: '3' },
    'raw-failure-runs': { type: 'string', default: '1' },
    // .cache is shared by every worktree of the machine: a second bench needs its own state.
    state: { type: 'string', default: path.join(REPO_ROOT, '.cache', 'bench') }
  }
});
const STATE = path.resolve(flags.state ?? '');

function count(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a whole number ≥ 1`);
  return value;
}

function selectedSuites(only: string | undefined): Set<Suite> {
  if (!only) return new Set(SUITES);
  const names = only.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(SUITES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new Error(`--only: unknown suite ${unknown.join(', ')}; suites are ${SUITES.join(', ')}`);
  }
  return new Set(names as Suite[]);
}

const stamp = () => new Date().toISOString().slice(11, 19);
const log = (text: string) => console.log(`[bench ${stamp()}] ${text}`);
const stops: Array<() => Promise<void>> = [];
/** The sections (runSuite) that finished, for results/latest.*. */
const sectionRuns: SectionRun[] = [];

async function stopRigs(): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch((error) => log(`cleanup: ${error}`));
}

async function start<T extends { stop(): Promise<void> }>(
  name: string,
  rig: Promise<T>
): Promise<T> {
  log(`starting ${name}`);
  const started = await rig;
  stops.push(() => started.stop());
  return started;
}

/**
 * Runs one suite; a suite that fails (a bundle being rebuilt mid-run, a rig that would not
 * start) is noted and the others still run, so one failure does not lose the figures.
 */
async function runSuite(
  name: string,
  failed: string[],
  c: Collector,
  work: () => Promise<void>
): Promise<void> {
  log(name);
  const date = new Date().toISOString();
  const loadAverageAtStart = loadAverage();
  const started = performance.now();
  c.section = name;
  try {
    await work();
    sectionRuns.push({
      section: name,
      date,
      durationMs: performance.now() - started,
      loadAverageAtStart,
      loadAverageAtEnd: loadAverage()
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log(`${name} failed: ${reason}`);
    c.notes.push(`${name} failed: ${reason.split('\n')[0]}`);
    failed.push(name);
  } finally {
    c.section = undefined;
  }
}

/** Runs the selected suites; returns the names of those that failed. */
async function runSuites(
  suites: Set<Suite>,
  rounds: number,
  distDir: string,
  c: Collector
): Promise<string[]> {
  const failed: string[] = [];
  const needsCluster = suites.has('deploy') || suites.has('failure') || suites.has('plan');
  if (needsCluster || suites.has('provisioning') || suites.has('kinds')) {
    const mirror = await start('helm mirror', startHelmMirror());
    if (suites.has('provisioning')) {
      await runSuite('3. helm provisioning', failed, c, () => helmProvisioning(mirror, c, rounds));
    }
    if (needsCluster) {
      const cluster = await start(
        'EKS emulator',
        startCluster({
          namespaces: ['default', 'kube-system', ...BENCH_NAMESPACES, ...PLAN_NAMESPACES],
          pullableImages: PULLABLE_IMAGES,
          staticTokens: [BENCH_TOKEN]
        })
      );
      const kubeconfigFile = path.join(STATE, 'kubeconfig');
      writeFileSync(kubeconfigFile, withV1beta1Exec(cluster.kubeconfig), { mode: 0o600 });
      const tokenKubeconfigFile = path.join(STATE, 'kubeconfig-token');
      writeFileSync(tokenKubeconfigFile, cluster.tokenKubeconfig(BENCH_TOKEN), { mode: 0o600 });
      const rig: DeployRig = {
        cluster,
        mirror,
        toolCache: path.join(STATE, 'toolcache'),
        kubeconfigFile,
        tokenKubeconfigFile,
        distDir,
        log: (text) => log(`  ${text}`)
      };
      if (suites.has('deploy')) {
        await runSuite('1. deploy overhead (and 5. cold start)', failed, c, () =>
          deployOverhead(rig, c, rounds)
        );
      }
      if (suites.has('failure')) {
        const runs = {
          bundle: count('failure-runs', flags['failure-runs']),
          raw: count('raw-failure-runs', flags['raw-failure-runs'])
        };
        await runSuite('2. time to failure on a bad image tag', failed, c, () =>
          timeToFailure(rig, c, runs)
        );
      }
      if (suites.has('plan')) {
        await runSuite('7. plan vs deploy', failed, c, () => planVsDeploy(rig, c, rounds));
      }
    }
    if (suites.has('kinds')) {
      const rig = {
        mirror,
        toolCache: path.join(STATE, 'toolcache'),
        distDir,
        log: (text: string) => log(`  ${text}`)
      };
      await runSuite('9. failure kinds', failed, c, () => failureKinds(rig, c));
    }
  }
  if (suites.has('build')) {
    const registry = await start('registry', startRegistry());
    const engine = await start(
      'docker engine',
      startEngine({ dataRoot: path.join(STATE, 'docker') })
    );
    await ensureBaseImage(engine);
    const rig = {
      distDir,
      engine,
      registry,
      context: localContext(REPO_ROOT),
      log: (text: string) => log(`  ${text}`)
    };
    await runSuite('4. build rerun and 6. build anchor', failed, c, () =>
      buildRerun(rig, c, rounds)
    );
  }
  if (suites.has('cache')) {
    const builder = await start(
      'builder rig (buildx, buildkitd, token registry)',
      startBuilderRig()
    );
    const workspace = path.join(STATE, 'cache-workspace');
    rmSync(workspace, { recursive: true, force: true });
    mkdirSync(workspace, { recursive: true });
    const rig = { builder, workspace, distDir, log: (text: string) => log(`  ${text}`) };
    // Each round is a minute or more of real building: three are enough for a median.
    const cacheRounds = Math.min(rounds, 3);
    await runSuite('7. layer cache', failed, c, () => buildCache(rig, c, cacheRounds));
    await runSuite('8. long build overhead', failed, c, () =>
      longBuildOverhead(rig, c, cacheRounds)
    );
  }
  return failed;
}

function updateReadme(markdown: string): void {
  const readme = path.join(BENCH_DIR, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const from = text.indexOf(README_START);
  const to = text.indexOf(README_END);
  if (from < 0 || to < from)
    throw new Error(`${readme} has no ${README_START} … ${README_END} block`);
  writeFileSync(
    readme,
    `${text.slice(0, from + README_START.length)}\n${markdown}${text.slice(to)}`
  );
}

async function main(): Promise<void> {
  checkPrerequisites();
  const rounds = count('rounds', flags.rounds);
  const suites = selectedSuites(flags.only);
  const date = new Date().toISOString();
  const loadAverageAtStart = loadAverage();
  const started = performance.now();
  const c = new Collector();
  mkdirSync(STATE, { recursive: true });
  const dist = await snapshotDist(path.join(STATE, 'dist'));
  log(`bundles: ${dist.source}`);
  const failed = await runSuites(suites, rounds, dist.dir, c).finally(stopRigs);
  const results: BenchResults = {
    date,
    machine: { ...machine(), loadAverageAtStart, loadAverageAtEnd: loadAverage() },
    versions: { bundles: dist.source, ...versions() },
    durationMs: performance.now() - started,
    ...c.finish(),
    sizes: bundleSizes(dist.dir),
    notes: [`${rounds} rounds; suites: ${[...suites].join(', ')}.`, ...c.notes]
  };
  // A run of full rounds replaces, in results/latest.*, the sections it measured (the
  // others keep the figures of the run that last measured them); a shorter run writes partial.*.
  const complete = rounds >= 5;
  const markdown = renderMarkdown(results);
  console.log(`\n${markdown}`);
  const resultsDir = path.join(BENCH_DIR, 'results');
  mkdirSync(resultsDir, { recursive: true });
  if (!complete) {
    writeFileSync(
      path.join(resultsDir, 'partial.json'),
      JSON.stringify(withSummaries(results), null, 2) + '\n'
    );
    writeFileSync(path.join(resultsDir, 'partial.md'), markdown);
    log(`wrote bench/results/partial.json and partial.md (fewer than 5 rounds)`);
    return;
  }
  const latestFile = path.join(resultsDir, 'latest.json');
  const previous: unknown = existsSync(latestFile)
    ? JSON.parse(readFileSync(latestFile, 'utf8'))
    : undefined;
  const latest = mergeSections(
    previous,
    sectionRuns.map((run) => sectionResults(results, run, rounds)),
    results.sizes
  );
  writeFileSync(latestFile, JSON.stringify(latestWithSummaries(latest), null, 2) + '\n');
  const latestMarkdown = renderLatest(latest);
  writeFileSync(path.join(resultsDir, 'latest.md'), latestMarkdown);
  updateReadme(latestMarkdown);
  log(
    `bench/results/latest.json, latest.md and the table in bench/README.md: ${sectionRuns.length} section(s) replaced${failed.length > 0 ? `; failed, kept as they were: ${failed.join(', ')}` : ''}`
  );
}

try {
  await main();
} catch (error) {
  console.error(`\nbench failed: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
}
