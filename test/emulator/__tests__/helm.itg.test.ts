// Conformance: the real helm 3 and 4 binaries and kubectl drive the emulator through a
// release's whole life, as they would an EKS cluster.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { helmPath, HELM_VERSIONS, type HelmVersion } from '../../harness/rigs/helm.js';
import { REPO_ROOT } from '../../harness/runner.js';
import { startCluster, type Cluster } from '../index.js';
import { eventually, kubeRequest } from './client.js';

const TOKEN = 'conformance-token';
const CHART = path.join(REPO_ROOT, 'charts/python-application');
const IMAGE = 'ghcr.io/omer-avner/python-app';
const NS = 'omer';
let cluster: Cluster;
let home: string;
let kubeconfig: string;
let tokenConfig: string;

interface Exec {
  args: string[];
  env: Array<{ name: string; value: string }>;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], config = kubeconfig): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        env: {
          PATH: process.env.PATH,
          HOME: home,
          KUBECONFIG: config,
          HELM_CACHE_HOME: path.join(home, 'cache'),
          HELM_CONFIG_HOME: path.join(home, 'config'),
          HELM_DATA_HOME: path.join(home, 'data')
        },
        timeout: 60000
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr })
    );
  });
}

const get = async (apiPath: string) => (await kubeRequest(cluster, TOKEN, 'GET', apiPath)).body;

beforeAll(async () => {
  cluster = await startCluster({
    staticTokens: [TOKEN],
    podReadyDelayMs: 200,
    loadBalancerDelayMs: 200,
    pullableImages: [/^ghcr\.io\/omer-avner\/python-app:/]
  });
  home = mkdtempSync(path.join(os.tmpdir(), 'emulator-helm-'));
  kubeconfig = path.join(home, 'kubeconfig');
  // The seed's kubeconfig, its exec plugin moved to v1beta1 as current clients require. The
  // plugin is the real aws CLI behind a wrapper that reuses its credential per argument list and key pair
  // (each aws start costs seconds here; the tokens stay valid for 15 minutes). Every helm run
  // still executes the plugin and the server verifies every token.
  const wrapper = path.join(home, 'aws-cached');
  writeFileSync(
    wrapper,
    [
      '#!/bin/sh',
      `cache="${home}/token-$(echo "$@ $AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY" | md5sum | cut -c1-16).json"`,
      'if [ ! -s "$cache" ]; then aws "$@" > "$cache.tmp" || exit 1; mv "$cache.tmp" "$cache"; fi',
      'cat "$cache"',
      ''
    ].join('\n'),
    { mode: 0o700 }
  );
  const seed = parse(cluster.kubeconfig);
  seed.users[0].user.exec.apiVersion = 'client.authentication.k8s.io/v1beta1';
  seed.users[0].user.exec.command = wrapper;
  writeFileSync(kubeconfig, stringify(seed), { mode: 0o600 });
  tokenConfig = path.join(home, 'token-kubeconfig');
  writeFileSync(tokenConfig, cluster.tokenKubeconfig(TOKEN), { mode: 0o600 });
});

afterAll(async () => {
  await cluster.stop();
  rmSync(home, { recursive: true, force: true });
});

