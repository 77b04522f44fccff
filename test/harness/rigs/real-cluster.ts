// A real Kubernetes control plane on loopback, shaped like an EKS cluster for the deploy action:
// etcd 3.6 + kube-apiserver (TLS with the emulator's throwaway CA, EKS tokens through the
// project's TokenReview webhook, RBAC) + kube-controller-manager + kube-scheduler + kwok as the
// one node's kubelet and container runtime (stages of kwok-stages.ts). Binaries come from
// scripts/go-tools.sh (built once per version, cached outside the work tree). Every daemon runs
// under `setpriv --pdeathsig TERM` (daemon.ts) and listens on 127.0.0.1 only.
//
// What the API server could dial, and where it goes here:
// - the TokenReview webhook: 127.0.0.1 (this process);
// - kubelets (pod logs, exec, port-forward): the node's InternalIP 127.0.0.1 and kwok's port;
// - services (admission webhooks, aggregated APIs, services/proxy): a ClusterIP of
//   10.100.0.0/16, only if a test creates such a webhook or APIService (none does), and
//   pods (pods/proxy) likewise: no scenario asks for either. The `kubernetes` Service gets no
//   endpoints (--endpoint-reconciler-type=none: its address would be loopback, which Endpoints
//   refuse), and aggregator routing stays off.
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { createCertificateAuthority } from '../../emulator/auth/ca.js';
import { kubeconfigYaml } from '../../emulator/index.js';
import { seedKubeconfig, type AwsCredentials } from '../../emulator/auth/kubeconfig.js';
import type { DeployCluster } from '../deploy-cluster.js';
import { REPO_ROOT } from '../runner.js';
import { freePort, makeStateDir, spawnDaemon, waitUntilReady, type Daemon } from './daemon.js';
import {
  adminUser,
  startEksAuthenticator,
  type AccessEntry,
  type EksAuthenticator
} from './eks-authenticator.js';
import { kwokStages, type PodPolicy } from './kwok-stages.js';

const run = promisify(execFile);

export interface RealClusterOptions extends Partial<PodPolicy> {
  clusterName?: string;
  region?: string;
  /** Namespaces made at start, besides default and kube-system (default: omer). */
  namespaces?: string[];
  /** The namespace the least-privilege deploy identity may deploy to (default: omer). */
  deployNamespace?: string;
  /** From a LoadBalancer Service's creation to its ELB hostname. */
  loadBalancerDelayMs?: number;
}

/** A DeployCluster (kubeconfig: the admin IAM user; deployKubeconfig: helm-deployer's), and: */
export interface RealCluster extends Omit<DeployCluster, 'kind'> {
  /** The rig's own admin token (system:masters). */
  adminToken: string;
  /** `kubectl version` of the API server, e.g. v1.35.4. */
  serverVersion: string;
  /** Milliseconds from the call to a Ready node and the namespace's default ServiceAccount. */
  startMs: number;
  authenticator: EksAuthenticator;
  /** Real kubectl as the admin; rejects with its stderr. */
  kubectl(args: string[], input?: string): Promise<string>;
  stop(): Promise<void>;
}

export const ADMIN_CREDENTIALS: AwsCredentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
};
export const DEPLOY_CREDENTIALS: AwsCredentials = {
  accessKeyId: 'AKIAI44QH8DHBEXAMPLE',
  secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY'
};
export const DEPLOY_GROUP = 'basickapp:deployers';
const ACCOUNT = '111122223333';
const SERVICE_CIDR = '10.100.0.0/16';
const POD_CIDR = '10.244.0.0/16';
const NODE = 'kwok-node-0';

