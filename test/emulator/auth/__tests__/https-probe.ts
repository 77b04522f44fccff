// A tiny HTTPS server on 127.0.0.1 for the auth tests: it serves with the emulator's
// certificate and records what each request carried, so a test can check what a real
// client (kubectl, the aws exec plugin) actually sent.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { CertificateAuthority } from '../ca.js';

export interface HttpsProbe {
  url: string;
  requests: { path: string; authorization?: string }[];
  stop(): Promise<void>;
}

export async function startHttpsProbe(
  ca: CertificateAuthority,
  answer: (request: IncomingMessage, response: ServerResponse) => void
): Promise<HttpsProbe> {
  const requests: HttpsProbe['requests'] = [];
  const server = createServer({ cert: ca.serverCertPem, key: ca.serverKeyPem }, (req, res) => {
    requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}

export function answerJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