describe.each(HELM_VERSIONS)('helm %s', (version: HelmVersion) => {
  const major = version.slice(1, 2);
  const release = `python-application-${major}`;
  // The chart names its objects <pythonApp.name>-<kind>; one name per helm major.
  const app = `app${major}`;
  const values = (tag: string, image = IMAGE) => [
    '--set',
    `pythonApp.name=${app}`,
    '--set',
    `pythonApp.image=${image}`,
    '--set-string',
    `pythonApp.tag=${tag}`
  ];
  const helm = (...args: string[]) => run(helmPath(version), [...args, '--namespace', NS]);
  const appPods = async (name = app) =>
    (await get(`/api/v1/namespaces/${NS}/pods?labelSelector=app.kubernetes.io%2Fname%3D${name}`))
      .items;
  const runningPods = async () =>
    (await appPods())
      .filter((p: { status: { phase: string } }) => p.status.phase === 'Running')
      .map((p: { metadata: { name: string } }) => p.metadata.name);
  const helmRequests = () =>
    cluster.requests.filter((r) => r.userAgent?.startsWith(`Helm/${major}.`));

  test('install --wait waits for a ready Deployment and a load balancer', async () => {
    const result = await helm(
      'install',
      release,
      CHART,
      ...values('1.0.0'),
      '--wait',
      '--timeout',
      '60s'
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const deployment = await get(`/apis/apps/v1/namespaces/${NS}/deployments/${app}-deployment`);
    expect(deployment.status).toMatchObject({
      readyReplicas: 1,
      availableReplicas: 1,
      updatedReplicas: 1
    });
    const service = await get(`/api/v1/namespaces/${NS}/services/${app}-service`);
    expect(service.status.loadBalancer.ingress[0].hostname).toMatch(
      /\.eu-west-1\.elb\.amazonaws\.com$/
    );
    const secrets = await get(
      `/api/v1/namespaces/${NS}/secrets?labelSelector=owner%3Dhelm%2Cname%3D${release}`
    );
    expect(
      secrets.items.map(
        (s: { metadata: { labels: { status: string } } }) => s.metadata.labels.status
      )
    ).toEqual(['deployed']);
  });

  test('upgrade keeps the pods when the pod template is unchanged', async () => {
    const before = await runningPods();
    const result = await helm(
      'upgrade',
      release,
      CHART,
      ...values('1.0.0'),
      '--wait',
      '--set-string',
      'service.annotations.team=web'
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('REVISION: 2');
    const service = await get(`/api/v1/namespaces/${NS}/services/${app}-service`);
    expect(service.metadata.annotations).toMatchObject({ team: 'web' });
    expect(await runningPods()).toEqual(before);
  });

  test('upgrade replaces the pods when the image changes', async () => {
    const [before] = await runningPods();
    const result = await helm('upgrade', release, CHART, ...values('2.0.0'), '--wait');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('REVISION: 3');
    const after = await eventually(async () => {
      const names = await runningPods();
      return names.length === 1 && names[0] !== before && names;
    });
    expect(after).toHaveLength(1);
    const sets = await get(
      `/apis/apps/v1/namespaces/${NS}/replicasets?labelSelector=app.kubernetes.io%2Fname%3D${app}`
    );
    expect(sets.items.map((rs: { spec: { replicas: number } }) => rs.spec.replicas).sort()).toEqual(
      [0, 1]
    );
  });

  test('rollback returns to the first revision', async () => {
    const result = await helm('rollback', release, '1', '--wait');
    expect(result.code).toBe(0);
    const deployment = await get(`/apis/apps/v1/namespaces/${NS}/deployments/${app}-deployment`);
    expect(deployment.spec.template.spec.containers[0].image).toBe(`${IMAGE}:1.0.0`);
    const service = await get(`/api/v1/namespaces/${NS}/services/${app}-service`);
    expect(service.metadata.annotations).not.toHaveProperty('team');
  });

  test('status, history and get manifest read the release back', async () => {
    const status = JSON.parse((await helm('status', release, '--output', 'json')).stdout);
    expect(status).toMatchObject({ name: release, version: 4, info: { status: 'deployed' } });
    const history = JSON.parse((await helm('history', release, '--output', 'json')).stdout);
    expect(history.map((h: { status: string }) => h.status)).toEqual([
      'superseded',
      'superseded',
      'superseded',
      'deployed'
    ]);
    const manifest = (await helm('get', 'manifest', release)).stdout;
    expect(manifest).toContain(`name: ${app}-deployment`);
    expect(manifest).toContain('kind: Service');
  });

  test('helm test runs the test pod to success', async () => {
    const result = await helm('test', release);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`TEST SUITE:\\s+${app}-test[\\s\\S]*Phase:\\s+Succeeded`)
    );
  });

  test('uninstall deletes the objects, their ReplicaSets and pods, and the release', async () => {
    const result = await helm('uninstall', release);
    expect(result.code).toBe(0);
    const selector = `labelSelector=app.kubernetes.io%2Fname%3D${app}`;
    await eventually(async () => (await appPods()).length === 0);
    expect((await get(`/apis/apps/v1/namespaces/${NS}/replicasets?${selector}`)).items).toEqual([]);
    expect((await get(`/api/v1/namespaces/${NS}/services?${selector}`)).items).toEqual([]);
    expect((await get(`/api/v1/namespaces/${NS}/configmaps?${selector}`)).items).toEqual([]);
    expect(
      (await get(`/api/v1/namespaces/${NS}/secrets?labelSelector=owner%3Dhelm%2Cname%3D${release}`))
        .items
    ).toEqual([]);
  });

  test('install and upgrade --wait follow a StatefulSet and a DaemonSet until they are rolled out', async () => {
    const chart = path.join(home, `stateful-${major}`);
    mkdirSync(path.join(chart, 'templates'), { recursive: true });
    writeFileSync(
      path.join(chart, 'Chart.yaml'),
      `apiVersion: v2\nname: stateful\nversion: 0.1.0\n`
    );
    const workload = (kind: string, extra: string) =>
      [
        'apiVersion: apps/v1',
        `kind: ${kind}`,
        `metadata: { name: {{ .Release.Name }}-${kind.toLowerCase()} }`,
        'spec:',
        extra,
        `  selector: { matchLabels: { app: {{ .Release.Name }}-${kind.toLowerCase()} } }`,
        '  template:',
        `    metadata: { labels: { app: {{ .Release.Name }}-${kind.toLowerCase()} } }`,
        `    spec: { containers: [{ name: app, image: "${IMAGE}:{{ .Values.tag }}" }] }`
      ].join('\n');
    writeFileSync(
      path.join(chart, 'templates', 'all.yaml'),
      [workload('StatefulSet', '  replicas: 2\n  serviceName: db'), workload('DaemonSet', '')].join(
        '\n---\n'
      ) + '\n'
    );
    const name = `stateful-${major}`;
    const status = async (plural: string, kind: string) =>
      (await get(`/apis/apps/v1/namespaces/${NS}/${plural}/${name}-${kind}`)).status;
    for (const tag of ['1.0.0', '1.0.1']) {
      const result = await helm(
        'upgrade',
        name,
        chart,
        '--install',
        '--set-string',
        `tag=${tag}`,
        '--wait',
        '--timeout',
        '60s'
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const sts = await status('statefulsets', 'statefulset');
      expect(sts).toMatchObject({ replicas: 2, readyReplicas: 2, updatedReplicas: 2 });
      expect(sts.currentRevision).toBe(sts.updateRevision);
      expect(await status('daemonsets', 'daemonset')).toMatchObject({
        desiredNumberScheduled: 1,
        numberReady: 1,
        updatedNumberScheduled: 1
      });
    }
  });

  test('install --wait times out on an image that cannot be pulled', async () => {
    const result = await helm(
      'install',
      `${release}-bad`,
      CHART,
      ...values('1', 'ghcr.io/nowhere/missing'),
      '--set',
      `pythonApp.name=${app}-bad`,
      '--wait',
      '--timeout',
      '5s'
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/context deadline exceeded/);
    const [pod] = await appPods(`${app}-bad`);
    expect(pod.status.containerStatuses[0].state.waiting.reason).toBe('ImagePullBackOff');
  });

  test.each([
    [
      'signed for another cluster',
      (exec: Exec) => {
        exec.args[exec.args.indexOf('--cluster-name') + 1] = 'another-cluster';
      }
    ],
    [
      'signed with another secret key',
      (exec: Exec) => {
        const secret = exec.env.find((e) => e.name === 'AWS_SECRET_ACCESS_KEY');
        if (secret) secret.value = 'not-the-cluster-secret-key';
      }
    ]
  ])('a token %s is answered 401', async (label, spoil) => {
    const config = parse(readFileSync(kubeconfig, 'utf8'));
    spoil(config.users[0].user.exec);
    const bad = path.join(home, `bad-${major}-${label.split(' ').pop()}`);
    writeFileSync(bad, stringify(config), { mode: 0o600 });
    const before = cluster.requests.length;
    const result = await run(helmPath(version), ['list', '--namespace', NS], bad);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/provide credentials|Unauthorized/);
    expect(cluster.requests.slice(before).map((r) => r.status)).toContain(401);
  });

  test('the requests match what helm is known to send', () => {
    const seen = helmRequests().map((r) =>
      `${r.method} ${r.path.split('?')[0]} ${r.contentType ?? ''}`.trim()
    );
    expect(seen).toContain(
      `POST /api/v1/namespaces/${NS}/secrets application/vnd.kubernetes.protobuf`
    );
    if (major === '3') {
      expect(seen).toContain(
        `PATCH /api/v1/namespaces/${NS}/services/${app}-service application/strategic-merge-patch+json`
      );
    } else {
      expect(seen).toContain(
        `PATCH /apis/apps/v1/namespaces/${NS}/deployments/${app}-deployment application/apply-patch+yaml`
      );
      expect(
        helmRequests().some(
          (r) => /watch=true/.test(r.path) && /sendInitialEvents=true/.test(r.path)
        )
      ).toBe(true);
    }
  });
});