/** The bin dir of one tool of scripts/go-tools.tsv (built first if this machine lacks it). */
export async function goTool(name: string): Promise<string> {
  const { stdout } = await run(
    'bash',
    [path.join(REPO_ROOT, 'scripts', 'go-tools.sh'), '--bin', name],
    {
      env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/local/go/bin` },
      maxBuffer: 16 * 1024 * 1024
    }
  );
  return stdout.trim();
}

/**
 * What a platform team grants a CI identity for helm deploys into one namespace: the
 * workload kinds a chart holds, helm's release Secrets, and reading pods, logs and events
 * for diagnostics. Nothing cluster-wide, not even reading its own Namespace.
 */
export function deployRole(namespace: string): Record<string, unknown>[] {
  const all = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'helm-deployer', namespace },
      rules: [
        {
          apiGroups: [''],
          resources: [
            'secrets',
            'configmaps',
            'services',
            'serviceaccounts',
            'persistentvolumeclaims'
          ],
          verbs: all
        },
        {
          apiGroups: [''],
          resources: ['pods', 'pods/log', 'events', 'endpoints'],
          verbs: ['get', 'list', 'watch']
        },
        {
          apiGroups: ['apps'],
          resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'],
          verbs: all
        },
        { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: all },
        {
          apiGroups: ['networking.k8s.io'],
          resources: ['ingresses', 'networkpolicies'],
          verbs: all
        },
        { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: all },
        { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: all },
        { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['get', 'list', 'watch'] }
      ]
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'helm-deployer', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'helm-deployer' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: DEPLOY_GROUP }]
    }
  ];
}

function tokenKubeconfigYaml(url: string, caPem: string, name: string, token: string): string {
  return kubeconfigYaml(url, caPem, name, { token });
}

function get(url: string, caPem: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      url,
      { ca: caPem, agent: false, headers: { Authorization: `Bearer ${token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() })
        );
      }
    );
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timed out')));
  });
}

