// The real-cluster rig: a real API server answering its real version, EKS tokens through the
// project's webhook with real RBAC deciding, and kwok's stages playing each pod story.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { kubeWatch } from '../../emulator/__tests__/client.js';
import { goTool, startRealCluster, type RealCluster } from './real-cluster.js';

const run = promisify(execFile);
let cluster: RealCluster;
let home: string;
let kubectlBin: string;

beforeAll(async () => {
  cluster = await startRealCluster({
    pullableImages: [/^registry\.local\//],
    flakyPullImages: [/flaky/],
    crashLoopImages: [/crash/],
    neverReadyImages: [/never-ready/],
    loadBalancerDelayMs: 300
  });
  kubectlBin = path.join(await goTool('kubernetes'), 'kubectl');
  home = mkdtempSync(path.join(os.tmpdir(), 'real-cluster-test-'));
  process.stderr.write(`real-cluster: ready in ${cluster.startMs} ms (${cluster.serverVersion})\n`);
}, 180_000);
afterAll(async () => {
  await cluster?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** kubectl with a kubeconfig of the seed's shape, exec moved to v1beta1 so kubectl runs aws. */
async function asUser(kubeconfig: string, args: string[]) {
  const file = path.join(home, `kubeconfig-${Math.random().toString(36).slice(2)}`);
  writeFileSync(
    file,
    kubeconfig.replace(
      'client.authentication.k8s.io/v1alpha1',
      'client.authentication.k8s.io/v1beta1'
    ),
    {
      mode: 0o600
    }
  );
  return run(kubectlBin, ['--kubeconfig', file, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: home }
  }).then(
    (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      out: e.stdout,
      err: e.stderr
    })
  );
}

test('the API server answers its real version', async () => {
  expect(cluster.serverVersion).toBe('v1.35.4');
  const version = JSON.parse(await cluster.kubectl(['version', '-o', 'json']));
  expect(version.serverVersion).toMatchObject({ gitVersion: 'v1.35.4', major: '1', minor: '35' });
  expect(version.clientVersion.gitVersion).toBe('v1.35.4');
});

test('the seed identity authenticates through the EKS webhook as its access entry says', async () => {
  const whoami = await asUser(cluster.kubeconfig, ['auth', 'whoami', '-o', 'json']);
  expect(whoami.err).toBe('');
  const user = JSON.parse(whoami.out).status.userInfo;
  expect(user.username).toBe('arn:aws:iam::111122223333:user/admin');
  expect(user.groups).toEqual(['system:masters', 'system:authenticated']);
  expect(user.extra.accessKeyId).toEqual(['AKIAIOSFODNN7EXAMPLE']);
});

test.each([
  ['create', 'secrets', '-n', 'omer', 'yes'],
  ['create', 'deployments.apps', '-n', 'omer', 'yes'],
  ['list', 'pods', '-n', 'omer', 'yes'],
  ['create', 'secrets', '-n', 'default', 'no'],
  ['get', 'namespaces', '', '', 'no'],
  ['list', 'nodes', '', '', 'no'],
  ['create', 'clusterroles', '', '', 'no']
])(
  'real RBAC: the deploy identity may %s %s %s %s: %s',
  async (verb, resource, flag, namespace, want) => {
    const args = ['auth', 'can-i', verb, resource, ...(flag ? [flag, namespace] : [])];
    const answer = await asUser(cluster.deployKubeconfig, args);
    expect(answer.out.trim()).toBe(want);
  }
);

test('a wrong secret key is refused with 401', async () => {
  const wrong = cluster.kubeconfig.replace(/wJalr\S+/, 'wrongSecretKeyWrongSecretKeyWrongSecretK');
  const answer = await asUser(wrong, ['get', 'pods', '-n', 'omer']);
  expect(answer.code).not.toBe(0);
  expect(answer.err).toMatch(/You must be logged in to the server \(Unauthorized\)/);
});

interface PodState {
  phase: string;
  ready: boolean;
  reason: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function podState(pod: Record<string, any>): PodState | undefined {
  const status = pod.status?.containerStatuses?.[0];
  if (!status) return undefined;
  return {
    phase: pod.status.phase,
    ready: status.ready,
    reason: status.state.waiting?.reason ?? Object.keys(status.state)[0]
  };
}

/**
 * The states `app`'s pod passes through once `start` ran, until `until` holds (consecutive
 * repeats dropped), and the pod then, from a watch opened before it: a poll can miss a 300 ms
 * state at load 20.
 */
async function story(
  app: string,
  until: (s: PodState) => boolean,
  start: () => Promise<unknown>,
  timeoutMs = 30_000
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ seen: string[]; pod: Record<string, any> }> {
  const selector = encodeURIComponent(`app=${app}`);
  const stream = kubeWatch(
    cluster,
    cluster.adminToken,
    `/api/v1/namespaces/omer/pods?watch=true&labelSelector=${selector}`
  );
  const seen: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(`pod of ${app} did not get there in ${timeoutMs} ms: ${seen.join(' → ')}`)
        ),
      timeoutMs
    );
  });
  try {
    await start();
    for (let count = 1; ; count++) {
      const events = await Promise.race([stream.next(count), late]);
      const state = podState(events[count - 1].object);
      if (!state) continue;
      const text = `${state.phase}/${state.reason}/${state.ready ? 'ready' : 'not-ready'}`;
      if (seen.at(-1) !== text) seen.push(text);
      if (until(state)) return { seen, pod: events[count - 1].object };
    }
  } finally {
    clearTimeout(timer);
    stream.close();
  }
}

