// 1. Deploy overhead: the deploy-chart bundle (helm in the tool cache) against raw
//    `helm upgrade --install --wait` of the same chart on the same emulator, helm 3 and 4.
// 2. Time to failure on an image tag that cannot be pulled: the bundle's fail-fast against
//    raw helm waiting out `--timeout 60s`.
// Every run deploys a new image tag, so each one rolls the Deployment out like a real deploy.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Cluster } from '../../test/emulator/index.js';
import { HELM_VERSIONS, helmPath, type HelmVersion } from '../../test/harness/rigs/helm.js';
import type { HelmMirror } from '../../test/harness/rigs/helm-mirror.js';
import { REPO_ROOT, newRunnerJob } from '../../test/harness/runner.js';
import type { Collector } from '../lib/collector.js';
import type { PhaseMarker } from '../lib/phases.js';
import { phaseTimes } from '../lib/phases.js';
import { interleave } from '../lib/schedule.js';
import { timedAction, timedCommand, type TimedResult } from '../lib/timed-run.js';

export const BENCH_IMAGE = 'bench.local/python-app';
export const BENCH_TOKEN = 'bench-static-token';
/** Only these tags pull in the emulator; any other tag fails with ErrImagePull. */
export const PULLABLE_IMAGES = [/^bench\.local\/python-app:ok-/];
export const BENCH_NAMESPACES = ['bench-helm3', 'bench-helm4', 'bench-failure'];
const RELEASE = 'python-application';
const CHART = path.join(REPO_ROOT, 'charts', 'python-application');
const FAILURE_HELM: HelmVersion = 'v4.1.4';

/** The deploy-chart main step's log, cut where each part of its work ends. */
export const DEPLOY_PHASES: PhaseMarker[] = [
  { phase: 'node start + bundle load (first line)', endsAt: /^/ },
  // connectCluster (credentials.ts) and the helm install run side by side: the token plan is
  // logged first, then helm, then the kubeconfig once it is written (with the token for helm).
  { phase: 'inputs + kubeconfig + token plan (signed here, or aws)', endsAt: /^kubeconfig: the / },
  { phase: 'helm from the tool cache (∥ aws CLI check when aws must run)', endsAt: /^helm: / },
  { phase: 'token for helm minted + kubeconfig written', endsAt: /^kubeconfig: context / },
  { phase: 'preflight: GET /version', endsAt: /^Kubernetes API server / },
  {
    phase: 'preflight namespace + recover-pending (release history) + fail-fast watch',
    endsAt: /^helm upgrade /
  },
  { phase: 'helm upgrade --install --wait', endsAt: /^(REVISION: \d+|Error: )/ },
  { phase: 'release history + URL + outputs', endsAt: /: revision \d+ / },
  { phase: 'release resources for the summary + exit' }
];

/** The same step's log when fail-fast stops helm on a bad image. */
export const FAILURE_PHASES: PhaseMarker[] = [
  {
    phase: 'start → helm runs (node, kubeconfig, token, preflight, recover-pending)',
    endsAt: /^helm upgrade /
  },
  { phase: 'helm until fail-fast sees the pod fail', endsAt: /Fail-fast: / },
  { phase: 'helm stops after SIGTERM', endsAt: /^Error: / },
  { phase: 'settle release + diagnostics', endsAt: /^::error::/ },
  { phase: 'exit' }
];

export interface DeployRig {
  cluster: Cluster;
  mirror: HelmMirror;
  /** Persistent RUNNER_TOOL_CACHE: after the warm-up run, helm comes from it. */
  toolCache: string;
  /** The cluster's kubeconfig with the v1beta1 aws exec user, for raw helm. */
  kubeconfigFile: string;
  /** The same cluster with a static bearer token: raw helm without any auth cost. */
  tokenKubeconfigFile: string;
  /** The snapshot of dist/ the bundles run from. */
  distDir: string;
  log(text: string): void;
}

const major = (version: HelmVersion) => `helm ${version.slice(1, 2)}`;
let tagCount = 0;
const nextTag = (kind: 'ok' | 'missing') => `${kind}-${++tagCount}`;

function check(result: TimedResult, wantOk: boolean, what: string): void {
  if (result.ok !== wantOk) {
    throw new Error(`${what} ${wantOk ? 'failed' : 'unexpectedly succeeded'}:\n${result.tail}`);
  }
}

export async function bundleDeploy(
  rig: DeployRig,
  version: HelmVersion,
  namespace: string,
  tag: string,
  extra: Record<string, string> = {}
): Promise<{ main: Awaited<ReturnType<typeof timedAction>>; post: TimedResult }> {
  const job = newRunnerJob();
  const options = {
    inputs: {
      kubeconfig: rig.cluster.kubeconfigBase64,
      namespace,
      'helm-mirror': rig.mirror.url,
      'helm-version': version,
      set: `pythonApp.image=${BENCH_IMAGE}\npythonApp.tag=${tag}`,
      ...extra
    },
    env: { RUNNER_TOOL_CACHE: rig.toolCache },
    distDir: rig.distDir
  };
  try {
    const main = await timedAction(job, 'deploy-chart', 'index', options);
    const post = await timedAction(job, 'deploy-chart', 'post', options);
    return { main, post };
  } finally {
    await rm(job.dir, { recursive: true, force: true });
  }
}

function rawDeploy(
  rig: DeployRig,
  version: HelmVersion,
  namespace: string,
  tag: string,
  timeout: string,
  kubeconfigFile = rig.kubeconfigFile
): Promise<TimedResult> {
  return timedCommand(
    helmPath(version),
    [
      'upgrade',
      RELEASE,
      CHART,
      '--install',
      '--wait',
      '--timeout',
      timeout,
      '--namespace',
      namespace,
      '--set',
      `pythonApp.image=${BENCH_IMAGE}`,
      '--set',
      `pythonApp.tag=${tag}`
    ],
    { env: { KUBECONFIG: kubeconfigFile } }
  );
}