export async function startRealCluster(options: RealClusterOptions = {}): Promise<RealCluster> {
  const started = Date.now();
  const clusterName = options.clusterName ?? 'basickapp';
  const region = options.region ?? 'eu-west-1';
  const deployNamespace = options.deployNamespace ?? 'omer';
  const namespaces = options.namespaces ?? ['omer'];
  const pidFiles = [
    'etcd',
    'kube-apiserver',
    'kube-controller-manager',
    'kube-scheduler',
    'kwok'
  ].map((n) => `${n}.pid`);
  const [kubeBin, etcdBin, kwokBin, tls, dir] = await Promise.all([
    goTool('kubernetes'),
    goTool('etcd'),
    goTool('kwok'),
    createCertificateAuthority(),
    makeStateDir('real-cluster-rig-', pidFiles)
  ]);
  const daemons: Daemon[] = [];
  let authenticator: EksAuthenticator | undefined;
  let loadBalancers: NodeJS.Timeout | undefined;
  const file = (name: string) => path.join(dir, name);
  const stop = async () => {
    if (loadBalancers) clearInterval(loadBalancers);
    for (const daemon of [...daemons].reverse()) await daemon.stop(5000);
    await authenticator?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  const spawn = async (name: string, command: string, args: string[]) => {
    const daemon = spawnDaemon(name, command, args, {
      logFile: file(`${name}.log`),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir }
    });
    daemons.push(daemon);
    await writeFile(file(`${name}.pid`), String(daemon.pid));
    return daemon;
  };

  try {
    const entries: AccessEntry[] = [
      {
        arn: `arn:aws:iam::${ACCOUNT}:user/admin`,
        credentials: ADMIN_CREDENTIALS,
        groups: ['system:masters']
      },
      {
        arn: `arn:aws:iam::${ACCOUNT}:user/github-deploy`,
        credentials: DEPLOY_CREDENTIALS,
        groups: [DEPLOY_GROUP]
      }
    ];
    authenticator = await startEksAuthenticator({
      clusterName,
      entries,
      tls: { caPem: tls.caPem, certPem: tls.serverCertPem, keyPem: tls.serverKeyPem }
    });
    const adminToken = randomBytes(24).toString('hex');
    authenticator.addStaticToken(adminToken, adminUser('rig-admin'));

    const sa = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const componentTokens = {
      'kube-controller-manager': randomBytes(24).toString('hex'),
      'kube-scheduler': randomBytes(24).toString('hex'),
      kwok: randomBytes(24).toString('hex')
    };
    const [etcdClient, etcdPeer, apiPort, kwokPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort()
    ]);
    const url = `https://127.0.0.1:${apiPort}`;
    await Promise.all([
      writeFile(file('ca.pem'), tls.caPem),
      writeFile(file('server.pem'), tls.serverCertPem),
      writeFile(file('server-key.pem'), tls.serverKeyPem, { mode: 0o600 }),
      writeFile(file('sa.pub'), sa.publicKey.export({ type: 'spki', format: 'pem' })),
      writeFile(file('sa.key'), sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), {
        mode: 0o600
      }),
      writeFile(
        file('tokens.csv'),
        [
          `${componentTokens['kube-controller-manager']},system:kube-controller-manager,kcm,`,
          `${componentTokens['kube-scheduler']},system:kube-scheduler,scheduler,`,
          `${componentTokens.kwok},kwok,kwok,system:masters`
        ].join('\n') + '\n',
        { mode: 0o600 }
      ),
      writeFile(file('webhook.kubeconfig'), authenticator.webhookKubeconfig, { mode: 0o600 }),
      writeFile(
        file('admin.kubeconfig'),
        tokenKubeconfigYaml(url, tls.caPem, clusterName, adminToken),
        { mode: 0o600 }
      ),
      ...Object.entries(componentTokens).map(([name, token]) =>
        writeFile(file(`${name}.kubeconfig`), tokenKubeconfigYaml(url, tls.caPem, name, token), {
          mode: 0o600
        })
      ),
      writeFile(
        file('kwok.yaml'),
        kwokStages({ ...options, pullableImages: options.pullableImages ?? [/.*/] })
      )
    ]);

    const etcd = await spawn('etcd', path.join(etcdBin, 'etcd'), [
      `--data-dir=${file('etcd-data')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
      '--log-level=warn'
    ]);
    await waitUntilReady(etcd, async () => {
      const res = await fetch(`http://127.0.0.1:${etcdClient}/health`);
      return res.ok;
    });

    const apiserver = await spawn('kube-apiserver', path.join(kubeBin, 'kube-apiserver'), [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${file('apiserver-certs')}`,
      `--tls-cert-file=${file('server.pem')}`,
      `--tls-private-key-file=${file('server-key.pem')}`,
      `--token-auth-file=${file('tokens.csv')}`,
      `--authentication-token-webhook-config-file=${file('webhook.kubeconfig')}`,
      '--authentication-token-webhook-version=v1',
      '--authentication-token-webhook-cache-ttl=5s',
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${file('sa.pub')}`,
      `--service-account-signing-key-file=${file('sa.key')}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--endpoint-reconciler-type=none',
      '--kubelet-preferred-address-types=InternalIP',
      '--allow-privileged=true',
      '--profiling=false',
      '--v=0'
    ]);
    await waitUntilReady(
      apiserver,
      async () => (await get(`${url}/readyz`, tls.caPem, adminToken)).status === 200,
      60_000
    );

    const kubectlBin = path.join(kubeBin, 'kubectl');
    const kubectl = async (args: string[], input?: string) => {
      const child = run(kubectlBin, ['--kubeconfig', file('admin.kubeconfig'), ...args], {
        env: { PATH: process.env.PATH ?? '', HOME: dir },
        maxBuffer: 16 * 1024 * 1024
      });
      if (input !== undefined) {
        child.child.stdin?.end(input);
      }
      return (await child).stdout;
    };
    const bootstrap = [
      ...namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
      ...deployRole(deployNamespace),
      {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: NODE,
          labels: {
            'kubernetes.io/hostname': NODE,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            'node.kubernetes.io/instance-type': 'kwok',
            'topology.kubernetes.io/region': region,
            type: 'kwok'
          },
          annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' }
        }
      }
    ];
    await kubectl(['apply', '-f', '-'], bootstrap.map((o) => stringify(o)).join('---\n'));

    await Promise.all([
      spawn('kube-controller-manager', path.join(kubeBin, 'kube-controller-manager'), [
        `--kubeconfig=${file('kube-controller-manager.kubeconfig')}`,
        '--bind-address=127.0.0.1',
        '--secure-port=0',
        '--leader-elect=false',
        `--service-account-private-key-file=${file('sa.key')}`,
        // Each controller as its own service account, bound to its system:controller:* role.
        '--use-service-account-credentials=true',
        `--root-ca-file=${file('ca.pem')}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        `--cluster-name=${clusterName}`,
        '--v=0'
      ]),
      spawn('kube-scheduler', path.join(kubeBin, 'kube-scheduler'), [
        `--kubeconfig=${file('kube-scheduler.kubeconfig')}`,
        '--bind-address=127.0.0.1',
        '--secure-port=0',
        '--leader-elect=false',
        '--v=0'
      ]),
      spawn('kwok', path.join(kwokBin, 'kwok'), [
        `--kubeconfig=${file('kwok.kubeconfig')}`,
        `--config=${file('kwok.yaml')}`,
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        '--node-ip=127.0.0.1',
        `--node-name=${NODE}`,
        `--node-port=${kwokPort}`,
        `--server-address=127.0.0.1:${kwokPort}`,
        `--tls-cert-file=${file('server.pem')}`,
        `--tls-private-key-file=${file('server-key.pem')}`,
        `--cidr=${POD_CIDR}`,
        '--node-lease-duration-seconds=40'
      ])
    ]);

    const ready = async () => {
      const node = JSON.parse(
        (await get(`${url}/api/v1/nodes/${NODE}`, tls.caPem, adminToken)).body
      );
      const nodeReady = (node.status?.conditions ?? []).some(
        (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'
      );
      const sa = await get(
        `${url}/api/v1/namespaces/${deployNamespace}/serviceaccounts/default`,
        tls.caPem,
        adminToken
      );
      return nodeReady && sa.status === 200;
    };
    await waitForAll(daemons, ready, 60_000);

    loadBalancers = serveLoadBalancers(
      url,
      tls.caPem,
      adminToken,
      region,
      options.loadBalancerDelayMs ?? 500
    );
    const version = JSON.parse((await get(`${url}/version`, tls.caPem, adminToken)).body);
    const kubeconfig = seedKubeconfig({
      url,
      caPem: tls.caPem,
      clusterName,
      region,
      credentials: ADMIN_CREDENTIALS
    });
    const auth = authenticator;
    return {
      url,
      caPem: tls.caPem,
      kubeconfig,
      kubeconfigBase64: Buffer.from(kubeconfig).toString('base64'),
      deployKubeconfig: seedKubeconfig({
        url,
        caPem: tls.caPem,
        clusterName,
        region,
        credentials: DEPLOY_CREDENTIALS,
        contextName: `${clusterName}-deploy`
      }),
      tokenKubeconfig: (token) => {
        auth.addStaticToken(token, adminUser(`token-${token.slice(0, 6)}`));
        return tokenKubeconfigYaml(url, tls.caPem, clusterName, token);
      },
      adminToken,
      serverVersion: String(version.gitVersion),
      startMs: Date.now() - started,
      authenticator: auth,
      kubectl,
      stop
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The part of the AWS cloud controller the deploy action notices: a LoadBalancer Service gets
 * an ELB hostname after `delayMs`. A poll of the real API; no address is ever dialed.
 */
function serveLoadBalancers(
  url: string,
  caPem: string,
  token: string,
  region: string,
  delayMs: number
): NodeJS.Timeout {
  let busy = false;
  return setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      const list = JSON.parse((await get(`${url}/api/v1/services`, caPem, token)).body);
      for (const service of list.items ?? []) {
        if (service.spec?.type !== 'LoadBalancer' || service.status?.loadBalancer?.ingress?.length)
          continue;
        if (Date.now() - Date.parse(service.metadata.creationTimestamp) < delayMs) continue;
        const id = `a${randomBytes(16).toString('hex')}`;
        const hostname = `${id}-${1e9 + Math.floor(Math.random() * 9e9)}.${region}.elb.amazonaws.com`;
        await patchStatus(url, caPem, token, service.metadata.namespace, service.metadata.name, {
          status: { loadBalancer: { ingress: [{ hostname }] } }
        });
      }
    })()
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }, 200);
}

function patchStatus(
  url: string,
  caPem: string,
  token: string,
  namespace: string,
  name: string,
  body: unknown
): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${url}/api/v1/namespaces/${namespace}/services/${name}/status`,
      {
        method: 'PATCH',
        ca: caPem,
        agent: false,
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/merge-patch+json'
        }
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      }
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Like daemon.ts's waitUntilReady, for several daemons: the first that exits fails the wait. */
async function waitForAll(
  daemons: Daemon[],
  ready: () => Promise<boolean>,
  timeoutMs: number
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = daemons.find((daemon) => daemon.hasExited());
    if (dead) {
      throw new Error(
        `${dead.name} ${await dead.exited} before the cluster was ready:\n${dead.logTail()}`
      );
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      const logs = daemons.map((daemon) => `--- ${daemon.name}\n${daemon.logTail(5)}`).join('\n');
      throw new Error(`the cluster was not ready after ${timeoutMs} ms:\n${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