test('helm 4 takes over a helm 3 release: client-side first, then server-side apply', async () => {
  const name = 'migrated';
  const helm = (version: HelmVersion, tag: string, ...extra: string[]) =>
    run(helmPath(version), [
      'upgrade',
      '--install',
      name,
      CHART,
      '--namespace',
      NS,
      '--set',
      `pythonApp.name=${name}`,
      '--set',
      `pythonApp.image=${IMAGE}`,
      '--set-string',
      `pythonApp.tag=${tag}`,
      '--wait',
      '--timeout',
      '30s',
      ...extra
    ]);
  expect((await helm('v3.17.2', '1.0.0')).code).toBe(0);
  const before = cluster.requests.length;
  expect((await helm('v4.1.4', '2.0.0')).code).toBe(0);
  const patchTypes = () =>
    cluster.requests
      .slice(before)
      .filter((r) => r.method === 'PATCH')
      .map((r) => r.contentType);
  expect(new Set(patchTypes())).toEqual(new Set(['application/strategic-merge-patch+json']));
  const server = await helm('v4.1.4', '3.0.0', '--server-side=true');
  expect(server.stderr).toBe('');
  expect(patchTypes()).toContain('application/apply-patch+yaml');
  const service = await get(`/api/v1/namespaces/${NS}/services/${name}-service`);
  expect(service.spec.clusterIP).toMatch(/^10\.100\./);
  expect(service.status.loadBalancer.ingress).toHaveLength(1);
  const deployment = await get(`/apis/apps/v1/namespaces/${NS}/deployments/${name}-deployment`);
  expect(deployment.spec.template.spec.containers[0].image).toBe(`${IMAGE}:3.0.0`);
  expect(
    deployment.metadata.managedFields.map(
      (m: { manager: string; operation: string }) => `${m.manager}/${m.operation}`
    )
  ).toContain('helm/Apply');
  expect((await run(helmPath('v3.17.2'), ['uninstall', name, '--namespace', NS])).code).toBe(0);
});

