// A local EKS-like Kubernetes API server for tests and the local pipeline: HTTPS with its own
// CA, EKS-style bearer tokens, discovery and OpenAPI, the resources helm and kubectl use, and
// simulated controllers (deployments, pods, jobs, load balancers, events). Test infrastructure
// only: never bundled into the actions.
import type { Socket } from 'node:net';
import { stringify } from 'yaml';
import { Api } from './api.js';
import { createCertificateAuthority } from './auth/ca.js';
import { verifyEksToken } from './auth/eks-token.js';
import { seedKubeconfig } from './auth/kubeconfig.js';
import { startControllers, type Controllers } from './controllers/index.js';
import { imageChecker, matchesAny } from './controllers/images.js';
import { NODE_GROUP } from './controllers/kubelet/nodes.js';
import { Faults, type FaultControls } from './faults.js';
import { RESOURCE_TYPES } from './resources.js';
import { createHandler, listen, type RequestRecord } from './server.js';
import { Store } from './store.js';

export type { FaultControls, FailureRule } from './faults.js';
export type { RequestRecord } from './server.js';

export interface ClusterOptions {
  clusterName?: string;
  region?: string;
  /** The test AWS keys the exec plugin signs tokens with. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Pre-created namespaces (default: default, kube-system, omer). */
  namespaces?: string[];
  podReadyDelayMs?: number;
  /**
   * How long a container takes to exit after SIGTERM (default `podReadyDelayMs`), at most the
   * pod's grace period: an app that drains connections keeps its pod Terminating that long.
   */
  stopDelayMs?: number;
  loadBalancerDelayMs?: number;
  /** Images that pull; others fail with ErrImagePull. With neither this nor `registry`, all pull. */
  pullableImages?: Array<string | RegExp>;
  /** Images present in this registry also pull (asked through its /v2 API). */
  registry?: { url: string; username?: string; password?: string };
  crashLoopImages?: Array<string | RegExp>;
  /** Images that run but never get Ready: `Unhealthy` readiness probe failures, Ready=False. */
  neverReadyImages?: Array<string | RegExp>;
  /**
   * Pulls of these images fail `failures` times per pod with a transient `cause` (default an
   * i/o timeout: ErrImagePull, then ImagePullBackOff with the kubelet ≥1.32 message), then pull.
   */
  flakyPulls?: { images: Array<string | RegExp>; failures: number; cause?: string };
  /**
   * No LoadBalancer Service ever gets an address; the service controller records
   * `SyncLoadBalancerFailed` with this reason (e.g. untagged subnets).
   */
  loadBalancerFailure?: string;
  /** Images whose registry refuses the kubelet (`401 Unauthorized`, final: ErrImagePull → ImagePullBackOff). */
  unauthorizedImages?: Array<string | RegExp>;
  /** How many nodes the cluster starts with (default 1); DaemonSets run a pod on each. */
  nodes?: number;
  /** No node has room: pods stay Pending, `Unschedulable` (`0/N nodes are available: N Insufficient cpu.`). */
  unschedulable?: boolean;
  /**
   * How many pods fit on a node (its `allocatable.pods`, as an m5.large's 29). A pod that
   * fits on none is `Unschedulable` (`N Too many pods.`) until a pod on a node is gone;
   * Terminating pods still count, as the scheduler counts them. Default: no limit (the Node
   * still says 29), so long-lived test clusters never fill up.
   */
  podsPerNode?: number;
  /**
   * What Cluster Autoscaler does about unschedulable pods: `{ scaleUpMs }` adds a node
   * (`TriggeredScaleUp`: `pod triggered scale-up: [{<nodeGroup> 1->2 (max: 10)}]`) that joins
   * after `scaleUpMs` and takes them; `{ notTriggerScaleUp: '1 max node group size reached' }`
   * says it will not (`NotTriggerScaleUp`: `pod didn't trigger scale-up: …`).
   */
  clusterAutoscaler?:
    { scaleUpMs: number; nodeGroup?: string; maxSize?: number } | { notTriggerScaleUp: string };
  /** Verifies the bearer tokens instead of the one `credentials` pair (e.g. keys an STS rig issued). */
  verifyToken?: (token: string, clusterName: string) => boolean;
  /** Extra bearer tokens accepted as they are (for kubeconfigs with a static `token:` user). */
  staticTokens?: string[];
  /** Port to listen on (default: a free one). */
  port?: number;
  /**
   * RBAC that denies a given identity (a static token) some verbs on some resources, e.g.
   * `{ token: 'deployer', user: 'ci', verb: 'list', resource: 'events' }` or `pods/log` for
   * logs; `verb: '*'` denies them all. Everything else stays allowed. Refusals are `403` with
   * the authorizer's wording.
   */
  deny?: DenyRule[];
}

export interface DenyRule {
  token: string;
  /** The user name the 403 names (default `deployer`). */
  user?: string;
  verb: string;
  resource: string;
  namespace?: string;
}

