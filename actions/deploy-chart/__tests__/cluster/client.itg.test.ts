import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { processRunner, type ProcessRunner, type RunOptions } from '../../../shared/src/exec.js';
import type { ClusterAccess } from '../../src/cluster-access.js';
import {
  apiUrl,
  createKubeClient,
  KubeApiError,
  KubeNetworkError,
  parseStatus,
  type WatchEvent
} from '../../src/cluster/client.js';
import { ExecPluginError } from '../../src/cluster/exec-credential.js';
import {
  makePki,
  sendJson,
  sendStatus,
  startLoopbackApi,
  type LoopbackApi,
  type TestPki
} from './loopback-api.js';
import { captureStdout } from './capture-stdout.js';

let pki: TestPki;
let api: LoopbackApi;

beforeAll(async () => {
  pki = makePki();
  api = await startLoopbackApi(pki);
  api.route('GET', '/version', (_req, res) => sendJson(res, 200, { gitVersion: 'v1.32.0' }));
  api.route('GET', '/api/v1/namespaces/web/pods', (_req, res, url) =>
    sendJson(res, 200, {
      metadata: { resourceVersion: '7' },
      items: [{ metadata: { name: url.searchParams.get('labelSelector') } }]
    })
  );
  api.route('GET', '/api/v1/namespaces/missing', (_req, res) =>
    sendStatus(res, 404, 'NotFound', 'namespaces "missing" not found')
  );
  api.route('GET', '/gateway', (_req, res) => {
    res.writeHead(502);
    res.end('upstream connect error');
  });
  api.route('DELETE', '/api/v1/namespaces/web/pods/p1', (_req, res) =>
    sendJson(res, 200, { kind: 'Status', status: 'Success' })
  );
  api.route('GET', '/api/v1/namespaces/web/pods/p1/log', (_req, res, url) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(
      `tail=${url.searchParams.get('tailLines')} container=${url.searchParams.get('container')}\n`
    );
  });
});
afterAll(() => api.close());

const access = (extra: Partial<ClusterAccess> = {}): ClusterAccess => ({
  contextName: 'test',
  server: api.url,
  caPem: pki.caPem,
  insecureSkipTlsVerify: false,
  ...extra
});

function lastRequest() {
  return api.requests[api.requests.length - 1];
}

describe('TLS and authentication', () => {
  test('verifies the server with the kubeconfig CA and sends the bearer token', async () => {
    const client = createKubeClient(access({ token: 'sekret-token' }));
    await expect(client.get('/version')).resolves.toEqual({ gitVersion: 'v1.32.0' });
    expect(lastRequest().headers.authorization).toBe('Bearer sekret-token');
  });

  test("a CA from another cluster is a certificate error with Node's code", async () => {
    const error = await createKubeClient(access({ caPem: pki.otherCaPem }))
      .get('/version')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeNetworkError);
    expect((error as KubeNetworkError).code).toMatch(
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN/
    );
  });

  test('insecure-skip-tls-verify accepts any certificate', async () => {
    const client = createKubeClient(access({ caPem: undefined, insecureSkipTlsVerify: true }));
    await expect(client.get('/version')).resolves.toEqual({ gitVersion: 'v1.32.0' });
  });

  test('presents the client certificate', async () => {
    const client = createKubeClient(
      access({ clientCertPem: pki.clientCertPem, clientKeyPem: pki.clientKeyPem })
    );
    await client.get('/version');
    expect(lastRequest().clientCn).toBe('deployer');
    expect(lastRequest().headers.authorization).toBeUndefined();
  });

  test.each<[string, Partial<ClusterAccess>, string | undefined]>([
    ['a static token', { token: 'static' }, 'static'],
    ['a client certificate', { clientCertPem: 'c', clientKeyPem: 'k' }, undefined]
  ])('the bearer token handed to helm with %s', async (_name, extra, want) => {
    await expect(createKubeClient(access(extra)).bearerToken()).resolves.toBe(want);
  });

  test('sends basic auth', async () => {
    await createKubeClient(access({ username: 'admin', password: 'pw' })).get('/version');
    expect(lastRequest().headers.authorization).toBe(
      `Basic ${Buffer.from('admin:pw').toString('base64')}`
    );
  });

  test('a refused connection is a network error with ECONNREFUSED', async () => {
    const closed = await startLoopbackApi();
    const url = closed.url;
    await closed.close();
    const error = await createKubeClient(access({ server: url }))
      .get('/version')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', url: `${url}/version` });
  });
});

