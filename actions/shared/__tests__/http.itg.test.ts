import { afterAll, beforeAll, expect, test } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchClient, NetworkError } from '../src/http.js';

let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    if (request.url === '/slow') return void setTimeout(() => response.end('late'), 2000);
    response.writeHead(request.url === '/missing' ? 404 : 200, {
      'X-Echo-Method': request.method ?? '',
      'X-Echo-Auth': request.headers.authorization ?? ''
    });
    request.pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test.each([
  ['GET', '/ok', undefined, 200, ''],
  ['PUT', '/ok', 'payload', 200, 'payload'],
  ['HEAD', '/ok', undefined, 200, ''],
  ['GET', '/missing', undefined, 404, '']
] as const)(
  '%s %s returns status, lower-case headers and body',
  async (method, route, body, status, want) => {
    const response = await fetchClient().request({
      method,
      url: `${base}${route}`,
      headers: { Authorization: 'Bearer t' },
      body
    });
    expect(response.status).toBe(status);
    expect(response.body).toBe(want);
    expect(response.headers['x-echo-method']).toBe(method);
    expect(response.headers['x-echo-auth']).toBe('Bearer t');
  }
);

test('a refused connection is a NetworkError naming the URL', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/v2/`;
  await new Promise((resolve) => closed.close(resolve));
  const error = await fetchClient()
    .request({ method: 'GET', url })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(NetworkError);
  expect(String(error)).toMatch(new RegExp(`${url}: .*ECONNREFUSED`));
});

test('a timeout is a NetworkError', async () => {
  await expect(
    fetchClient(200).request({ method: 'GET', url: `${base}/slow` })
  ).rejects.toBeInstanceOf(NetworkError);
});
