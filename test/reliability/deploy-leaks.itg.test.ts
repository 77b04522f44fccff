// deploy-chart with the seed's kind of KUBECONFIG secret — base64, an `aws eks get-token` exec
// user carrying the AWS keys — against the EKS emulator, with step debug on. A success, a 401
// (wrong AWS secret key), a bad image that fails fast, and a success with a raw-YAML
// static-token kubeconfig (masked by its fields, not whole) are each scanned, in the log the
// runner renders, the file commands and everything left under RUNNER_TEMP, for the encoded
// kubeconfig, both AWS secret keys, any EKS token, and their base64 forms: zero hits.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedKubeconfig } from '../emulator/auth/kubeconfig.js';
import { startCluster, type Cluster } from '../emulator/index.js';
import { startHelmMirror, type HelmMirror } from '../harness/rigs/helm-mirror.js';
import { releaseReader, type ReleaseReader } from './support/release.js';
import type { SecretFixture } from './support/secrets.js';
import { expectNothingLeaked, runStep, STACK_FRAME, type Step } from './support/step.js';

// Generous: this machine's load, not the action, decides how long real helm/dockerd take.
jest.setTimeout(300_000);

const NS = 'omer';
const READER_TOKEN = 'reliability-leaks-reader-token-51c2';
const CREDENTIALS = {
  accessKeyId: 'AKIARELIABILITY00001',
  secretAccessKey: randomBytes(30).toString('base64')
};
const YAML_TOKEN = `reliability-yaml-token-${randomBytes(8).toString('hex')}`;
const WRONG_SECRET_KEY = randomBytes(30).toString('base64');
const GOOD = 'pythonApp.image=registry.local/python-app\npythonApp.tag=v1';
const BAD = 'pythonApp.image=ghcr.io/nobody/missing-app\npythonApp.tag=v404';

let cluster: Cluster;
let mirror: HelmMirror;
let releases: ReleaseReader;
let toolCache: string;

beforeAll(async () => {
  [cluster, mirror] = await Promise.all([
    startCluster({
      credentials: CREDENTIALS,
      staticTokens: [READER_TOKEN],
      podReadyDelayMs: 300,
      loadBalancerDelayMs: 200,
      pullableImages: [/^registry\.local\//]
    }),
    startHelmMirror()
  ]);
  releases = releaseReader(cluster, READER_TOKEN, NS);
  toolCache = mkdtempSync(path.join(os.tmpdir(), 'reliability-toolcache-'));
});

afterAll(async () => {
  await Promise.all([cluster?.stop(), mirror?.stop()]);
  releases?.remove();
  if (toolCache) rmSync(toolCache, { recursive: true, force: true });
});

function secrets(kubeconfig: string): SecretFixture[] {
  return [
    { name: 'static token of the raw-YAML kubeconfig', value: YAML_TOKEN },
    { name: 'kubeconfig input', value: kubeconfig },
    { name: 'AWS secret access key', value: CREDENTIALS.secretAccessKey },
    { name: 'wrong AWS secret access key', value: WRONG_SECRET_KEY }
  ];
}

function deploy(
  name: string,
  release: string,
  set: string,
  kubeconfig: string,
  more: { inputs?: Record<string, string>; secrets?: SecretFixture[] } = {}
): Promise<Step> {
  return runStep('deploy-chart', {
    label: { file: 'deploy-leaks', step: name },
    inputs: {
      kubeconfig,
      release,
      namespace: NS,
      set: `pythonApp.name=${release}\n${set}`,
      timeout: '3m',
      'helm-mirror': mirror.url,
      ...more.inputs
    },
    env: { RUNNER_TOOL_CACHE: toolCache },
    secrets: [...secrets(kubeconfig), ...(more.secrets ?? [])],
    timeoutMs: 170_000
  });
}

const base64 = (text: string) => Buffer.from(text).toString('base64');

describe('deploy-chart with step debug on never shows a secret', () => {
  test('a successful deploy', async () => {
    const step = await deploy(
      'success (aws exec user)',
      'leaks-ok',
      GOOD,
      cluster.kubeconfigBase64
    );
    expect(step.main.errors).toEqual([]);
    expect(step.main.exitCode).toBe(0);
    expect((await releases.history('leaks-ok')).at(-1)?.status).toBe('deployed');
    // An EKS token really was minted (the action masks its own): the scan had one to find.
    expect(step.main.stdout).toMatch(/^::add-mask::k8s-aws-v1\./m);
    expectNothingLeaked(step);
  });

  test('a successful deploy with a raw-YAML kubeconfig (static token user)', async () => {
    const yaml = cluster.tokenKubeconfig(YAML_TOKEN);
    const step = await deploy('success (raw YAML, static token)', 'leaks-yaml', GOOD, yaml);
    expect(step.main.errors).toEqual([]);
    expect(step.main.exitCode).toBe(0);
    expectNothingLeaked(step);
  });

  // helm --set would put the value on the command line the action logs; the set input hands
  // every string to helm in a 0600 file, and the logged command line hides --password.
  test('a value in set and a --password in extra-args stay out of the log', async () => {
    const inSet = `set-secret-${randomBytes(8).toString('hex')}`;
    const password = `repo-password-${randomBytes(8).toString('hex')}`;
    const step = await deploy(
      'secrets in set and extra-args',
      'leaks-set',
      `${GOOD}\npythonApp.imagePullSecrets[0]=${inSet}`,
      cluster.kubeconfigBase64,
      {
        inputs: { 'extra-args': `--username bot --password ${password}` },
        secrets: [
          { name: 'a secret value in set', value: inSet },
          { name: 'a chart repository password in extra-args', value: password }
        ]
      }
    );
    expect(step.main.errors).toEqual([]);
    expect(step.main.exitCode).toBe(0);
    expect(step.main.stdout).toMatch(/--set-file pythonApp\.imagePullSecrets\[0\]=\S+ /);
    expect(step.main.stdout).toMatch(/--password \*\*\*/);
    expectNothingLeaked(step);
  });

  test('a 401 from the cluster (wrong AWS secret key)', async () => {
    const wrong = base64(
      seedKubeconfig({
        url: cluster.url,
        caPem: cluster.caPem,
        clusterName: 'basickapp',
        region: 'eu-west-1',
        credentials: { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: WRONG_SECRET_KEY }
      })
    );
    const step = await deploy('401 from the cluster', 'leaks-401', GOOD, wrong);
    expect(step.main.exitCode).toBe(1);
    expect(step.main.errors).toHaveLength(1);
    expect(step.main.errors[0]).toMatch(/401/);
    expect(step.log).not.toMatch(STACK_FRAME);
    expect(cluster.requests.some((r) => r.status === 401)).toBe(true);
    expectNothingLeaked(step);
  });

  test('a bad image that fails fast', async () => {
    const step = await deploy('bad image, fail-fast', 'leaks-bad', BAD, cluster.kubeconfigBase64);
    expect(step.main.exitCode).toBe(1);
    expect(step.main.errors).toHaveLength(1);
    expect(step.main.errors[0]).toMatch(/ErrImagePull|ImagePullBackOff/);
    expect(step.log).not.toMatch(STACK_FRAME);
    expect((await releases.history('leaks-bad')).at(-1)?.status).toBe('failed');
    expectNothingLeaked(step);
  });
});
