// The chart corpus (test/charts/corpus: charts not shaped like ours, after widely used public
// charts) deployed by dist/deploy-chart as the runner runs it, with real helm from the loopback
// mirror, on the EKS emulator and the real control plane (test/harness/clusters.ts). Per chart:
// a good image deploys (the release's own objects are followed, only kinds the action cannot
// follow are named in a warning, url/summary as the chart implies); a bad image stops early,
// naming the cause and the workload, on the first run and on a re-run of the same commit
// (nothing new is created then); a never-ready image fails at the timeout with the probe
// failures in the diagnostics.
//
// The matrix, affordable on 2 shared cores (each cell is one action run with real helm):
// - good image: both helm majors. Readiness is helm's own judgement there, and the majors
//   judge differently (helm 3's kube.Wait vs helm 4's kstatus watcher: StatefulSet and
//   DaemonSet rollouts, LoadBalancer addresses, custom resources whose CRD was just created).
// - bad image, first run and re-run: helm 4 (the action's default). The early stop is the
//   action's own (it reads the cluster and stops helm) and does not depend on the major,
//   which bundle.test.ts already shows for both on our chart. The hook chart also runs on
//   helm 3: there the failure happens while helm waits on a pre-install hook, which the two
//   majors do in their own code.
// - bad image as an upgrade of a good release (rolling-three, whose maxSurge 1 makes the
//   rollout one surge pod beside three old ones): helm 4, for the same reason.
// - never-ready image: one major per chart, alternating, as it always runs to the timeout (the
//   longest cell); both majors' timeout paths are covered by four charts each.
// Runs go three at a time (CONCURRENCY), each to its own release, so a kind takes minutes;
// CORPUS_CHARTS=<name>,… runs only those charts (CLUSTER_KINDS picks the control planes).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { rmSync } from 'node:fs';
import { HELM_VERSIONS, type HelmVersion } from '../../../test/harness/rigs/helm.js';
import { startHelmMirror, type HelmMirror } from '../../../test/harness/rigs/helm-mirror.js';
import {
  newRunnerJob,
  runAction,
  type ActionRun,
  type RunnerJob
} from '../../../test/harness/runner.js';
import {
  clusterKinds,
  START_TIMEOUT_MS,
  startDeployCluster,
  type ClusterKind,
  type DeployCluster
} from '../../../test/harness/clusters.js';

const TOKEN = 'corpus-bundle-token';
const NS = 'omer';
const [HELM3, HELM4] = HELM_VERSIONS;
const GOOD = { image: 'registry.local/corpus-app', tag: 'v1' };
const BAD = { image: 'ghcr.io/nobody/missing-app', tag: 'v404' };
const NEVER_READY = { image: 'registry.local/never-ready', tag: 'v1' };
/** The never-ready rows' timeout input: short, as they always run to it. */
const NEVER_READY_TIMEOUT = '20s';
/** Action runs at a time, per kind. */
const CONCURRENCY = 3;
/** A run that outlives this failed the test: far below the bad rows' 5-minute timeout input. */
const RUN_LIMIT_MS = 150_000;

interface CorpusChart {
  /** Its folder under test/charts/corpus, and the rows' title. */
  name: string;
  /** What the chart is, after which public charts. */
  shape: string;
  /** Release name prefix (release names and the resource names made of them stay short). */
  short: string;
  /** The objects fail-fast follows, as `Kind/name` for a release. */
  follows: (release: string) => string[];
  /** Kinds it cannot follow, named in the one warning (none for supported kinds). */
  unfollowable?: (release: string) => string[];
  /** Whether the release has an address for the `url` output (a LoadBalancer Service). */
  url?: boolean;
  /** The blamed object and container in the early stop, for a release. */
  blame: (release: string) => RegExp;
  /** Values that put `image` in, default `image=… tag=…`. */
  images?: (image: { image: string; tag: string }, row: Row) => string[];
  /** More values for a release (e.g. a host port of its own: one node runs every release). */
  extra?: (index: number) => string[];
  /**
   * Its bad image also goes as an upgrade of its good helm 4 release, and this many pods of the
   * new rollout exist when it stops (the rollout's steps: maxSurge 1 makes one).
   */
  upgrade?: { newPods: number };
  /**
   * A fix deployed over its failed release cannot roll out by itself: the broken pod of the
   * earlier revision holds it (an OrderedReady StatefulSet), named with the way out.
   */
  fixHeld?: (release: string) => RegExp;
  /** The helm major of its never-ready row. */
  neverReady: HelmVersion;
  /** Bad-image rows run on these majors. */
  bad: HelmVersion[];
}