function deployment(app: string, image: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app, namespace: 'omer' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app } },
      template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'app', image }] } }
    }
  };
}

test.each([
  [
    'a pullable image pulls, starts and gets ready',
    'ok',
    'registry.local/app:v1',
    (s: PodState) => s.ready,
    'Running/running/ready'
  ],
  [
    'an image that does not exist: ErrImagePull, then back-off',
    'missing',
    'ghcr.io/nobody/app:v404',
    (s: PodState) => s.reason === 'ImagePullBackOff',
    'Pending/ImagePullBackOff/not-ready'
  ],
  [
    'a flaky registry: one failed pull, a back-off, then running',
    'flaky',
    'registry.local/flaky:v1',
    (s: PodState) => s.ready,
    'Running/running/ready'
  ],
  [
    'a crashing container loops',
    'crash',
    'registry.local/crash:v1',
    (s: PodState) => s.reason === 'CrashLoopBackOff',
    'Running/CrashLoopBackOff/not-ready'
  ],
  [
    'a container that never gets ready',
    'never',
    'registry.local/never-ready:v1',
    (s: PodState) => s.phase === 'Running',
    'Running/running/not-ready'
  ]
])('kwok stages: %s', async (_, app, image, until, last) => {
  const { seen, pod } = await story(app, until, () =>
    cluster.kubectl(['apply', '-f', '-'], stringify(deployment(app, image)))
  );
  expect(seen.at(-1)).toBe(last);
  expect(seen[0]).toBe('Pending/ContainerCreating/not-ready');
  if (app === 'flaky') expect(seen).toContain('Pending/ImagePullBackOff/not-ready');
  if (app === 'missing') {
    // The kubelet ≥ 1.32's words: the cause of the last pull stays in the back-off message.
    expect(pod.status.containerStatuses[0].state.waiting.message).toBe(
      `Back-off pulling image "${image}": ErrImagePull: rpc error: code = NotFound desc = failed to pull and unpack image "${image}": not found`
    );
  }
});

test('a LoadBalancer Service gets an ELB hostname', async () => {
  await cluster.kubectl(
    ['apply', '-f', '-'],
    stringify({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'omer' },
      spec: { type: 'LoadBalancer', selector: { app: 'ok' }, ports: [{ port: 80 }] }
    })
  );
  let hostname = '';
  for (let i = 0; i < 100 && !hostname; i++) {
    hostname = await cluster.kubectl([
      'get',
      'service',
      'web',
      '-n',
      'omer',
      '-o',
      'jsonpath={.status.loadBalancer.ingress[0].hostname}'
    ]);
    if (!hostname) await new Promise((r) => setTimeout(r, 100));
  }
  expect(hostname).toMatch(/^a[0-9a-f]{32}-\d{10}\.eu-west-1\.elb\.amazonaws\.com$/);
  const clusterIp = await cluster.kubectl([
    'get',
    'service',
    'web',
    '-n',
    'omer',
    '-o',
    'jsonpath={.spec.clusterIP}'
  ]);
  expect(clusterIp).toMatch(/^10\.100\./);
});

test('pod logs are asked of the node at 127.0.0.1, where kwok answers', async () => {
  const pod = (
    await cluster.kubectl(['get', 'pods', '-n', 'omer', '-l', 'app=ok', '-o', 'name'])
  ).trim();
  const logs = await cluster.kubectl(['logs', '-n', 'omer', pod]).then(
    (out) => `ok: ${out}`,
    (error: { stderr: string }) => error.stderr
  );
  const node = JSON.parse(await cluster.kubectl(['get', 'node', 'kwok-node-0', '-o', 'json']));
  expect(node.status.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
  // The API server reached kwok's kubelet endpoint on 127.0.0.1; kwok keeps no logs.
  expect(logs).toMatch(/no logs found for container "app"/);
});

test('nothing makes the API server dial a service: every APIService is local, no admission webhook', async () => {
  const apiServices = JSON.parse(await cluster.kubectl(['get', 'apiservices', '-o', 'json']));
  expect(apiServices.items.length).toBeGreaterThan(10);
  expect(apiServices.items.filter((a: { spec: { service?: unknown } }) => a.spec.service)).toEqual(
    []
  );
  for (const kind of ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations']) {
    expect(JSON.parse(await cluster.kubectl(['get', kind, '-o', 'json'])).items).toEqual([]);
  }
  const kubernetes = JSON.parse(
    await cluster.kubectl(['get', 'endpointslices', '-n', 'default', '-o', 'json'])
  );
  expect(kubernetes.items).toEqual([]);
});
