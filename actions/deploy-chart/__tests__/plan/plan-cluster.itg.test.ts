// The plan's edges against the EKS emulator with the real helm 3 and 4: helm renders the
// upgrade with --dry-run=server, the API server dry-runs each object, and nothing is stored.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processRunner } from '../../../shared/src/exec.js';
import { createKubeClient, type KubeClient } from '../../src/cluster/client.js';
import { timeBudget } from '../../src/budget.js';
import { planDeploy } from '../../src/helm-args.js';
import { createHelmCli } from '../../src/helm-cli.js';
import type { Inputs } from '../../src/inputs.js';
import { formatPath } from '../../src/plan/diff.js';
import { counts, type Plan } from '../../src/plan/plan.js';
import { planUpgrade } from '../../src/plan/run.js';
import { startCluster, type Cluster } from '../../../../test/emulator/index.js';
import { kubeRequest } from '../../../../test/emulator/__tests__/client.js';
import { helmPath, HELM_VERSIONS } from '../../../../test/harness/rigs/helm.js';
import { REPO_ROOT } from '../../../../test/harness/runner.js';

const TOKEN = 'plan-edges-token';
const NS = 'omer';
const CHART = path.join(REPO_ROOT, 'charts/python-application');

let cluster: Cluster;
let home: string;
let kubeconfig: string;
let client: KubeClient;

beforeAll(async () => {
  cluster = await startCluster({
    staticTokens: [TOKEN],
    podReadyDelayMs: 100,
    loadBalancerDelayMs: 100
  });
  home = mkdtempSync(path.join(os.tmpdir(), 'plan-edges-'));
  kubeconfig = path.join(home, 'kubeconfig');
  writeFileSync(kubeconfig, cluster.tokenKubeconfig(TOKEN), { mode: 0o600 });
  client = createKubeClient({
    contextName: 'emulator',
    server: cluster.url,
    caPem: cluster.caPem,
    insecureSkipTlsVerify: false,
    token: TOKEN
  });
  process.env.HELM_CACHE_HOME = path.join(home, 'cache');
  process.env.HELM_CONFIG_HOME = path.join(home, 'config');
  process.env.HELM_DATA_HOME = path.join(home, 'data');
});

afterAll(async () => {
  await cluster.stop();
  rmSync(home, { recursive: true, force: true });
});

function valuesFile(name: string, values: string): string {
  const file = path.join(home, `${name}.yaml`);
  writeFileSync(file, values);
  return file;
}

const values = (release: string, tag: string) => `pythonApp:\n  name: ${release}\n  tag: ${tag}\n`;

/** What the plan reads of the inputs: `release` of the chart with one values file, 1m. */
const planInputs = (release: string, file: string) =>
  ({
    release,
    chart: CHART,
    valuesFiles: [file],
    timeout: '1m',
    timeoutMs: 60_000,
    wait: true,
    rollbackOnFailure: false,
    createNamespace: false,
    dryRun: 'none',
    extraArgs: []
  }) as unknown as Inputs;

