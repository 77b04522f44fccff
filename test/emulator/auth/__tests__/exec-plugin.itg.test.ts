// End to end through the real clients: kubectl (and helm, for the v1alpha1 refusal) read the
// seed-shaped kubeconfig, run the real `aws eks get-token` as the exec plugin, and send the
// token as a bearer token to a TLS server that checks it with verifyEksToken.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { helmPath } from '../../../harness/rigs/helm.js';
import { createCertificateAuthority } from '../ca.js';
import { testIdentityArn, verifyEksToken, type EksTokenVerdict } from '../eks-token.js';
import { seedKubeconfig } from '../kubeconfig.js';
import { answerJson, startHttpsProbe, type HttpsProbe } from './https-probe.js';

const execFileAsync = promisify(execFile);
const clusterName = 'basickapp';
const region = 'eu-west-1';
const credentials = {
  accessKeyId: 'AKIAEMULATOR0000TEST',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEMULATORKEY'
};
const version = { major: '1', minor: '32', gitVersion: 'v1.32.0-eks-emulator' };

let probe: HttpsProbe;
let caPem: string;
let dir: string;
const verdicts: EksTokenVerdict[] = [];

beforeAll(async () => {
  const ca = await createCertificateAuthority();
  caPem = ca.caPem;
  probe = await startHttpsProbe(ca, (req, res) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const verdict = verifyEksToken(token, { clusterName, credentials });
    verdicts.push(verdict);
    if (verdict.ok && new URL(req.url ?? '/', probe.url).pathname === '/version')
      return answerJson(res, 200, version);
    answerJson(res, 401, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401
    });
  });
  dir = mkdtempSync(path.join(os.tmpdir(), 'exec-plugin-test-'));
});
afterAll(async () => {
  await probe?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes the seed kubeconfig (optionally with another exec apiVersion or secret key). */
function kubeconfigFile(
  name: string,
  { execApiVersion, secretAccessKey }: { execApiVersion?: string; secretAccessKey?: string }
): string {
  let text = seedKubeconfig({
    url: probe.url,
    caPem,
    clusterName,
    region,
    credentials: { ...credentials, secretAccessKey: secretAccessKey ?? credentials.secretAccessKey }
  });
  if (execApiVersion) {
    text = text.replace('client.authentication.k8s.io/v1alpha1', execApiVersion);
  }
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** Runs a client with no AWS configuration but what the kubeconfig's exec env provides. */
function runClient(binary: string, args: string[]) {
  return execFileAsync(binary, args, {
    timeout: 60_000,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true'
    }
  });
}

describe('the seed kubeconfig with exec apiVersion v1beta1', () => {
  test('kubectl runs the real aws CLI and its bearer token passes verifyEksToken', async () => {
    const kubeconfig = kubeconfigFile('v1beta1', {
      execApiVersion: 'client.authentication.k8s.io/v1beta1'
    });
    const before = probe.requests.length;

    const { stdout } = await runClient('/usr/bin/kubectl', [
      '--kubeconfig',
      kubeconfig,
      'get',
      '--raw',
      '/version'
    ]);

    expect(JSON.parse(stdout)).toEqual(version);
    // kubectl 1.32 asks /version?timeout=5s and then /version: every request carries a token.
    const sent = probe.requests.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    for (const request of sent) {
      expect(request.authorization).toMatch(/^Bearer k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    }
    expect(verdicts.slice(before)).toEqual(
      sent.map(() => ({ ok: true, arn: testIdentityArn, accessKeyId: credentials.accessKeyId }))
    );
  });

  test('a secret key the cluster does not know is answered 401, as kubectl reports it', async () => {
    const kubeconfig = kubeconfigFile('wrong-key', {
      execApiVersion: 'client.authentication.k8s.io/v1beta1',
      secretAccessKey: 'not-the-cluster-key'
    });
    const before = verdicts.length;

    await expect(
      runClient('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, 'get', '--raw', '/version'])
    ).rejects.toMatchObject({
      stderr: expect.stringContaining('error: You must be logged in to the server (Unauthorized)')
    });
    // client-go runs the exec plugin again after a 401 and retries once with the new token.
    expect(verdicts.slice(before).length).toBeGreaterThan(0);
    for (const verdict of verdicts.slice(before)) {
      expect(verdict).toEqual({
        ok: false,
        reason: expect.stringMatching(/^signature does not match/)
      });
    }
  });
});

describe('the seed kubeconfig as-is (exec apiVersion v1alpha1)', () => {
  // Current clients dropped v1alpha1 (client-go 1.24): they refuse before sending anything.
  test.each([
    [
      'kubectl 1.32',
      () => '/usr/bin/kubectl',
      ['get', '--raw', '/version'],
      'error: exec plugin: invalid apiVersion "client.authentication.k8s.io/v1alpha1"'
    ],
    [
      'helm 3.17.2',
      () => helmPath('v3.17.2'),
      ['list'],
      'Error: Kubernetes cluster unreachable: exec plugin: invalid apiVersion "client.authentication.k8s.io/v1alpha1"'
    ],
    [
      'helm 4.1.4',
      () => helmPath('v4.1.4'),
      ['list'],
      'Error: kubernetes cluster unreachable: exec plugin: invalid apiVersion "client.authentication.k8s.io/v1alpha1"'
    ]
  ])('%s refuses it', async (_client, binary, args, error) => {
    const kubeconfig = kubeconfigFile('v1alpha1', {});
    const before = probe.requests.length;

    await expect(runClient(binary(), ['--kubeconfig', kubeconfig, ...args])).rejects.toMatchObject({
      stderr: expect.stringContaining(error)
    });
    expect(probe.requests.length).toBe(before);
  });
});
