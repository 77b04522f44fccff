// The registry's token server, as ghcr.io's handshake works: the registry answers 401 with
// `WWW-Authenticate: Bearer realm="http://127.0.0.1:PORT/token",service="…",scope="…"`, the
// client asks the realm for the scopes it needs with its username and token (HTTP Basic on a
// GET, or an OAuth2 password grant on a POST, as containerd and BuildKit try first), and gets
// a short-lived JWT that names only the actions the account may do. The registry (Debian's
// distribution 2.8, `auth: token:`) checks the JWT's signature against a certificate in its
// `rootcertbundle`, matched by the JWT header's `kid` (libtrust's key ID), its issuer and
// audience, and whether its `access` list covers the request.
import 'reflect-metadata';
import { createHash, createPrivateKey, randomBytes, sign, webcrypto } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as x509 from '@peculiar/x509';

/** A user and what it may do on every repository. */
export interface Account {
  username: string;
  password: string;
  /** `pull` for a read-only token (as a `read:packages` PAT), `push` for pull and push. */
  rights: 'pull' | 'push';
}

export interface Access {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenServer {
  /** `http://127.0.0.1:PORT/token`, the realm the registry names in its challenge. */
  realm: string;
  /** `127.0.0.1:PORT`, for a network namespace that must reach it. */
  host: string;
  service: string;
  issuer: string;
  /** PEM of the certificate whose key signs the tokens: the registry's rootcertbundle. */
  certificatePem: string;
  /** Every token issued, in order: which account asked for what and what it got. */
  issued: Array<{ username: string; requested: Access[]; granted: Access[] }>;
  stop(): Promise<void>;
}

/** `repository:org/app:pull,push` → one access entry; a malformed scope is ignored (as distribution does). */
export function parseScope(scope: string): Access | undefined {
  // The name may hold a port (`127.0.0.1:5000/app` is not a name, but `a:b` types exist).
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean)
  };
}

/** What the account gets of what it asked for: repositories only, within its rights. */
export function grant(account: Account, requested: Access[]): Access[] {
  const allowed = account.rights === 'push' ? ['pull', 'push'] : ['pull'];
  return requested
    .filter((access) => access.type === 'repository')
    .map((access) => ({
      ...access,
      actions: access.actions.filter((action) => allowed.includes(action))
    }));
}

/** libtrust's key ID, which distribution matches against the JWT header's `kid`. */
export function libtrustKeyId(spkiDer: Buffer): string {
  const digest = createHash('sha256').update(spkiDer).digest().subarray(0, 30);
  let bits = '';
  for (const byte of digest) bits += byte.toString(2).padStart(8, '0');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let text = '';
  for (let i = 0; i < bits.length; i += 5) text += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return text.match(/.{4}/g)!.join(':');
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export interface Signer {
  kid: string;
  privateKeyPem: string;
}

/** An ES256 JWT with the claims distribution's token auth reads. */
export function signToken(
  signer: Signer,
  claims: { issuer: string; service: string; subject: string; access: Access[] },
  now: Date,
  lifetimeSeconds: number
): string {
  const iat = Math.floor(now.getTime() / 1000);
  const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', kid: signer.kid }));
  const payload = base64url(
    JSON.stringify({
      iss: claims.issuer,
      sub: claims.subject,
      aud: claims.service,
      exp: iat + lifetimeSeconds,
      nbf: iat - 10,
      iat,
      jti: randomBytes(12).toString('hex'),
      access: claims.access
    })
  );
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), {
    key: createPrivateKey(signer.privateKeyPem),
    dsaEncoding: 'ieee-p1363'
  });
  return `${header}.${payload}.${base64url(signature)}`;
}

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/** A fresh P-256 key and a self-signed certificate for it (the registry trusts the certificate). */
async function makeSigner(): Promise<Signer & { certificatePem: string }> {
  const crypto = webcrypto;
  const keys = (await crypto.subtle.generateKey(ecdsa, true, [
    'sign',
    'verify'
  ])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: `01${randomBytes(8).toString('hex')}`,
      name: 'CN=registry-rig-token-signer',
      notBefore: new Date(now - 3_600_000),
      notAfter: new Date(now + 7 * 86_400_000),
      keys,
      signingAlgorithm: ecdsa
    },
    crypto
  );
  const spki = Buffer.from(await crypto.subtle.exportKey('spki', keys.publicKey));
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    kid: libtrustKeyId(spki),
    privateKeyPem: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
      .export({ format: 'pem', type: 'pkcs8' })
      .toString(),
    certificatePem: cert.toString('pem') + '\n'
  };
}

/** `Authorization: Basic …` → [user, password]. */
function basicCredentials(header: string | undefined): [string, string] | undefined {
  const match = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const text = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : [text.slice(0, colon), text.slice(colon + 1)];
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

const TOKEN_LIFETIME_SECONDS = 300; // ghcr.io's tokens also last minutes

export async function startTokenServer(options: {
  accounts: Account[];
  service: string;
}): Promise<TokenServer> {
  const signer = await makeSigner();
  const issuer = 'registry-rig-token-server';
  const issued: TokenServer['issued'] = [];
  const find = (username: string, password: string) =>
    options.accounts.find((a) => a.username === username && a.password === password);

  const server = http.createServer((request, response) => {
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://token');
      if (url.pathname !== '/token') return answer(404, { errors: [{ code: 'NOT_FOUND' }] });
      // GET: credentials as Basic auth, scopes as repeated query parameters. POST: the
      // OAuth2 form (grant_type=password) that containerd and BuildKit send first.
      let credentials = basicCredentials(request.headers.authorization);
      let params = url.searchParams;
      if (request.method === 'POST') {
        params = new URLSearchParams(await readBody(request));
        if (params.get('grant_type') !== 'password') {
          return answer(400, { error: 'unsupported_grant_type' });
        }
        credentials = [params.get('username') ?? '', params.get('password') ?? ''];
      } else if (request.method !== 'GET') {
        return answer(405, { errors: [{ code: 'UNSUPPORTED' }] });
      }
      const account = credentials && find(...credentials);
      if (!account) {
        return answer(
          401,
          { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
          { 'www-authenticate': `Basic realm="${options.service}"` }
        );
      }
      if (params.get('service') && params.get('service') !== options.service) {
        return answer(400, { errors: [{ code: 'DENIED', message: 'unknown service' }] });
      }
      const requested = params
        .getAll('scope')
        .flatMap((scope) => scope.split(' '))
        .map(parseScope)
        .filter((access): access is Access => access !== undefined);
      const granted = grant(account, requested);
      issued.push({ username: account.username, requested, granted });
      const now = new Date();
      const token = signToken(
        signer,
        { issuer, service: options.service, subject: account.username, access: granted },
        now,
        TOKEN_LIFETIME_SECONDS
      );
      answer(200, {
        token,
        access_token: token,
        expires_in: TOKEN_LIFETIME_SECONDS,
        issued_at: now.toISOString()
      });
    })().catch((error: unknown) => answer(500, { errors: [{ message: String(error) }] }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    host: `127.0.0.1:${port}`,
    service: options.service,
    issuer,
    certificatePem: signer.certificatePem,
    issued,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}