export interface Cluster {
  url: string;
  caPem: string;
  /** YAML in the seed's shape: certificate-authority-data and an `aws eks get-token` exec user. */
  kubeconfig: string;
  /** What users store as the KUBECONFIG secret. */
  kubeconfigBase64: string;
  faults: FaultControls;
  /** Every request answered, in order (for recording which endpoints clients hit). */
  requests: RequestRecord[];
  /** A kubeconfig for this cluster whose user is a static bearer token, accepted from then on. */
  tokenKubeconfig(token: string): string;
  /** Stop and start again on the same port, with state kept; every open connection is cut. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
};

/** A kubeconfig of one cluster, context and user (also the real-cluster rig's). */
export function kubeconfigYaml(
  url: string,
  caPem: string,
  name: string,
  user: Record<string, unknown>
): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name,
        cluster: {
          server: url,
          'certificate-authority-data': Buffer.from(caPem).toString('base64')
        }
      }
    ],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
    preferences: {},
    users: [{ name, user }]
  });
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const clusterName = options.clusterName ?? 'basickapp';
  const region = options.region ?? 'eu-west-1';
  const credentials = options.credentials ?? DEFAULT_CREDENTIALS;
  const tls = await createCertificateAuthority();
  const store = new Store();
  const api = new Api(store);
  const faults = new Faults();
  const requests: RequestRecord[] = [];
  const staticTokens = new Set(options.staticTokens ?? []);

  const controllers: Controllers = startControllers(
    api,
    {
      region,
      podReadyDelayMs: options.podReadyDelayMs ?? 1000,
      stopDelayMs: options.stopDelayMs ?? options.podReadyDelayMs ?? 1000,
      podsPerNode: options.podsPerNode ?? Infinity,
      loadBalancerDelayMs: options.loadBalancerDelayMs ?? 2000,
      nodes: options.nodes ?? 1,
      unschedulable: options.unschedulable ?? false,
      clusterAutoscaler:
        options.clusterAutoscaler && 'scaleUpMs' in options.clusterAutoscaler
          ? {
              scaleUpMs: options.clusterAutoscaler.scaleUpMs,
              nodeGroup: options.clusterAutoscaler.nodeGroup ?? NODE_GROUP,
              maxSize: options.clusterAutoscaler.maxSize ?? 10
            }
          : options.clusterAutoscaler,
      isCrashLooping: (image) => matchesAny(image, options.crashLoopImages),
      isNeverReady: (image) => matchesAny(image, options.neverReadyImages),
      flakyPulls: (image) =>
        options.flakyPulls && matchesAny(image, options.flakyPulls.images)
          ? {
              failures: options.flakyPulls.failures,
              cause: options.flakyPulls.cause ?? 'dial tcp 203.0.113.10:443: i/o timeout'
            }
          : { failures: 0, cause: '' },
      loadBalancerFailure: options.loadBalancerFailure
    },
    imageChecker(options),
    tls.caPem
  );
  const namespaces = RESOURCE_TYPES.find((t) => t.resource === 'namespaces')!;
  for (const name of options.namespaces ?? ['default', 'kube-system', 'omer']) {
    api.create(
      namespaces,
      undefined,
      { metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } },
      {
        fieldManager: 'kube-apiserver'
      }
    );
  }

  const handler = createHandler({
    api,
    faults,
    requests,
    authenticate: (token) =>
      staticTokens.has(token) ||
      (options.verifyToken
        ? options.verifyToken(token, clusterName)
        : verifyEksToken(token, { clusterName, credentials }).ok),
    podLog: (ns, pod, container) => controllers.podLog(ns, pod, container),
    authorize: (token, request) => {
      const rule = (options.deny ?? []).find(
        (r) =>
          r.token === token &&
          (r.verb === '*' || r.verb === request.verb) &&
          r.resource === request.resource &&
          (r.namespace === undefined || r.namespace === request.namespace)
      );
      return rule ? (rule.user ?? 'deployer') : undefined;
    }
  });
  const tlsFiles = { cert: tls.serverCertPem, key: tls.serverKeyPem };
  // Every TCP connection from its accept on. closeAllConnections() only knows connections
  // that reached HTTP: one still in its TLS handshake would survive a stop, go on to serve
  // requests (new watches too) from the stopped server, and keep close() from ever
  // finishing. A real API server that stops takes all of its connections with it.
  const sockets = new Set<Socket>();
  const start = async (port: number) => {
    const started = await listen((req, res) => void handler(req, res), tlsFiles, port);
    started.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    return started;
  };
  let server = await start(options.port ?? 0);
  const port = (server.address() as { port: number }).port;
  const url = `https://127.0.0.1:${port}`;

  const close = () =>
    new Promise<void>((resolve) => {
      faults.dropWatches();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });

  const kubeconfig = seedKubeconfig({ url, caPem: tls.caPem, clusterName, region, credentials });
  return {
    url,
    caPem: tls.caPem,
    kubeconfig,
    kubeconfigBase64: Buffer.from(kubeconfig).toString('base64'),
    faults,
    requests,
    tokenKubeconfig: (token) => {
      staticTokens.add(token);
      return kubeconfigYaml(url, tls.caPem, clusterName, { token });
    },
    async restart() {
      await close();
      server = await start(port);
    },
    async stop() {
      controllers.stop();
      await close();
    }
  };
}
