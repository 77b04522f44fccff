// Stand-ins for the auth module (test/emulator/auth/, written in parallel) behind the same
// function names: a self-signed certificate made with the openssl CLI, a token check that
// accepts any bearer token in the EKS format (`k8s-aws-v1.` prefix) without verifying it, and a kubeconfig with a static token user.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface CertificateAuthority {
  caPem: string;
  serverCertPem: string;
  serverKeyPem: string;
}

export function createCertificateAuthority(): CertificateAuthority {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'emulator-ca-'));
  try {
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=kube-apiserver',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc'
      ],
      { stdio: 'ignore' }
    );
    const pem = readFileSync(cert, 'utf8');
    return { caPem: pem, serverCertPem: pem, serverKeyPem: readFileSync(key, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type TokenCheck = { ok: true; arn: string } | { ok: false; reason: string };

export function verifyEksToken(
  token: string,
  _options: { clusterName: string; credentials: unknown; now: Date }
): TokenCheck {
  return token.startsWith('k8s-aws-v1.')
    ? { ok: true, arn: 'arn:aws:iam::111122223333:user/emulator' }
    : { ok: false, reason: 'not an EKS token' };
}
