// 9. Failure kinds (issue 16): the deploy-chart bundle (fail-fast on, real helm 3 and 4)
//    against an emulator that shows one kind of trouble at a time.
//    - Final kinds: time from process start to the failed exit ÷ the timeout given (target
//      ≤ 0.1): the deploy should stop as soon as the failure is known to be final.
//    - Transient kinds: the deploy must wait them out and succeed; a failed exit is a false
//      early stop (target 0).
// Each kind gets its own emulator (started in ~150 ms) so that no option leaks into another.
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster, type Cluster, type ClusterOptions } from '../../test/emulator/index.js';
import { HELM_VERSIONS } from '../../test/harness/rigs/helm.js';
import type { HelmMirror } from '../../test/harness/rigs/helm-mirror.js';
import type { Collector } from '../lib/collector.js';
import { BENCH_IMAGE, bundleDeploy, type DeployRig } from './deploy.js';

const NAMESPACE = 'bench-kinds';
/** Long enough that each fail-fast grace (30 s for Unschedulable) is well under 0.1 of it. */
const TIMEOUT = '10m';
const TIMEOUT_MS = 10 * 60_000;
const GROUP = '9. failure kinds';

export interface FailureKindsRig {
  mirror: HelmMirror;
  toolCache: string;
  distDir: string;
  log(text: string): void;
}

interface Kind {
  id: string;
  label: string;
  final: boolean;
  cluster: ClusterOptions;
  /** The image tag deployed (the emulator's options pick on it). */
  tag: string;
  /** A chart of this suite instead of charts/python-application. */
  chart?: 'secret-volume' | 'hook-job' | 'rolling';
  /** More `set` lines for the suite's chart. */
  set?: string[];
  /** A tag deployed (and ready) first, so the measured deploy is an upgrade. */
  before?: string;
  /** A ResourceQuota in the namespace before the deploy. */
  quotaPods?: string;
  /** What the failure must be named by in the bundle's log (final kinds). */
  reason?: RegExp;
}

const GOOD = [/^bench\.local\/python-app:(ok|flaky|crash)-/];

export const KINDS: Kind[] = [
  {
    id: 'not-found',
    label: 'bad image (not found)',
    final: true,
    cluster: { pullableImages: GOOD },
    tag: 'missing-1',
    reason: /not found/
  },
  {
    id: 'unauthorized',
    label: 'unauthorized pull',
    final: true,
    cluster: { pullableImages: GOOD, unauthorizedImages: [/:private-/] },
    tag: 'private-1',
    reason: /401 Unauthorized/
  },
  {
    id: 'crash-loop',
    label: 'crash loop',
    final: true,
    cluster: { pullableImages: GOOD, crashLoopImages: [/:crash-/] },
    tag: 'crash-1',
    reason: /CrashLoopBackOff/
  },
  {
    id: 'quota',
    label: 'FailedCreate (exceeded quota)',
    final: true,
    cluster: { pullableImages: GOOD },
    tag: 'ok-quota',
    quotaPods: '0',
    reason: /exceeded quota/
  },
  {
    id: 'mount',
    label: 'FailedMount (missing Secret)',
    final: true,
    cluster: { pullableImages: GOOD },
    tag: 'ok-mount',
    chart: 'secret-volume',
    reason: /FailedMount|secret "app-credentials" not found/
  },
  {
    id: 'job',
    label: 'Job over backoffLimit (pre-install hook)',
    final: true,
    cluster: { pullableImages: GOOD, crashLoopImages: [/:crash-/] },
    tag: 'crash-job',
    chart: 'hook-job',
    reason: /BackoffLimitExceeded|backoff limit/
  },
  {
    id: 'no-scale-up',
    label: 'Unschedulable, NotTriggerScaleUp',
    final: true,
    cluster: {
      pullableImages: GOOD,
      unschedulable: true,
      clusterAutoscaler: { notTriggerScaleUp: '1 max node group size reached' }
    },
    tag: 'ok-capped',
    reason: /didn't trigger scale-up/
  },
  {
    id: 'no-autoscaler',
    label: 'Unschedulable, no autoscaler',
    final: true,
    cluster: { pullableImages: GOOD, unschedulable: true },
    tag: 'ok-full',
    reason: /Unschedulable/
  },
  {
    id: 'full-node-surge',
    label: 'Unschedulable, surge pod on a full node (maxUnavailable 0)',
    final: true,
    cluster: { pullableImages: GOOD, podsPerNode: 1 },
    tag: 'ok-surge-2',
    chart: 'rolling',
    set: ['maxSurge=1', 'maxUnavailable=0'],
    before: 'ok-surge-1',
    reason: /Too many pods/
  },
  {
    id: 'flaky',
    label: 'flaky pull that recovers (2 i/o timeouts)',
    final: false,
    cluster: { pullableImages: GOOD, flakyPulls: { images: [/:flaky-/], failures: 2 } },
    tag: 'flaky-1'
  },
  {
    id: 'scale-up',
    label: 'Unschedulable, TriggeredScaleUp, node after 20 s',
    final: false,
    cluster: {
      pullableImages: GOOD,
      unschedulable: true,
      clusterAutoscaler: { scaleUpMs: 20_000 }
    },
    tag: 'ok-scale'
  },
  {
    id: 'full-node-swap',
    label:
      'Unschedulable while old pods terminate for 45 s (2 replicas, maxUnavailable 1, full node)',
    final: false,
    // With 1 replica and maxUnavailable 1 helm counts 0 new ready pods as ready and does not
    // wait; with 2 it waits for 1 (helm 3) or both (helm 4), each after an old pod's 45 s.
    cluster: { pullableImages: GOOD, podsPerNode: 2, stopDelayMs: 45_000 },
    tag: 'ok-swap-2',
    chart: 'rolling',
    set: ['replicas=2'],
    before: 'ok-swap-1'
  },
  {
    id: 'slow-lb',
    label: 'LoadBalancer address after 20 s',
    final: false,
    cluster: { pullableImages: GOOD, loadBalancerDelayMs: 20_000 },
    tag: 'ok-lb'
  }
];