describe.each(HELM_VERSIONS)('helm %s', (version) => {
  const major = version.startsWith('v3') ? 3 : 4;
  const release = `edges${major}`;
  const helm = () => createHelmCli(helmPath(version), major, kubeconfig);
  const inputs = (file: string) => planInputs(release, file);
  const plan = (tag: string) =>
    planUpgrade(
      helm(),
      client,
      planDeploy(inputs(valuesFile(release, values(release, tag))), NS, [], timeBudget(60_000)) // timeout: 1m
    );
  const deploy = (tag: string) =>
    processRunner.run(
      helmPath(version),
      [
        'upgrade',
        release,
        CHART,
        '--install',
        '-n',
        NS,
        '-f',
        valuesFile(release, values(release, tag))
      ],
      { silent: true, env: { KUBECONFIG: kubeconfig } }
    );
  const summary = (p: Plan) =>
    p.entries.map(
      (e) =>
        `${e.action} ${e.ref.kind}${e.action === 'change' ? ` ${e.fields.map((f) => `${formatPath(f.path)}${f.drift ? ' (drift)' : ''}`).join(', ')}` : ''}`
    );

  test('a first install is all additions, and plans write nothing', async () => {
    const from = cluster.requests.length;
    const p = await plan('v1');
    expect(p.failure).toBeUndefined();
    expect(p.firstInstall).toBe(true);
    expect(summary(p)).toEqual(['add ConfigMap', 'add Service', 'add Deployment']);
    const writes = cluster.requests.slice(from).filter((r) => r.method !== 'GET');
    expect(writes.length).toBe(3);
    for (const write of writes) expect(write.path).toContain('dryRun=All');
    expect(
      (
        await kubeRequest(
          cluster,
          TOKEN,
          'GET',
          `/api/v1/namespaces/${NS}/configmaps/${release}-configmap`
        )
      ).status
    ).toBe(404);
  });

  test('after a deploy: the same values change nothing, a new tag changes one field', async () => {
    expect((await deploy('v1')).exitCode).toBe(0);
    const same = await plan('v1');
    expect(same.failure).toBeUndefined();
    expect(summary(same)).toEqual([]);
    expect(same.unchanged).toBe(3);
    // The chart puts the tag in the app.kubernetes.io/version label of every object.
    expect(summary(await plan('v2'))).toEqual([
      'change ConfigMap metadata.labels["app.kubernetes.io/version"]',
      'change Service metadata.labels["app.kubernetes.io/version"]',
      'change Deployment metadata.labels["app.kubernetes.io/version"], spec.template.metadata.labels["app.kubernetes.io/version"], spec.template.spec.containers[name=python-app].image'
    ]);
  });

  test('an object edited by hand is drift the deploy resets', async () => {
    const edited = await kubeRequest(
      cluster,
      TOKEN,
      'PATCH',
      `/apis/apps/v1/namespaces/${NS}/deployments/${release}-deployment?fieldManager=kubectl-edit`,
      {
        body: { spec: { replicas: 3 } },
        contentType: 'application/merge-patch+json'
      }
    );
    expect(edited.status).toBe(200);
    const p = await plan('v1');
    if (major === 3) expect(summary(p)).toEqual(['change Deployment spec.replicas (drift)']);
    else
      expect(p.failure).toMatchObject({
        stage: 'server',
        object: { kind: 'Deployment' },
        reason: expect.stringMatching(/409 Conflict.*kubectl-edit/)
      });
    expect(counts(p).changed).toBe(major === 3 ? 1 : 0);
  });
});

test('helm 4 planning a release helm 3 recorded: it patches client-side, so drift is reset, not a conflict', async () => {
  const release = 'cross';
  const file = valuesFile(release, values(release, 'v1'));
  const upgrade = (version: (typeof HELM_VERSIONS)[number]) =>
    processRunner.run(
      helmPath(version),
      ['upgrade', release, CHART, '--install', '-n', NS, '-f', file],
      {
        silent: true,
        env: { KUBECONFIG: kubeconfig }
      }
    );
  expect((await upgrade('v3.17.2')).exitCode).toBe(0);
  const path = `/apis/apps/v1/namespaces/${NS}/deployments/${release}-deployment`;
  const edited = await kubeRequest(cluster, TOKEN, 'PATCH', `${path}?fieldManager=kubectl-edit`, {
    body: { spec: { replicas: 3 } },
    contentType: 'application/merge-patch+json'
  });
  expect(edited.status).toBe(200);
  const inputs = planInputs(release, file);
  const plan = await planUpgrade(
    createHelmCli(helmPath('v4.1.4'), 4, kubeconfig),
    client,
    planDeploy(inputs, NS, [], timeBudget(inputs.timeoutMs))
  );
  expect(plan.failure).toBeUndefined();
  expect(plan.entries).toMatchObject([
    { action: 'change', fields: [{ path: ['spec', 'replicas'], before: 3, after: 1, drift: true }] }
  ]);
  expect((await upgrade('v4.1.4')).exitCode).toBe(0);
  expect((await kubeRequest(cluster, TOKEN, 'GET', path)).body.spec.replicas).toBe(1);
});