describe('exec credential plugin', () => {
  const stdout = captureStdout();

  function fakeRunner(tokens: string[], expiresAt?: () => string) {
    const calls: Array<{ command: string; args: string[]; options?: RunOptions }> = [];
    const runner: ProcessRunner = {
      run: async (command, args, options) => {
        calls.push({ command, args, options });
        const token = tokens[Math.min(calls.length - 1, tokens.length - 1)];
        const status = { token, ...(expiresAt ? { expirationTimestamp: expiresAt() } : {}) };
        return {
          exitCode: 0,
          stdout: JSON.stringify({ kind: 'ExecCredential', status }),
          stderr: ''
        };
      }
    };
    return { runner, calls };
  }
  const tokenPlan = { runCli: 'the test runs the plugin' };
  const exec = {
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    command: 'aws',
    args: ['eks', 'get-token'],
    env: { AWS_ACCESS_KEY_ID: 'AKIA' }
  };

  test('runs the plugin once while its token is fresh, with its env and KUBERNETES_EXEC_INFO', async () => {
    let clock = Date.parse('2026-11-25T12:00:00Z');
    const { runner, calls } = fakeRunner(['t1', 't2'], () =>
      new Date(clock + 15 * 60_000).toISOString()
    );
    const client = createKubeClient(access({ exec }), { runner, tokenPlan, now: () => clock });
    await client.get('/version');
    await client.get('/version');
    expect(calls).toHaveLength(1);
    expect(lastRequest().headers.authorization).toBe('Bearer t1');
    expect(stdout.chunks).toContain('::add-mask::t1\n');
    expect(calls[0].options?.silent).toBe(true);
    expect(calls[0].options?.env?.AWS_ACCESS_KEY_ID).toBe('AKIA');
    expect(JSON.parse(calls[0].options?.env?.KUBERNETES_EXEC_INFO ?? '')).toMatchObject({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential'
    });
    await expect(client.bearerToken()).resolves.toBe('t1'); // the cached one, for helm
    expect(calls).toHaveLength(1);
    clock += 15 * 60_000; // expired (within the 30 s margin)
    await client.get('/version');
    expect(calls).toHaveLength(2);
    expect(lastRequest().headers.authorization).toBe('Bearer t2');
  });

  test('a 401 for a cached token runs the plugin again and retries once', async () => {
    api.route('GET', '/whoami', (req, res) =>
      req.headers.authorization === 'Bearer fresh'
        ? sendJson(res, 200, { ok: true })
        : sendStatus(res, 401, 'Unauthorized', 'Unauthorized')
    );
    const { runner, calls } = fakeRunner(['revoked', 'fresh']);
    const client = createKubeClient(access({ exec }), { runner, tokenPlan });
    await client.get('/version'); // caches "revoked", which has no expiry
    await expect(client.get('/whoami')).resolves.toEqual({ ok: true });
    expect(calls).toHaveLength(2);
  });

  test('a freshly minted token that is refused is a 401 KubeApiError, without running the plugin again', async () => {
    const { runner, calls } = fakeRunner(['bad']);
    const error = await createKubeClient(access({ exec }), { runner, tokenPlan })
      .get('/whoami')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 401, reason: 'Unauthorized' });
    expect(calls).toHaveLength(1);
  });

  test('runs a real plugin process with its env on top of ours', async () => {
    const plugin = {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: process.execPath,
      args: [
        '-e',
        'console.log(JSON.stringify({ status: { token: process.env.PLUGIN_TOKEN + "-" + (process.env.PATH ? "path" : "nopath") } }))'
      ],
      env: { PLUGIN_TOKEN: 'from-env' }
    };
    await createKubeClient(access({ exec: plugin }), { runner: processRunner, tokenPlan }).get(
      '/version'
    );
    expect(lastRequest().headers.authorization).toBe('Bearer from-env-path');
  });

  test.each([
    [
      'exits non-zero',
      { exitCode: 255, stdout: '', stderr: 'An error occurred (InvalidClientTokenId)' },
      /exited with code 255: An error occurred \(InvalidClientTokenId\)/
    ],
    [
      'prints no JSON',
      { exitCode: 0, stdout: 'hello', stderr: '' },
      /printed no ExecCredential JSON/
    ],
    [
      'prints no token',
      { exitCode: 0, stdout: '{"status":{}}', stderr: '' },
      /without status.token/
    ]
  ])('a plugin that %s is an ExecPluginError', async (_name, result, message) => {
    const runner: ProcessRunner = { run: async () => result };
    const error = await createKubeClient(access({ exec }), { runner, tokenPlan })
      .get('/version')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecPluginError);
    expect((error as Error).message).toMatch(message);
  });
});