/** The suite's own charts (inside the workspace, where deploy-chart accepts a chart path). */
const CHART_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'failure-kinds-charts');

const ADMIN_TOKEN = 'bench-kinds-admin';

/** POSTs an object through the emulator's API (HTTPS with its own CA); returns the status. */
function post(cluster: Cluster, pathname: string, object: object): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(pathname, cluster.url),
      {
        method: 'POST',
        ca: cluster.caPem,
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' }
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      }
    );
    req.on('error', reject);
    req.end(JSON.stringify(object));
  });
}

async function kindCluster(kind: Kind): Promise<Cluster> {
  const cluster = await startCluster({
    namespaces: ['default', 'kube-system', NAMESPACE],
    staticTokens: [ADMIN_TOKEN],
    ...kind.cluster
  });
  if (kind.quotaPods !== undefined) {
    const status = await post(cluster, `/api/v1/namespaces/${NAMESPACE}/resourcequotas`, {
      metadata: { name: 'team-quota' },
      spec: { hard: { pods: kind.quotaPods } }
    });
    if (status !== 201) throw new Error(`creating the ResourceQuota answered ${status}`);
  }
  return cluster;
}

/** The bundle's view of one kind's cluster (raw helm does not run in this suite). */
function deployRig(rig: FailureKindsRig, cluster: Cluster): DeployRig {
  return { ...rig, cluster, kubeconfigFile: '', tokenKubeconfigFile: '' };
}

/** The line the bundle names the failure with (fail-fast's, else the step's ::error::). */
function stoppedBy(lines: Array<{ text: string }>): string {
  const line =
    lines.find((l) => l.text.startsWith('Fail-fast: ')) ??
    lines.find((l) => l.text.startsWith('::error::'));
  return (line?.text ?? '(no failure line)').slice(0, 240);
}

export async function failureKinds(rig: FailureKindsRig, c: Collector): Promise<void> {
  c.add('kinds-timeout', GROUP, `the timeout given to the bundle (${TIMEOUT})`, TIMEOUT_MS);
  const falseStops: string[] = [];
  let transientRuns = 0;
  for (const version of HELM_VERSIONS) {
    const major = `helm ${version.slice(1, 2)}`;
    // One unkept good deploy first, so helm comes from the tool cache in every measured run.
    const warm = await startCluster({ namespaces: ['default', NAMESPACE], pullableImages: GOOD });
    try {
      const { main } = await bundleDeploy(deployRig(rig, warm), version, NAMESPACE, 'ok-warm');
      if (!main.ok) throw new Error(`warm-up deploy (${major}) failed:\n${main.tail}`);
    } finally {
      await warm.stop();
    }
    for (const kind of KINDS) {
      const cluster = await kindCluster(kind);
      try {
        const deploy = (tag: string) => {
          const extra: Record<string, string> = { timeout: TIMEOUT, 'fail-fast': 'true' };
          if (kind.chart) {
            const set = [`image=${BENCH_IMAGE}:${tag}`, ...(kind.set ?? [])].join('\n');
            Object.assign(extra, { chart: path.join(CHART_DIR, kind.chart), set });
          }
          return bundleDeploy(deployRig(rig, cluster), version, NAMESPACE, tag, extra);
        };
        if (kind.before) {
          const first = await deploy(kind.before);
          if (!first.main.ok)
            throw new Error(
              `${kind.label} (${major}): the first deploy failed:\n${first.main.tail}`
            );
        }
        const { main } = await deploy(kind.tag);
        const seconds = (main.elapsedMs / 1000).toFixed(2);
        const id = `kind-${kind.id}-${version}`;
        if (kind.final) {
          if (main.ok) throw new Error(`${kind.label} (${major}): the deploy succeeded`);
          const why = stoppedBy(main.lines);
          const log = main.lines.map((l) => l.text).join('\n');
          if (kind.reason && !kind.reason.test(log))
            throw new Error(`${kind.label} (${major}): failed without naming the cause: ${why}`);
          rig.log(`${kind.label}, ${major}: failed after ${seconds} s — ${why}`);
          c.add(
            id,
            GROUP,
            `time to failure: ${kind.label}, ${major}, timeout ${TIMEOUT}`,
            main.elapsedMs
          );
          c.compare({
            label: `time to failure / timeout: ${kind.label}, ${major}`,
            ours: id,
            anchor: 'kinds-timeout',
            target: 0.1
          });
        } else {
          transientRuns++;
          const verdict = main.ok ? 'succeeded' : `stopped early: ${stoppedBy(main.lines)}`;
          rig.log(`${kind.label}, ${major}: ${verdict} after ${seconds} s`);
          if (!main.ok) falseStops.push(`${kind.label} (${major})`);
          c.add(
            id,
            GROUP,
            `deploy through a transient kind: ${kind.label}, ${major}`,
            main.elapsedMs
          );
        }
      } finally {
        await cluster.stop();
      }
    }
  }
  c.notes.push(
    `9. failure kinds: false early stops on transient kinds: ${falseStops.length} of ${transientRuns} (target 0)${falseStops.length ? `: ${falseStops.join(', ')}` : ''}.`
  );
}