test('helm retries answers of 429 Too Many Requests, as client-go does', async () => {
  const remove = cluster.faults.failRequests({
    path: /\/secrets\?labelSelector=/,
    status: 429,
    count: 2
  });
  const before = cluster.requests.length;
  const result = await run(helmPath('v3.17.2'), ['list', '--namespace', NS]);
  remove();
  expect(result.code).toBe(0);
  const secretLists = cluster.requests.slice(before).filter((r) => r.path.includes('/secrets?'));
  expect(secretLists.map((r) => r.status)).toEqual([429, 429, 200]);
});

describe('kubectl', () => {
  const kubectl = (...args: string[]) => run('/usr/bin/kubectl', args, tokenConfig);

  test('get and client-side apply, then server-side apply', async () => {
    const file = path.join(home, 'cm.yaml');
    const manifest = (value: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: smoke\n  namespace: ${NS}\ndata:\n  key: "${value}"\n`;
    writeFileSync(file, manifest('1'));
    expect((await kubectl('apply', '-f', file)).stdout).toContain('configmap/smoke created');
    writeFileSync(file, manifest('2'));
    expect((await kubectl('apply', '-f', file)).stdout).toContain('configmap/smoke configured');
    expect(
      (await kubectl('get', 'configmap', 'smoke', '-n', NS, '-o', 'jsonpath={.data.key}')).stdout
    ).toBe('2');
    writeFileSync(file, manifest('3'));
    const serverSide = await kubectl('apply', '--server-side', '-f', file);
    expect(serverSide.stdout).toContain('configmap/smoke serverside-applied');
    const table = await kubectl('get', 'configmaps', '-n', NS);
    expect(table.stdout).toMatch(/^NAME\s+DATA\s+AGE/);
    expect(table.stdout).toMatch(/smoke\s+1\s+/);
  });

  test('scale and rollout status', async () => {
    const file = path.join(home, 'deployment.yaml');
    writeFileSync(
      file,
      stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'smoke-web', namespace: NS },
        spec: {
          selector: { matchLabels: { app: 'smoke-web' } },
          template: {
            metadata: { labels: { app: 'smoke-web' } },
            spec: { containers: [{ name: 'web', image: `${IMAGE}:1.0.0` }] }
          }
        }
      })
    );
    expect((await kubectl('apply', '-f', file)).stdout).toContain(
      'deployment.apps/smoke-web created'
    );
    const scaled = await kubectl('scale', 'deployment/smoke-web', '--replicas=2', '-n', NS);
    expect(scaled.stdout).toContain('deployment.apps/smoke-web scaled');
    const rollout = await kubectl(
      'rollout',
      'status',
      'deployment/smoke-web',
      '-n',
      NS,
      '--timeout=30s'
    );
    expect(rollout.stdout).toContain('deployment "smoke-web" successfully rolled out');
    const ready = await kubectl(
      'get',
      'deployment',
      'smoke-web',
      '-n',
      NS,
      '-o',
      'jsonpath={.status.readyReplicas}'
    );
    expect(ready.stdout).toBe('2');
  });
});