describe('requests', () => {
  test('lists with a label selector', async () => {
    const list = await createKubeClient(access()).list('/api/v1/namespaces/web/pods', {
      labelSelector: 'app.kubernetes.io/instance=web'
    });
    expect(list.items).toEqual([{ metadata: { name: 'app.kubernetes.io/instance=web' } }]);
  });

  test('an error answer carries the status code and the Status message', async () => {
    const error = await createKubeClient(access())
      .get('/api/v1/namespaces/missing')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).toMatchObject({
      statusCode: 404,
      reason: 'NotFound',
      kubeMessage: 'namespaces "missing" not found'
    });
    expect((error as Error).message).toBe(
      `GET ${api.url}/api/v1/namespaces/missing: 404 NotFound: namespaces "missing" not found`
    );
  });

  test('a non-JSON error answer keeps its text', async () => {
    const error = await createKubeClient(access())
      .get('/gateway')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      statusCode: 502,
      reason: 'Bad Gateway',
      kubeMessage: 'upstream connect error'
    });
  });

  test('reads logs as text and deletes', async () => {
    const client = createKubeClient(access());
    await expect(
      client.getText('/api/v1/namespaces/web/pods/p1/log', { container: 'app', tailLines: 20 })
    ).resolves.toBe('tail=20 container=app\n');
    await expect(client.delete('/api/v1/namespaces/web/pods/p1')).resolves.toBeUndefined();
    expect(lastRequest().method).toBe('DELETE');
  });
});

describe('watch', () => {
  const event = (type: string, name: string) =>
    JSON.stringify({ type, object: { metadata: { name } } }) + '\n';

  test('delivers events split across chunks, until the server ends the stream', async () => {
    api.route('GET', '/watch/split', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const text = event('ADDED', 'a') + event('MODIFIED', 'b');
      res.write(text.slice(0, 10));
      setTimeout(() => res.end(text.slice(10)), 20);
    });
    const events: Array<WatchEvent<{ metadata: { name: string } }>> = [];
    await createKubeClient(access()).watch<{ metadata: { name: string } }>(
      '/watch/split',
      { labelSelector: 'x=y' },
      (e) => events.push(e),
      new AbortController().signal
    );
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED a',
      'MODIFIED b'
    ]);
    expect(lastRequest().url.searchParams.get('watch')).toBe('true');
  });

  test('an ERROR event (410 Expired) rejects so the caller lists again', async () => {
    api.route('GET', '/watch/expired', (_req, res) => {
      res.writeHead(200);
      res.write(
        JSON.stringify({
          type: 'ERROR',
          object: {
            kind: 'Status',
            code: 410,
            reason: 'Expired',
            message: 'too old resource version'
          }
        }) + '\n'
      );
    });
    const error = await createKubeClient(access())
      .watch('/watch/expired', {}, () => {}, new AbortController().signal)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 410, reason: 'Expired' });
  });

  test('aborting ends an open watch quietly', async () => {
    api.route('GET', '/watch/open', (_req, res) => {
      res.writeHead(200);
      res.write(event('ADDED', 'a'));
    });
    const controller = new AbortController();
    const seen: string[] = [];
    const watching = createKubeClient(access()).watch<{ metadata: { name: string } }>(
      '/watch/open',
      {},
      (e) => {
        seen.push(e.object.metadata.name);
        controller.abort();
      },
      controller.signal
    );
    await expect(watching).resolves.toBeUndefined();
    expect(seen).toEqual(['a']);
  });
});

test.each([
  ['https://eks.example', '/version', {}, 'https://eks.example/version'],
  [
    'https://rancher.example/k8s/clusters/c-1/',
    '/api/v1/pods',
    { labelSelector: 'a=b,c in (d)' },
    'https://rancher.example/k8s/clusters/c-1/api/v1/pods?labelSelector=a%3Db%2Cc+in+%28d%29'
  ],
  [
    'https://eks.example:6443',
    '/api',
    { limit: 1, skip: undefined },
    'https://eks.example:6443/api?limit=1'
  ]
])('apiUrl(%s, %s)', (server, path, query, want) =>
  expect(apiUrl(server, path, query).toString()).toBe(want)
);

test.each([
  [
    403,
    '{"kind":"Status","reason":"Forbidden","message":"pods is forbidden"}',
    { reason: 'Forbidden', message: 'pods is forbidden' }
  ],
  [
    401,
    '{"kind":"Status","message":"Unauthorized","code":401}',
    { reason: 'Unauthorized', message: 'Unauthorized' }
  ],
  [503, '<html>busy</html>', { reason: 'Service Unavailable', message: '<html>busy</html>' }]
])('parseStatus(%d, %s)', (code, body, want) => expect(parseStatus(code, body)).toEqual(want));
