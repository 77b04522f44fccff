import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { createCertificateAuthority, type CertificateAuthority } from '../ca.js';
import { startHttpsProbe, type HttpsProbe } from './https-probe.js';

const execFileAsync = promisify(execFile);
const kubectl = (...args: string[]) => execFileAsync('/usr/bin/kubectl', args, { timeout: 60_000 });
let ca: CertificateAuthority;
let probe: HttpsProbe;
let dir: string;

beforeAll(async () => {
  ca = await createCertificateAuthority();
  probe = await startHttpsProbe(ca, (_req, res) => res.end('ok'));
  dir = mkdtempSync(path.join(os.tmpdir(), 'ca-test-'));
});
afterAll(async () => {
  await probe?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the generated certificates', () => {
  test('the CA may sign certificates, as Go requires of a root', () => {
    const root = new X509Certificate(ca.caPem);
    expect(root.ca).toBe(true);
    expect(root.checkIssued(root)).toBe(true);
    expect(root.verify(root.publicKey)).toBe(true);
  });

  test('the server certificate is signed by the CA, names 127.0.0.1 and localhost, is valid now', () => {
    const root = new X509Certificate(ca.caPem);
    const leaf = new X509Certificate(ca.serverCertPem);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(root)).toBe(true);
    expect(leaf.verify(root.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('localhost')).toBe('localhost');
    const now = Date.now();
    expect(Date.parse(leaf.validFrom)).toBeLessThan(now);
    expect(Date.parse(leaf.validTo)).toBeGreaterThan(now);
    expect(leaf.checkPrivateKey(createPrivateKey(ca.serverKeyPem))).toBe(true);
  });

  test('each call makes a fresh CA', async () => {
    const other = await createCertificateAuthority();
    expect(other.caPem).not.toBe(ca.caPem);
    expect(new X509Certificate(other.serverCertPem).serialNumber).not.toBe(
      new X509Certificate(ca.serverCertPem).serialNumber
    );
  });
});

describe('TLS with the generated certificates', () => {
  test.each([
    ['127.0.0.1', () => probe.url],
    ['localhost', () => probe.url.replace('127.0.0.1', 'localhost')]
  ])('a Node client trusting only caPem connects by %s', async (_name, url) => {
    expect(await fetchText(url(), ca.caPem)).toBe('ok');
  });

  test('a Node client without caPem refuses the server (verification is really on)', async () => {
    await expect(fetchText(probe.url, undefined)).rejects.toThrow(
      /self-signed|unable to verify|local issuer/i
    );
  });

  test('real kubectl (Go crypto/x509) trusts the server through certificate-authority-data', async () => {
    const kubeconfig = path.join(dir, 'ca-only.yaml');
    writeFileSync(kubeconfig, clusterOnlyKubeconfig(probe.url, ca.caPem));
    const { stdout } = await kubectl('--kubeconfig', kubeconfig, 'get', '--raw', '/healthz');
    expect(stdout).toBe('ok');
  });

  test('real kubectl refuses the same server under a different CA', async () => {
    const stranger = await createCertificateAuthority();
    const kubeconfig = path.join(dir, 'wrong-ca.yaml');
    writeFileSync(kubeconfig, clusterOnlyKubeconfig(probe.url, stranger.caPem));
    await expect(
      kubectl('--kubeconfig', kubeconfig, 'get', '--raw', '/healthz')
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(/certificate signed by unknown authority/)
    });
  });
});

function fetchText(url: string, caPem: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { ca: caPem }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

function clusterOnlyKubeconfig(server: string, caPem: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'c',
        cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') }
      }
    ],
    contexts: [{ name: 'c', context: { cluster: 'c', user: 'probe' } }],
    'current-context': 'c',
    // With no credentials at all kubectl would prompt for a username on stdin and hang.
    users: [{ name: 'probe', user: { token: 'unused-by-the-probe' } }]
  });
}