/** Node itself printing one line: what any JavaScript action pays before its first line. */
async function nodeFirstLine(): Promise<number> {
  const result = await timedCommand(process.execPath, ['-e', 'console.log("ready")']);
  return result.lines[0]?.atMs ?? result.elapsedMs;
}

const GROUP_OVERHEAD = '1. deploy overhead';
const GROUP_COLD = '5. cold start';

export async function deployOverhead(rig: DeployRig, c: Collector, rounds: number): Promise<void> {
  for (const version of HELM_VERSIONS) {
    const namespace = `bench-helm${version.slice(1, 2)}`;
    const ours = `deploy-bundle-${version}`;
    const anchor = `deploy-raw-${version}`;
    const tokenAnchor = `deploy-raw-token-${version}`;
    // One unkept bundle run first fills the tool cache; raw helm has nothing to warm up.
    const order = interleave(['bundle', 'raw', 'raw-token'], rounds, { warmup: true }).filter(
      (run) => run.round >= 0 || run.variant === 'bundle'
    );
    for (const { variant, round } of order) {
      const tag = nextTag('ok');
      const what = `deploy ${major(version)} ${variant}${round < 0 ? ' warm-up' : ` #${round + 1}`}`;
      if (variant === 'bundle') {
        const { main, post } = await bundleDeploy(rig, version, namespace, tag);
        check(main, true, what);
        rig.log(`${what}: ${(main.elapsedMs / 1000).toFixed(2)} s`);
        if (round < 0) continue;
        c.add(ours, GROUP_OVERHEAD, `deploy-chart main step, ${version} cached`, main.elapsedMs);
        c.add('deploy-post', GROUP_OVERHEAD, 'deploy-chart post step', post.elapsedMs);
        c.addPhases(
          `deploy-chart main step, helm ${version}`,
          phaseTimes(main.lines, DEPLOY_PHASES, main.elapsedMs)
        );
        c.add(
          'cold-deploy',
          GROUP_COLD,
          'deploy-chart index.js: start → first line',
          main.lines[0].atMs
        );
        c.add(
          'cold-node',
          GROUP_COLD,
          'node -e console.log: start → first line',
          await nodeFirstLine()
        );
      } else {
        const token = variant === 'raw-token';
        const file = token ? rig.tokenKubeconfigFile : rig.kubeconfigFile;
        const raw = await rawDeploy(rig, version, namespace, tag, '5m', file);
        check(raw, true, what);
        rig.log(`${what}: ${(raw.elapsedMs / 1000).toFixed(2)} s`);
        c.add(
          token ? tokenAnchor : anchor,
          GROUP_OVERHEAD,
          `raw helm upgrade --install --wait, ${version}, ${token ? 'static token (no auth cost)' : 'aws exec user'}`,
          raw.elapsedMs
        );
      }
    }
    c.compare({
      label: `deploy, ${major(version)}: bundle main step / raw helm --wait`,
      ours,
      anchor,
      target: 1.05
    });
    c.compare({
      label: `deploy, ${major(version)}: bundle / raw helm with a static token (context: no auth cost)`,
      ours,
      anchor: tokenAnchor
    });
  }
  c.compare({
    label: 'cold start: deploy-chart index.js / node -e',
    ours: 'cold-deploy',
    anchor: 'cold-node'
  });
}

const GROUP_FAILURE = '2. time to failure (bad tag)';

export async function timeToFailure(
  rig: DeployRig,
  c: Collector,
  runs: { bundle: number; raw: number }
): Promise<void> {
  const namespace = 'bench-failure';
  // A deployed revision first, so each bad tag is an upgrade that rolls out and fails.
  check(
    await rawDeploy(rig, FAILURE_HELM, namespace, nextTag('ok'), '5m'),
    true,
    'failure warm-up'
  );
  const order = [
    ...interleave(['bundle', 'raw'] as const, runs.raw).map((r) => r.variant),
    ...Array<'bundle'>(Math.max(0, runs.bundle - runs.raw)).fill('bundle')
  ];
  const done = { bundle: 0, raw: 0 };
  for (const variant of order) {
    const tag = nextTag('missing');
    const what = `bad tag ${variant} #${++done[variant]}`;
    if (variant === 'bundle') {
      const { main } = await bundleDeploy(rig, FAILURE_HELM, namespace, tag, {
        timeout: '60s',
        'fail-fast': 'true'
      });
      check(main, false, what);
      rig.log(`${what}: failed after ${(main.elapsedMs / 1000).toFixed(2)} s`);
      c.addPhases(
        `deploy-chart fail-fast on a bad tag, helm ${FAILURE_HELM}`,
        phaseTimes(main.lines, FAILURE_PHASES, main.elapsedMs)
      );
      c.add(
        'failure-bundle',
        GROUP_FAILURE,
        `deploy-chart fail-fast, ${FAILURE_HELM}, timeout 60s`,
        main.elapsedMs
      );
    } else {
      const raw = await rawDeploy(rig, FAILURE_HELM, namespace, tag, '60s');
      check(raw, false, what);
      rig.log(`${what}: failed after ${(raw.elapsedMs / 1000).toFixed(2)} s`);
      c.add(
        'failure-raw',
        GROUP_FAILURE,
        `raw helm --wait --timeout 60s, ${FAILURE_HELM}`,
        raw.elapsedMs
      );
    }
  }
  c.compare({
    label: 'time to failure: bundle fail-fast / raw helm --timeout 60s',
    ours: 'failure-bundle',
    anchor: 'failure-raw',
    target: 0.25
  });
}