type Row = 'good' | 'bad' | 'rerun' | 'never-ready';

const pod = (prefix: string, container: string) =>
  new RegExp(`pod ${prefix}-[a-z0-9]+-[a-z0-9]+ container ${container}\\b`);

const CORPUS: CorpusChart[] = [
  {
    name: 'custom-labels',
    shape: 'stable/* labels app, chart, release, heritage; no app.kubernetes.io/instance',
    short: 'lab',
    follows: (r) => [`Deployment/${r}-web`],
    blame: (r) => pod(`${r}-web`, 'web'),
    neverReady: HELM3,
    bad: [HELM4]
  },
  {
    name: 'rolling-three',
    shape: '3 replicas, RollingUpdate maxSurge 1 / maxUnavailable 0, a LoadBalancer Service',
    short: 'roll',
    follows: (r) => [`Deployment/${r}-rolling-three`],
    url: true,
    blame: (r) => pod(`${r}-rolling-three`, 'server'),
    upgrade: { newPods: 1 },
    neverReady: HELM4,
    bad: [HELM4]
  },
  {
    name: 'statefulset',
    shape: 'bitnami-style StatefulSet (OrderedReady) with a headless Service',
    short: 'sts',
    follows: (r) => [`StatefulSet/${r}-kv`],
    blame: (r) => new RegExp(`pod ${r}-kv-0 container kv\\b`),
    fixHeld: (r) =>
      new RegExp(
        `pod ${r}-kv-0 container kv: .*not found.*; this pod of an earlier revision holds the rollout: StatefulSet ${r}-kv .*kubectl delete pod ${r}-kv-0 -n omer`
      ),
    neverReady: HELM3,
    bad: [HELM4]
  },
  {
    name: 'daemonset',
    shape: 'node-exporter-style DaemonSet (host network, tolerates every taint)',
    short: 'ds',
    follows: (r) => [`DaemonSet/${r}-agent`],
    blame: (r) => new RegExp(`pod ${r}-agent-[a-z0-9]+ container agent\\b`),
    extra: (index) => [`port=${9100 + index}`],
    neverReady: HELM4,
    bad: [HELM4]
  },
  {
    name: 'hook-job',
    shape:
      'a pre-install/pre-upgrade hook Job (migration) with hook-delete-policy, then a Deployment',
    short: 'hook',
    follows: (r) => [`Deployment/${r}-app`, `Job/${r}-migrate`],
    // The migration runs first and uses the app's image: the hook Job's pod is the one to blame.
    blame: (r) => new RegExp(`pod ${r}-migrate-[a-z0-9]+ container migrate\\b`),
    neverReady: HELM3,
    bad: [HELM4, HELM3]
  },
  {
    name: 'crd',
    shape: 'operator-style: a CRD in crds/, a custom resource of it, the controller Deployment',
    short: 'crd',
    follows: (r) => [`Deployment/${r}-operator`],
    unfollowable: (r) => [`Backup/${r}-nightly`],
    blame: (r) => pod(`${r}-operator`, 'manager'),
    neverReady: HELM4,
    bad: [HELM4]
  },
  {
    name: 'library-dependency',
    shape: 'templates from a bitnami/common-style library chart vendored in charts/ (file://)',
    short: 'lib',
    follows: (r) => [`Deployment/${r}-library-dependency-api`],
    blame: (r) => pod(`${r}-library-dependency-api`, 'api'),
    neverReady: HELM3,
    bad: [HELM4]
  },
  {
    name: 'two-deployments',
    shape: 'a web and a worker Deployment in one release',
    short: 'two',
    follows: (r) => [`Deployment/${r}-web`, `Deployment/${r}-worker`],
    // Only the worker gets the bad image: the blame must name the worker, not the web.
    images: (image, row) =>
      row === 'bad' || row === 'rerun'
        ? [
            `image=${GOOD.image}`,
            `tag=${GOOD.tag}`,
            `worker.image=${image.image}`,
            `worker.tag=${image.tag}`
          ]
        : [`image=${image.image}`, `tag=${image.tag}`],
    blame: (r) => pod(`${r}-worker`, 'worker'),
    neverReady: HELM4,
    bad: [HELM4]
  }
];

