// One EKS emulator (static-token user, so no `aws eks get-token` per request) and one helm
// mirror per test file, and deploy-chart steps against them with step debug on, scanned for
// the kubeconfig and its token. `whenPending` acts once helm has recorded the release and is
// waiting — the moment faults, restarts and cancellations are meant to hit.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCluster, type Cluster } from '../../emulator/index.js';
import { startHelmMirror, type HelmMirror } from '../../harness/rigs/helm-mirror.js';
import {
  startDeployCluster,
  type ClusterKind,
  type DeployCluster,
  type DeployClusterOptions
} from '../../harness/clusters.js';
import { releaseReader, type ReleaseReader } from './release.js';
import { runStep, type Step } from './step.js';

export const NS = 'omer';
export const GOOD = 'pythonApp.image=registry.local/python-app\npythonApp.tag=v1';
/** An image that never pulls: with fail-fast off, helm waits until it is stopped. */
export const NEVER_READY = 'pythonApp.image=ghcr.io/nobody/missing-app\npythonApp.tag=v404';

export interface DeployOptions {
  inputs?: Record<string, string>;
  onStart?: (child: ChildProcess) => void;
  mirrorUrl?: string;
  toolCache?: string;
}

type RigCluster = Pick<DeployCluster, 'tokenKubeconfig' | 'stop'>;

export interface DeployRig<C extends RigCluster = Cluster> {
  cluster: C;
  releases: ReleaseReader;
  deploy(name: string, release: string, set: string, options?: DeployOptions): Promise<Step>;
  whenPending(
    release: string,
    act: (child: ChildProcess) => void | Promise<void>
  ): { seen: { pending: boolean }; onStart: (child: ChildProcess) => void };
  lastStatus(release: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

const clusterOptions = (token: string): DeployClusterOptions => ({
  staticTokens: [token],
  podReadyDelayMs: 1500,
  loadBalancerDelayMs: 200,
  pullableImages: [/^registry\.local\//]
});

/** On the emulator, whose faults and request log the fault scenarios use. */
export async function startDeployRig(file: string, token: string): Promise<DeployRig<Cluster>> {
  const [cluster, mirror] = await Promise.all([
    startCluster(clusterOptions(token)),
    startHelmMirror()
  ]);
  return assemble(cluster, mirror, file, token);
}

/** On either control plane (test/harness/clusters.ts), for the scenarios of both. */
export async function startDeployRigOn(
  kind: ClusterKind,
  file: string,
  token: string
): Promise<DeployRig<DeployCluster>> {
  const [cluster, mirror] = await Promise.all([
    startDeployCluster(kind, clusterOptions(token)),
    startHelmMirror()
  ]);
  return assemble(cluster, mirror, file, token);
}

function assemble<C extends RigCluster>(
  cluster: C,
  mirror: HelmMirror,
  file: string,
  token: string
): DeployRig<C> {
  const kubeconfig = Buffer.from(cluster.tokenKubeconfig(token)).toString('base64');
  const releases = releaseReader(cluster, token, NS);
  const toolCache = mkdtempSync(path.join(os.tmpdir(), 'reliability-toolcache-'));

  return {
    cluster,
    releases,
    deploy: (name, release, set, options = {}) =>
      runStep('deploy-chart', {
        label: { file, step: name },
        inputs: {
          kubeconfig,
          release,
          namespace: NS,
          set: `pythonApp.name=${release}\n${set}`,
          timeout: '3m',
          'helm-mirror': options.mirrorUrl ?? mirror.url,
          ...options.inputs
        },
        env: { RUNNER_TOOL_CACHE: options.toolCache ?? toolCache },
        onStart: options.onStart,
        secrets: [
          { name: 'kubeconfig input', value: kubeconfig },
          { name: 'static bearer token', value: token }
        ],
        // Below helm's 3m timeout: a step that waits for it fails the test.
        timeoutMs: 170_000
      }),
    whenPending(release, act) {
      const seen = { pending: false };
      const onStart = (child: ChildProcess) => {
        const poll = setInterval(async () => {
          const status = (await releases.history(release).catch(() => [])).at(-1)?.status;
          if (status?.startsWith('pending-') && !seen.pending) {
            seen.pending = true;
            clearInterval(poll);
            await act(child);
          }
        }, 150);
        child.on('close', () => clearInterval(poll));
      };
      return { seen, onStart };
    },
    lastStatus: async (release) => (await releases.history(release)).at(-1)?.status,
    async stop() {
      await Promise.all([cluster.stop(), mirror.stop()]);
      releases.remove();
      rmSync(toolCache, { recursive: true, force: true });
    }
  };
}
