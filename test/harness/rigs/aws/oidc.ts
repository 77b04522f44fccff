// GitHub Actions' OIDC token endpoint on loopback: what `core.getIDToken(audience)` calls.
// The runner gives a job with `permissions: id-token: write` two variables,
// ACTIONS_ID_TOKEN_REQUEST_URL (…?api-version=2.0) and ACTIONS_ID_TOKEN_REQUEST_TOKEN; the
// client GETs the URL with `&audience=<aud>` and `Authorization: Bearer <request token>` and
// gets `{"value": "<JWT>"}`: RS256, signed by the issuer's key, with the claims GitHub puts in
// it (docs.github.com, "About security hardening with OpenID Connect").
import {
  createSign,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  type KeyObject
} from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

export interface OidcRigOptions {
  /** `owner/repo` (default omer-avner/basickapp). */
  repository?: string;
  /** Default refs/heads/main. */
  ref?: string;
  /** Set for a job with `environment:`; the sub claim then names it instead of the ref. */
  environment?: string;
  /** Default GITHUB_ISSUER; the rig's key is its own either way. */
  issuer?: string;
  /** Token lifetime (GitHub: 5 min after nbf… 1 h is what tokens get today); default 10 min. */
  lifetimeSeconds?: number;
}

export interface OidcRig {
  /** The two variables of a job with `id-token: write`. */
  env: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  issuer: string;
  /** Verifies the tokens this rig issues (what an IAM OIDC provider knows of the issuer). */
  publicKey: KeyObject;
  /** The claims a token for `audience` gets (without iat/nbf/exp/jti). */
  claims(audience: string): Record<string, unknown>;
  /** Signs any claims with the issuer key (tests forge expired or odd tokens with it). */
  sign(claims: Record<string, unknown>): string;
  /** Audiences asked for, in order. */
  requests: string[];
  /** Answer every token request with this HTTP status (GitHub's 4xx/5xx), or undefined to issue. */
  failWith?: number;
  stop(): Promise<void>;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function startOidcRig(options: OidcRigOptions = {}): Promise<OidcRig> {
  const repository = options.repository ?? 'omer-avner/basickapp';
  const ref = options.ref ?? 'refs/heads/main';
  const issuer = options.issuer ?? GITHUB_ISSUER;
  const lifetime = options.lifetimeSeconds ?? 600;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  const requestToken = randomBytes(24).toString('base64url');
  const sha = randomBytes(20).toString('hex');
  const [owner] = repository.split('/');
  const workflowRef = `${repository}/.github/workflows/deploy-chart.yml@${ref}`;

  const sign = (claims: Record<string, unknown>) => {
    const unsigned = `${b64url({ typ: 'JWT', alg: 'RS256', x5t: kid, kid })}.${b64url(claims)}`;
    const signature = createSign('RSA-SHA256')
      .update(unsigned)
      .sign(privateKey as KeyObject);
    return `${unsigned}.${signature.toString('base64url')}`;
  };
  const claims = (audience: string): Record<string, unknown> => ({
    sub: options.environment
      ? `repo:${repository}:environment:${options.environment}`
      : `repo:${repository}:ref:${ref}`,
    aud: audience,
    ref,
    sha,
    repository,
    repository_owner: owner,
    repository_owner_id: '1000001',
    repository_id: '2000002',
    repository_visibility: 'public',
    run_id: '3000003',
    run_number: '7',
    run_attempt: '1',
    actor: owner,
    actor_id: '1000001',
    workflow: 'deploy-chart',
    workflow_ref: workflowRef,
    workflow_sha: sha,
    job_workflow_ref: workflowRef,
    job_workflow_sha: sha,
    event_name: 'push',
    ref_type: 'branch',
    ref_protected: 'false',
    runner_environment: 'github-hosted',
    ...(options.environment ? { environment: options.environment } : {}),
    iss: issuer
  });

  const requests: string[] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://rig');
    const reply = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (request.headers.authorization !== `Bearer ${requestToken}`) {
      return reply(401, { message: 'Bad credentials' });
    }
    if (url.pathname !== '/token' || url.searchParams.get('api-version') !== '2.0') {
      return reply(404, { message: 'Not Found' });
    }
    const audience = url.searchParams.get('audience') ?? `https://github.com/${owner}`;
    requests.push(audience);
    if (rig.failWith) return reply(rig.failWith, { message: 'rig: token request refused' });
    const now = Math.floor(Date.now() / 1000);
    reply(200, {
      count: 1,
      value: sign({
        jti: randomUUID(),
        ...claims(audience),
        nbf: now - 5,
        exp: now + lifetime,
        iat: now
      })
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const rig: OidcRig = {
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken
    },
    issuer,
    publicKey,
    claims,
    sign,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })
  };
  return rig;
}
