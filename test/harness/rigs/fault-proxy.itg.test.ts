import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pickRule, startFaultProxy, type FaultRule } from './fault-proxy.js';

describe('pickRule', () => {
  const rules: FaultRule[] = [
    { match: { method: 'PUT', path: /\/blobs\/uploads\// }, times: 1, respond: { status: 503 } },
    { match: { path: /^\/v2\/$/ }, times: 2, drop: true },
    { times: 1, delayMs: 10 }
  ];
  test.each([
    ['a matching PUT', [0, 0, 0], 'PUT', '/v2/app/blobs/uploads/123', 0],
    ['method match ignores case', [0, 0, 0], 'put', '/v2/app/blobs/uploads/123', 0],
    ['a used-up rule is skipped', [1, 0, 0], 'PUT', '/v2/app/blobs/uploads/123', 2],
    ['the path rule for any method', [0, 0, 0], 'GET', '/v2/', 1],
    ['the path is a regexp, not a prefix', [0, 0, 0], 'GET', '/v2/app/manifests/1', 2],
    ['the catch-all, while it lasts', [0, 0, 0], 'GET', '/anything', 2],
    ['nothing once all are used up', [1, 2, 1], 'GET', '/v2/', -1]
  ])('%s', (_name, used, method, requestPath, want) => {
    expect(pickRule(rules, used, method, requestPath)).toBe(want);
  });
});

describe('fault proxy in front of a loopback server', () => {
  let upstream: http.Server;
  let upstreamUrl: string;
  const seenByUpstream: string[] = [];

  beforeAll(async () => {
    upstream = http.createServer((request, response) => {
      seenByUpstream.push(`${request.method} ${request.url} host=${request.headers.host}`);
      request.resume().on('end', () => {
        response.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': 'yes' });
        response.end(`upstream ${request.url}`);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  test('answers, drops and delays by plan, then forwards with the Host header kept', async () => {
    const proxy = await startFaultProxy(upstreamUrl, [
      {
        match: { path: /^\/busy/ },
        times: 1,
        respond: { status: 429, headers: { 'retry-after': '3' }, body: 'slow down' }
      },
      { match: { method: 'POST' }, times: 1, drop: true },
      { match: { path: /^\/slow/ }, times: 1, delayMs: 300 }
    ]);
    try {
      const busy = await fetch(`${proxy.url}/busy`);
      expect([busy.status, busy.headers.get('retry-after'), await busy.text()]).toEqual([
        429,
        '3',
        'slow down'
      ]);
      const again = await fetch(`${proxy.url}/busy`);
      expect([again.status, await again.text()]).toEqual([200, 'upstream /busy']);

      await expect(fetch(`${proxy.url}/post`, { method: 'POST', body: 'x' })).rejects.toThrow();
      const posted = await fetch(`${proxy.url}/post`, { method: 'POST', body: 'x' });
      expect(posted.status).toBe(200);

      const started = Date.now();
      const slow = await fetch(`${proxy.url}/slow?q=1`);
      expect([slow.status, slow.headers.get('x-upstream'), await slow.text()]).toEqual([
        200,
        'yes',
        'upstream /slow?q=1'
      ]);
      // The only timing here is a lower bound the proxy itself guarantees.
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);

      expect(proxy.hits).toEqual([
        { method: 'GET', path: '/busy', faulted: true },
        { method: 'GET', path: '/busy', faulted: false },
        { method: 'POST', path: '/post', faulted: true },
        { method: 'POST', path: '/post', faulted: false },
        { method: 'GET', path: '/slow?q=1', faulted: true }
      ]);
      expect(seenByUpstream).toEqual([
        `GET /busy host=${proxy.host}`,
        `POST /post host=${proxy.host}`,
        `GET /slow?q=1 host=${proxy.host}`
      ]);
    } finally {
      await proxy.stop();
    }
  });

  test('answers 502 naming the target when the target is down', async () => {
    const proxy = await startFaultProxy('http://127.0.0.1:9', []);
    try {
      const response = await fetch(`${proxy.url}/v2/`);
      expect(response.status).toBe(502);
      expect(await response.text()).toContain('127.0.0.1:9');
    } finally {
      await proxy.stop();
    }
  });
});
