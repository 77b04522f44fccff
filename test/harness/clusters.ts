// The control planes the deploy scenarios run against: the project's EKS emulator
// (test/emulator) and a real Kubernetes control plane (test/harness/rigs/real-cluster.ts). A scenario
// file runs once per kind in CLUSTER_KINDS (default both, comma-separated: emulator,real) under
// a describe named `[<kind>]`, which the conformance reporter (test/conformance-reporter.mjs)
// turns into the scenario × control plane table of test/README.md.
import { startCluster } from '../emulator/index.js';
import { KINDS, type ClusterKind, type DeployCluster } from './deploy-cluster.js';
import { startRealCluster } from './rigs/real-cluster.js';

export { KINDS, type ClusterKind, type DeployCluster } from './deploy-cluster.js';

export interface DeployClusterOptions {
  staticTokens?: string[];
  /** From scheduling to Ready (real: the pull and the start each take half). */
  podReadyDelayMs?: number;
  loadBalancerDelayMs?: number;
  /** Images that pull; others fail with ErrImagePull. Default: all pull. */
  pullableImages?: RegExp[];
  /** Images that pull and run but never pass their readiness probe (`Unhealthy` events). */
  neverReadyImages?: RegExp[];
  /** Pods a node has room for (default: the emulator no limit, the real node 110). */
  podsPerNode?: number;
  /** From a pod's deletion to its removal (its containers' exit after SIGTERM). */
  stopDelayMs?: number;
  /** Namespaces that exist from the start (default: each kind's own). */
  namespaces?: string[];
  /** The emulator also pulls the images this registry holds (the real one pulls any). */
  registry?: { url: string; username?: string; password?: string };
}

/** The kind a name names; otherwise an error naming where it came from and the kinds. */
export function clusterKind(name: string, source: string): ClusterKind {
  if (!(KINDS as readonly string[]).includes(name)) {
    throw new Error(`${source}: "${name}" is no cluster kind; kinds are: ${KINDS.join(', ')}`);
  }
  return name as ClusterKind;
}

/** The kinds to run, from CLUSTER_KINDS; a name that is no kind is an error naming the kinds. */
export function clusterKinds(env: NodeJS.ProcessEnv = process.env): ClusterKind[] {
  return (env.CLUSTER_KINDS ?? KINDS.join(','))
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
    .map((name) => clusterKind(name, 'CLUSTER_KINDS'));
}

/** How long starting one may take in a beforeAll (the real one builds nothing once set up). */
export const START_TIMEOUT_MS = 180_000;

export async function startDeployCluster(
  kind: ClusterKind,
  options: DeployClusterOptions = {}
): Promise<DeployCluster> {
  if (kind === 'emulator') {
    const emulator = await startCluster(options);
    return { kind, ...emulator, deployKubeconfig: emulator.kubeconfig };
  }
  const half = options.podReadyDelayMs === undefined ? undefined : options.podReadyDelayMs / 2;
  const real = await startRealCluster({
    namespaces: options.namespaces,
    pullableImages: options.pullableImages,
    neverReadyImages: options.neverReadyImages,
    pullDelayMs: half,
    startDelayMs: half,
    loadBalancerDelayMs: options.loadBalancerDelayMs,
    podsPerNode: options.podsPerNode,
    stopDelayMs: options.stopDelayMs
  });
  for (const token of options.staticTokens ?? []) real.tokenKubeconfig(token);
  return { kind, ...real };
}
