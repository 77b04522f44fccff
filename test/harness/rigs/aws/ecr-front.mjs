// The HTTPS face of the ECR registry rig (ecr-registry.ts), run inside the rig's network
// namespace: listens on 127.0.0.1:443 there with a certificate for the ECR hosts, and passes
// every request to the real registry behind it (127.0.0.1:PORT, forwarded into the namespace),
// except what ECR does itself: a repository that was never created is ECR's NAME_UNKNOWN
// (404), as ECR answers an authenticated request for it. The repositories that exist are the
// lines `host/name` of DIR/repositories, read at every request.
// Usage: node ecr-front.mjs DIR PORT ACCOUNT ; DIR holds cert.pem and key.pem; prints "ready".
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';

const [dir, port, account] = process.argv.slice(2);
const API = /^\/v2\/(.+?)\/(?:manifests|blobs|tags)\//;

function repositories() {
  return readFileSync(path.join(dir, 'repositories'), 'utf8').split('\n').filter(Boolean);
}

const server = https.createServer(
  { cert: readFileSync(path.join(dir, 'cert.pem')), key: readFileSync(path.join(dir, 'key.pem')) },
  (request, response) => {
    const host = (request.headers.host ?? '').replace(/:443$/, '');
    const name = API.exec(request.url ?? '')?.[1];
    if (name && request.headers.authorization && !repositories().includes(`${host}/${name}`)) {
      const message = `The repository with name '${name}' does not exist in the registry with id '${account}'`;
      const body = JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message }] });
      response.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
      response.end(request.method === 'HEAD' ? undefined : body);
      request.resume();
      return;
    }
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: Number(port),
        method: request.method,
        path: request.url,
        // The registry builds its upload URLs from Host and the forwarded scheme.
        headers: { ...request.headers, 'x-forwarded-proto': 'https' }
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      }
    );
    upstream.on('error', (error) => {
      if (!response.headersSent) response.writeHead(502);
      response.end(String(error));
    });
    request.pipe(upstream);
  }
);
server.listen(443, '127.0.0.1', () => console.log('ready'));
