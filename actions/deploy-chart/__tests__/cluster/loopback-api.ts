// A loopback stand-in for the API server in unit tests: plain http or https with a throwaway
// CA made by openssl, routes registered per test, every request recorded.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';

export interface TestPki {
  caPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** A second, unrelated CA: what a kubeconfig from another cluster would carry. */
  otherCaPem: string;
}

export function makePki(): TestPki {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pki-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  try {
    for (const ca of ['ca', 'other-ca']) {
      openssl(
        'req',
        '-x509',
        ...ec,
        '-keyout',
        `${ca}.key`,
        '-out',
        `${ca}.pem`,
        '-days',
        '2',
        '-subj',
        `/CN=${ca}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign'
      );
    }
    writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    writeFileSync(file('client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const [leaf, subject] of [
      ['server', '/CN=localhost'],
      ['client', '/CN=deployer/O=system:masters']
    ]) {
      openssl('req', ...ec, '-keyout', `${leaf}.key`, '-out', `${leaf}.csr`, '-subj', subject);
      openssl(
        'x509',
        '-req',
        '-in',
        `${leaf}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${leaf}.pem`,
        '-days',
        '2',
        '-extfile',
        `${leaf}.ext`
      );
    }
    const read = (name: string) => readFileSync(file(name), 'utf8');
    return {
      caPem: read('ca.pem'),
      serverCertPem: read('server.pem'),
      serverKeyPem: read('server.key'),
      clientCertPem: read('client.pem'),
      clientKeyPem: read('client.key'),
      otherCaPem: read('other-ca.pem')
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void;

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  /** CN of the client certificate, when one was presented. */
  clientCn?: string;
}

export interface LoopbackApi {
  url: string;
  requests: RecordedRequest[];
  route(method: string, pathname: string, handler: Handler): void;
  close(): Promise<void>;
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function sendStatus(
  res: http.ServerResponse,
  code: number,
  reason: string,
  message: string
): void {
  sendJson(res, code, {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message,
    reason,
    code
  });
}

export async function startLoopbackApi(pki?: TestPki): Promise<LoopbackApi> {
  const routes = new Map<string, Handler>();
  const requests: RecordedRequest[] = [];
  const listener: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://loopback');
    const peer = (req.socket as TLSSocket).getPeerCertificate?.();
    requests.push({
      method: req.method ?? '',
      url,
      headers: req.headers,
      clientCn: [peer?.subject?.CN ?? []].flat()[0]
    });
    const handler = routes.get(`${req.method} ${url.pathname}`);
    if (handler) handler(req, res, url);
    else sendStatus(res, 404, 'NotFound', `no route for ${req.method} ${url.pathname}`);
  };
  const server = pki
    ? https.createServer(
        {
          cert: pki.serverCertPem,
          key: pki.serverKeyPem,
          ca: pki.caPem,
          requestCert: true,
          rejectUnauthorized: false
        },
        listener
      )
    : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${pki ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    route: (method, pathname, handler) => routes.set(`${method} ${pathname}`, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })
  };
}