/**
 * The charts to run: CORPUS_CHARTS=statefulset,crd narrows a run (all rows are queued at the
 * start, so `-t` alone would not spare the other charts' deploys); default all.
 */
function chartsToRun(env: NodeJS.ProcessEnv = process.env): CorpusChart[] {
  const names = (env.CORPUS_CHARTS ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !CORPUS.some((chart) => chart.name === n));
  if (unknown.length) {
    throw new Error(
      `CORPUS_CHARTS: ${unknown.join(', ')} is no corpus chart; charts are: ${CORPUS.map((c) => c.name).join(', ')}`
    );
  }
  return names.length ? CORPUS.filter((chart) => names.includes(chart.name)) : CORPUS;
}
const CHARTS = chartsToRun();

/**
 * Charts the emulator cannot deploy yet, and why; their rows are skipped there (and said so at
 * the start), never on the real control plane, which runs every row.
 */
const EMULATOR_GAPS: Record<string, string> = {
  crd: 'the emulator serves no apiextensions.k8s.io/v1, so helm cannot install the CRD of crds/'
};

/** Promises started at once, run at most `limit` at a time. */
function limiter(limit: number) {
  let active = 0;
  const queue: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

const major = (version: HelmVersion) => version.slice(1, 2);

describe.each(clusterKinds())('[%s]', (kind: ClusterKind) => {
  let cluster: DeployCluster;
  let mirror: HelmMirror;
  const jobs: RunnerJob[] = [];
  const runs = new Map<string, Promise<ActionRun>>();
  const queued = limiter(CONCURRENCY);

  function deploy(
    chart: CorpusChart,
    index: number,
    release: string,
    version: HelmVersion,
    row: Row,
    timeout: string
  ): Promise<ActionRun> {
    const job = newRunnerJob();
    jobs.push(job);
    const image = row === 'good' ? GOOD : row === 'never-ready' ? NEVER_READY : BAD;
    const set = [
      ...(chart.images?.(image, row) ?? [`image=${image.image}`, `tag=${image.tag}`]),
      ...(chart.extra?.(index) ?? [])
    ];
    return runAction(job, 'deploy-chart', 'index', {
      inputs: {
        kubeconfig: cluster.tokenKubeconfig(TOKEN),
        release,
        chart: `test/charts/corpus/${chart.name}`,
        namespace: NS,
        set: set.join('\n'),
        timeout,
        'helm-version': version,
        'helm-mirror': mirror.url
      },
      timeoutMs: RUN_LIMIT_MS
    });
  }

  const gap = (chart: CorpusChart) => (kind === 'emulator' ? EMULATOR_GAPS[chart.name] : undefined);

  const release = (chart: CorpusChart, row: string, version: HelmVersion) =>
    `${chart.short}-${row}${major(version)}`;

  /** Every row's runs, queued at once; a test awaits its own. */
  function queueAll(): void {
    let index = 0;
    const add = (key: string, run: () => Promise<ActionRun>) => {
      const promise = run();
      promise.catch(() => undefined); // awaited (and reported) by the row's test
      runs.set(key, promise);
    };
    CHARTS.filter((chart) => !gap(chart)).forEach((chart) => {
      const neverReady = release(chart, 'nr', chart.neverReady);
      const n = index++;
      add(`${chart.name} never-ready`, () =>
        queued(() =>
          deploy(chart, n, neverReady, chart.neverReady, 'never-ready', NEVER_READY_TIMEOUT)
        )
      );
      for (const version of HELM_VERSIONS) {
        const good = release(chart, 'ok', version);
        const i = index++;
        const deployed = queued(() => deploy(chart, i, good, version, 'good', '2m'));
        add(`${chart.name} good ${version}`, () => deployed);
        // A bad commit over a release that works: the old pods keep serving meanwhile.
        if (chart.upgrade && version === HELM4) {
          add(`${chart.name} bad upgrade`, () =>
            deployed.then(() => queued(() => deploy(chart, i, good, version, 'bad', '5m')))
          );
        }
      }
      for (const version of chart.bad) {
        const bad = release(chart, 'bad', version);
        const i = index++;
        // The re-run of the same commit goes right after the first run, to the same release.
        const first = queued(() => deploy(chart, i, bad, version, 'bad', '5m'));
        add(`${chart.name} bad ${version}`, () => first);
        const rerun = first.then(() => queued(() => deploy(chart, i, bad, version, 'rerun', '5m')));
        add(`${chart.name} rerun ${version}`, () => rerun);
        // Then the fix: the good image over the failed release.
        add(`${chart.name} fix ${version}`, () =>
          rerun.then(() => queued(() => deploy(chart, i, bad, version, 'good', '5m')))
        );
      }
    });
  }

  beforeAll(async () => {
    [cluster, mirror] = await Promise.all([
      startDeployCluster(kind, {
        staticTokens: [TOKEN],
        podReadyDelayMs: 300,
        loadBalancerDelayMs: 300,
        pullableImages: [/^registry\.local\//],
        neverReadyImages: [/^registry\.local\/never-ready/]
      }),
      startHelmMirror()
    ]);
    for (const chart of CHARTS.filter(gap)) {
      process.stderr.write(`[${kind}] corpus ${chart.name}: rows skipped, ${gap(chart)}\n`);
    }
    queueAll();
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.allSettled(runs.values());
    await Promise.all([cluster?.stop(), mirror?.stop()]);
    for (const job of jobs) rmSync(job.dir, { recursive: true, force: true });
  });

  /** The row's run; its log goes to stderr when an expectation fails. */
  async function outcome(key: string, check: (run: ActionRun) => void): Promise<void> {
    const run = await runs.get(key)!;
    try {
      check(run);
    } catch (error) {
      process.stderr.write(
        `--- ${kind} ${key}: exit ${run.exitCode}\n${run.stdout}\n${run.stderr}\n`
      );
      throw error;
    }
  }

  const followLine = (run: ActionRun) =>
    /Fail-fast follows (.*) of release/.exec(run.stdout)?.[1] ?? '(no "Fail-fast follows" line)';
  const cannotFollow = (run: ActionRun) =>
    run.stdout.split('\n').filter((line) => /::warning::.*cannot follow/.test(line));

  describe.each(CHARTS)('corpus $name', (chart) => {
    const scenario = gap(chart) ? test.skip : test;
    scenario.each(HELM_VERSIONS.map((v) => [v]))(
      'good image, helm %s: deploys, its own objects followed, url and summary as the chart implies',
      async (version) => {
        const name = release(chart, 'ok', version);
        await outcome(`${chart.name} good ${version}`, (run) => {
          expect(run.errors).toEqual([]);
          expect(run.exitCode).toBe(0);
          expect(run.outputs).toMatchObject({ revision: '1', status: 'deployed' });
          expect(followLine(run).split(', ').sort()).toEqual(chart.follows(name).sort());
          const unfollowable = chart.unfollowable?.(name) ?? [];
          expect(cannotFollow(run)).toHaveLength(unfollowable.length ? 1 : 0);
          for (const object of unfollowable) expect(cannotFollow(run)[0]).toContain(object);
          if (chart.url) expect(run.outputs.url).toMatch(/^http:\/\/\S+/);
          else expect(run.outputs.url ?? '').toBe('');
          expect(run.summary).toContain(`Deployed \`${name}\``);
        });
      },
      RUN_LIMIT_MS * 8
    );

    describe.each(chart.bad.map((v) => [v]))('bad image, helm %s', (version) => {
      const name = release(chart, 'bad', version);
      const stoppedEarly = (run: ActionRun) => {
        expect(run.exitCode).toBe(1);
        expect(run.errors).toHaveLength(1);
        expect(run.errors[0]).toMatch(new RegExp(`^deploy of ${name} stopped early: `));
        expect(run.errors[0]).toMatch(chart.blame(name));
        expect(run.errors[0]).toMatch(/(ErrImagePull|ImagePullBackOff).*not found/);
        expect(run.summary).toMatch(/\*\*Stopped early:\*\*/);
        expect(cannotFollow(run)).toHaveLength(chart.unfollowable ? 1 : 0);
      };

      scenario(
        'first run: stops early, naming the cause and the workload',
        async () => {
          await outcome(`${chart.name} bad ${version}`, (run) => {
            stoppedEarly(run);
            expect(run.outputs).toMatchObject({ revision: '1', status: 'failed' });
          });
        },
        RUN_LIMIT_MS * 8
      );

      scenario(
        'a re-run of the same commit (nothing new is created): stops early too',
        async () => {
          await outcome(`${chart.name} rerun ${version}`, (run) => {
            stoppedEarly(run);
            expect(run.outputs).toMatchObject({ revision: '2', status: 'failed' });
          });
        },
        RUN_LIMIT_MS * 9
      );

      const fixTitle = chart.fixHeld
        ? 'then the fix over the failed release: the broken pod of the earlier revision holds the rollout, so it stops early naming it and the way out'
        : 'then the fix over the failed release: deploys';
      scenario(
        fixTitle,
        async () => {
          await outcome(`${chart.name} fix ${version}`, (run) => {
            if (chart.fixHeld) {
              expect(run.exitCode).toBe(1);
              expect(run.errors).toHaveLength(1);
              expect(run.errors[0]).toMatch(chart.fixHeld(name));
              expect(run.stdout).toMatch(
                new RegExp(`::group::Pods of release ${name} in omer\n${name}-kv-0 `)
              );
            } else {
              expect(run.errors).toEqual([]);
              expect(run.exitCode).toBe(0);
              expect(run.outputs).toMatchObject({ revision: '3', status: 'deployed' });
            }
          });
        },
        RUN_LIMIT_MS * 10
      );
    });

    if (chart.upgrade) {
      const { newPods } = chart.upgrade;
      scenario(
        `bad image as an upgrade of the good release, helm ${HELM4}: stops early, blaming the new rollout's ${newPods} pod(s), not the old ones`,
        async () => {
          const name = release(chart, 'ok', HELM4);
          await outcome(`${chart.name} bad upgrade`, (run) => {
            expect(run.exitCode).toBe(1);
            expect(run.errors).toHaveLength(1);
            expect(run.errors[0]).toMatch(new RegExp(`^deploy of ${name} stopped early: `));
            expect(run.errors[0]).toMatch(chart.blame(name));
            expect(run.outputs).toMatchObject({ revision: '2', status: 'failed' });
            const pods = /::group::Pods of release \S+ in omer\n([^]*?)::endgroup::/.exec(
              run.stdout
            )?.[1];
            expect(pods?.trim().split('\n')).toEqual(
              Array.from({ length: newPods }, () =>
                expect.stringMatching(/ImagePullBackOff|ErrImagePull/)
              )
            );
          });
        },
        RUN_LIMIT_MS * 9
      );
    }

    scenario(
      `never-ready image, helm ${chart.neverReady}: fails at the timeout, the diagnostics show the probe failures`,
      async () => {
        await outcome(`${chart.name} never-ready`, (run) => {
          expect(run.exitCode).toBe(1);
          expect(run.errors).toHaveLength(1);
          expect(run.errors[0]).not.toMatch(/stopped early/);
          expect(run.stdout).toMatch(/::group::Pods of release/);
          expect(run.stdout).toMatch(/ Running {2}ready 0\/1 {2}restarts 0\b/);
          expect(run.stdout).toMatch(/Warning {2}Unhealthy {2}Pod\/\S+: Readiness probe failed/);
          expect(run.summary).toMatch(/\| Unhealthy \| Pod\/\S+ \| Readiness probe failed/);
        });
      },
      RUN_LIMIT_MS * 8
    );
  });
});
