import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ActionError } from '../../../shared/src/errors.js';
import type { ClusterAccess } from '../../src/cluster-access.js';
import { createKubeClient } from '../../src/cluster/client.js';
import {
  explainForbidden,
  explainUnauthorized,
  explainUnreachable,
  preflight
} from '../../src/cluster/preflight.js';
import { sendJson, sendStatus, startLoopbackApi, type LoopbackApi } from './loopback-api.js';
import { captureStdout } from './capture-stdout.js';

const eksAccess: ClusterAccess = {
  contextName: 'demo',
  server: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
  insecureSkipTlsVerify: false,
  exec: {
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    command: 'aws',
    args: ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'demo-cluster'],
    env: { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' }
  }
};

test.each([
  ['ECONNREFUSED', /Nothing accepts connections at 127.0.0.1:6443/],
  ['ENOTFOUND', /host name 127.0.0.1:6443 does not resolve/],
  ['ETIMEDOUT', /publicAccessCidrs/],
  ['SELF_SIGNED_CERT_IN_CHAIN', /not signed by the kubeconfig's certificate-authority-data/],
  ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /not signed by the kubeconfig's certificate-authority-data/],
  ['ERR_TLS_CERT_ALTNAME_INVALID', /does not name 127.0.0.1:6443/],
  ['CERT_HAS_EXPIRED', /runner's clock/],
  ['EPROTO', /really an https endpoint/],
  ['ESOMETHING', /runner's network access/]
])('unreachable with %s', (code, hint) => {
  const error = explainUnreachable('https://127.0.0.1:6443', code, 'detail');
  expect(error.message).toMatch(
    new RegExp(
      `^cannot reach the Kubernetes API server https://127.0.0.1:6443: ${code} \\(detail\\)\\n`
    )
  );
  expect(error.message).toMatch(hint);
});

test.each<[string, ClusterAccess, RegExp[]]>([
  [
    'aws exec',
    eksAccess,
    [
      /AWS_ACCESS_KEY_ID/,
      /access entry/,
      /aws-auth ConfigMap/,
      /cluster name \(demo-cluster\) and region \(eu-west-1\)/
    ]
  ],
  [
    'aws exec with region in env',
    {
      ...eksAccess,
      exec: {
        ...eksAccess.exec!,
        args: ['eks', 'get-token', '--cluster-name', 'c'],
        env: { AWS_DEFAULT_REGION: 'us-east-2' }
      }
    },
    [/region \(us-east-2\)/]
  ],
  [
    'aws-iam-authenticator',
    {
      ...eksAccess,
      exec: {
        ...eksAccess.exec!,
        command: 'aws-iam-authenticator',
        args: ['token', '-i', 'legacy']
      }
    },
    [/cluster name \(legacy\)/]
  ],
  [
    'other exec plugin',
    { ...eksAccess, exec: { ...eksAccess.exec!, command: 'kubelogin' } },
    [/exec plugin "kubelogin"/]
  ],
  ['token', { ...eksAccess, exec: undefined, token: 't' }, [/token is expired, revoked/]],
  [
    'client certificate',
    { ...eksAccess, exec: undefined, clientCertPem: 'c', clientKeyPem: 'k' },
    [/client certificate is expired/]
  ],
  ['nothing', { ...eksAccess, exec: undefined }, [/sends no usable credentials/]]
])('401 with %s', (_name, access, hints) => {
  const error = explainUnauthorized(access, 'Unauthorized');
  expect(error.message).toMatch(
    /^the Kubernetes API server https:\/\/ABC\.gr7\.eu-west-1\.eks\.amazonaws\.com rejected the credentials \(401 Unauthorized: Unauthorized\)\n/
  );
  for (const hint of hints) expect(error.message).toMatch(hint);
});

test.each<[string, ClusterAccess, RegExp]>([
  ['aws', eksAccess, /permissions in "web": an EKS access policy/],
  ['token', { ...eksAccess, exec: undefined, token: 't' }, /RBAC permissions in "web"/]
])('403 with %s', (_name, access, hint) => {
  expect(explainForbidden(access, 'web', 'namespaces "web" is forbidden').message).toMatch(hint);
});

describe('preflight against an API server', () => {
  let api: LoopbackApi;
  const stdout = captureStdout();
  beforeAll(async () => {
    api = await startLoopbackApi();
    api.route('GET', '/version', (req, res) =>
      req.headers.authorization === 'Bearer good'
        ? sendJson(res, 200, { gitVersion: 'v1.32.1-eks-1' })
        : sendStatus(res, 401, 'Unauthorized', 'Unauthorized')
    );
    api.route('GET', '/api/v1/namespaces/web', (_req, res) =>
      sendJson(res, 200, { metadata: { name: 'web' } })
    );
    api.route('GET', '/api/v1/namespaces/missing', (_req, res) =>
      sendStatus(res, 404, 'NotFound', 'namespaces "missing" not found')
    );
    api.route('GET', '/api/v1/namespaces/scoped', (_req, res) =>
      sendStatus(res, 403, 'Forbidden', 'cannot get namespaces at the cluster scope')
    );
    api.route('GET', '/api/v1/namespaces/scoped/secrets', (_req, res) =>
      sendJson(res, 200, { items: [] })
    );
    api.route('GET', '/api/v1/namespaces/locked', (_req, res) =>
      sendStatus(res, 403, 'Forbidden', 'cannot get namespaces')
    );
    api.route('GET', '/api/v1/namespaces/locked/secrets', (_req, res) =>
      sendStatus(res, 403, 'Forbidden', 'secrets is forbidden')
    );
  });
  afterAll(() => api.close());

  const access = (token: string): ClusterAccess => ({
    contextName: 'c',
    server: api.url,
    insecureSkipTlsVerify: false,
    token
  });
  const run = (token: string, namespace: string, createNamespace = false) =>
    preflight(createKubeClient(access(token)), access(token), { namespace, createNamespace });

  test('passes and reports the server version', async () => {
    await expect(run('good', 'web')).resolves.toEqual({ serverVersion: 'v1.32.1-eks-1' });
    expect(stdout.text()).toContain(`Kubernetes API server ${api.url} answers: v1.32.1-eks-1`);
  });

  test('rejected credentials: 401 explained', async () => {
    const error = await run('wrong', 'web').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toMatch(
      /rejected the credentials \(401 Unauthorized: Unauthorized\)\nThe kubeconfig token is expired/
    );
  });

  test('missing namespace', async () => {
    await expect(run('good', 'missing')).rejects.toThrow(
      `namespace "missing" does not exist in the cluster at ${api.url}\nCreate it first (kubectl create namespace missing), fix the namespace input, or set create-namespace: true.`
    );
  });

  test('missing namespace is fine with create-namespace', async () => {
    await expect(run('good', 'missing', true)).resolves.toEqual({ serverVersion: 'v1.32.1-eks-1' });
  });

  test("a namespace-scoped identity passes when it can read the namespace's Secrets", async () => {
    await expect(run('good', 'scoped')).resolves.toEqual({ serverVersion: 'v1.32.1-eks-1' });
  });

  test('an identity that cannot read Secrets in the namespace: 403 explained', async () => {
    await expect(run('good', 'locked')).rejects.toThrow(
      /refused access to namespace "locked" \(403 Forbidden: secrets is forbidden\)\nGrant this identity RBAC/
    );
  });

  test('unreachable server: the URL and the error code', async () => {
    const closed = await startLoopbackApi();
    await closed.close();
    const gone: ClusterAccess = { ...access('good'), server: closed.url };
    await expect(
      preflight(createKubeClient(gone), gone, { namespace: 'web', createNamespace: false })
    ).rejects.toThrow(
      new RegExp(`^cannot reach the Kubernetes API server ${closed.url}: ECONNREFUSED`)
    );
  });
});
