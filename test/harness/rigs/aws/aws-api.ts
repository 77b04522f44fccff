// STS, EKS, ECR and ECR Public on one loopback HTTP server (point AWS_ENDPOINT_URL at it). It
// verifies what it gets the way AWS does and answers in each service's own protocol:
// - STS AssumeRoleWithWebIdentity (query API, unsigned): the JWT's RS256 signature against the
//   trusted issuer's key, its expiry and audience, then the role's trust policy on `sub`; issues
//   temporary credentials (ASIA…, secret, session token, expiry).
// - STS GetCallerIdentity, EKS DescribeCluster (REST JSON), ECR / ECR Public
//   GetAuthorizationToken (JSON 1.1): SigV4 with a known user's keys or issued ones (session
//   token, expiry), then the principal's permissions.
// Errors carry AWS's codes and messages in each protocol's shape.
import { createVerify, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4, type KeyLookup } from './sigv4-verify.js';

export const ACCOUNT = '111122223333';

export interface RigRole {
  name: string;
  /** StringLike on the token's sub (`*` any run of characters), e.g. repo:o/r:ref:refs/heads/main. */
  trustSub: string;
  /** The issuer (iss claim) the trust policy names; default the rig's only provider. */
  issuer?: string;
  /** IAM actions allowed, e.g. eks:DescribeCluster, ecr:GetAuthorizationToken. */
  allow: string[];
  /** The role's MaxSessionDuration (3600 to 43200 s); default 3600, as IAM creates roles. */
  maxSessionSeconds?: number;
}

/** A role the OIDC rig's default repository may assume that may get ECR and ECR Public tokens. */
export const ECR_PUSH_ROLE: RigRole = {
  name: 'push',
  trustSub: 'repo:omer-avner/basickapp:*',
  allow: ['ecr:GetAuthorizationToken', 'ecr-public:GetAuthorizationToken']
};

export interface RigUser {
  name: string;
  accessKeyId: string;
  secretAccessKey: string;
  allow: string[];
}

export interface RigCluster {
  name: string;
  region: string;
  endpoint: string;
  caPem: string;
}

export interface AwsRigOptions {
  /** The IAM OIDC providers of the account: issuer URL → its key and audience. */
  providers: Array<{ issuer: string; publicKey: KeyObject; audience?: string }>;
  roles?: RigRole[];
  users?: RigUser[];
  clusters?: RigCluster[];
  /** What GetAuthorizationToken hands out as the registry password (a registry rig's, to accept it). */
  registryPassword?: () => string;
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: number;
  arn: string;
  role: string;
}

export interface AwsRig {
  url: string;
  /** Point every AWS call of a process at the rig. */
  env: { AWS_ENDPOINT_URL: string };
  roleArn(name: string): string;
  /** Every credential STS issued, in order. */
  issued: IssuedCredentials[];
  /** Every call answered: `Service Operation → 200|Code`, in order. */
  calls: string[];
  /** Registry passwords handed out by GetAuthorizationToken (ECR and ECR Public). */
  registryPasswords: string[];
  /** The principal an access key belongs to (for the cluster's token check), if any. */
  principalOf(
    accessKeyId: string
  ): { arn: string; secretAccessKey: string; sessionToken?: string } | undefined;
  /** Shift the rig's clock (expiry tests). */
  clockSkewMs: number;
  stop(): Promise<void>;
}

type Reply = { status: number; headers: Record<string, string>; body: string };
const xmlNs = 'https://sts.amazonaws.com/doc/2011-06-15/';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function stsError(status: number, code: string, message: string): Reply {
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse xmlns="${xmlNs}">\n  <Error>\n    <Type>Sender</Type>\n    <Code>${code}</Code>\n    <Message>${esc(message)}</Message>\n  </Error>\n  <RequestId>${randomBytes(16).toString('hex')}</RequestId>\n</ErrorResponse>\n`
  };
}
function restJsonError(status: number, code: string, message: string): Reply {
  return {
    status,
    headers: {
      'content-type': 'application/json',
      'x-amzn-errortype': `${code}:http://internal.amazon.com/coral/com.amazonaws.eks/`
    },
    body: JSON.stringify({ message })
  };
}
function json11Error(status: number, code: string, message: string): Reply {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: JSON.stringify({ __type: code, message })
  };
}

/** IAM StringLike: `*` any run, `?` one character. */
function stringLike(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

const upper = (n: number) =>
  Array.from(randomBytes(n), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b % 32]).join('');

function verifyJwt(
  jwt: string,
  options: AwsRigOptions,
  now: number
): { claims: Record<string, unknown> } | Reply {
  const parts = jwt.split('.');
  const invalid = (message: string) => stsError(400, 'InvalidIdentityToken', message);
  if (parts.length !== 3)
    return invalid(
      'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)'
    );
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return invalid('The ID Token provided is not a valid JWT.');
  }
  const provider = options.providers.find((p) => p.issuer === claims.iss);
  if (!provider)
    return invalid(`No OpenIDConnect provider found in your account for ${String(claims.iss)}`);
  const signatureOk =
    header.alg === 'RS256' &&
    createVerify('RSA-SHA256')
      .update(`${parts[0]}.${parts[1]}`)
      .verify(provider.publicKey, Buffer.from(parts[2], 'base64url'));
  if (!signatureOk)
    return invalid(
      "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint"
    );
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now) {
    return stsError(
      400,
      'ExpiredTokenException',
      'Token expired: current date/time must be before the expiration date/time'
    );
  }
  if (claims.aud !== (provider.audience ?? 'sts.amazonaws.com'))
    return invalid('Incorrect token audience');
  return { claims };
}

export async function startAwsRig(options: AwsRigOptions): Promise<AwsRig> {
  const users = options.users ?? [];
  const roles = options.roles ?? [];
  const issued: IssuedCredentials[] = [];
  const calls: string[] = [];
  const registryPasswords: string[] = [];
  const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
  const now = () => Date.now() + rig.clockSkewMs;

  const principalOf = (accessKeyId: string) => {
    const user = users.find((u) => u.accessKeyId === accessKeyId);
    if (user)
      return {
        arn: `arn:aws:iam::${ACCOUNT}:user/${user.name}`,
        secretAccessKey: user.secretAccessKey,
        allow: user.allow
      };
    const creds = issued.find((c) => c.accessKeyId === accessKeyId);
    const role = creds && roles.find((r) => r.name === creds.role);
    return creds && role
      ? {
          arn: creds.arn,
          secretAccessKey: creds.secretAccessKey,
          sessionToken: creds.sessionToken,
          expiresAt: creds.expiresAt,
          allow: role.allow
        }
      : undefined;
  };
  const keys: KeyLookup = (id) => principalOf(id);

  function assumeRole(form: URLSearchParams): Reply {
    const arn = form.get('RoleArn') ?? '';
    const session = form.get('RoleSessionName') ?? '';
    const token = form.get('WebIdentityToken') ?? '';
    if (!/^[\w+=,.@-]{2,64}$/.test(session)) {
      return stsError(
        400,
        'ValidationError',
        `1 validation error detected: Value '${session}' at 'roleSessionName' failed to satisfy constraint`
      );
    }
    const verdict = verifyJwt(token, options, now());
    if ('status' in verdict) return verdict;
    const role = roles.find((r) => roleArn(r.name) === arn);
    const issuer = String(verdict.claims.iss);
    if (
      !role ||
      (role.issuer ?? options.providers[0].issuer) !== issuer ||
      !stringLike(role.trustSub, String(verdict.claims.sub))
    ) {
      return stsError(
        403,
        'AccessDenied',
        'Not authorized to perform sts:AssumeRoleWithWebIdentity'
      );
    }
    const duration = Number(form.get('DurationSeconds') ?? 3600);
    if (!(duration >= 900 && duration <= (role.maxSessionSeconds ?? 3600))) {
      return stsError(
        400,
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.'
      );
    }
    const credentials: IssuedCredentials = {
      accessKeyId: `ASIA${upper(16)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(120).toString('base64')}`,
      expiresAt: Math.floor(now() / 1000 + duration) * 1000, // STS answers whole seconds
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role.name}/${session}`,
      role: role.name
    };
    issued.push(credentials);
    const host = issuer.replace(/^https:\/\//, '');
    return {
      status: 200,
      headers: { 'content-type': 'text/xml' },
      body: `<AssumeRoleWithWebIdentityResponse xmlns="${xmlNs}">
  <AssumeRoleWithWebIdentityResult>
    <Audience>${esc(String(verdict.claims.aud))}</Audience>
    <AssumedRoleUser>
      <AssumedRoleId>AROA${upper(17)}:${esc(session)}</AssumedRoleId>
      <Arn>${esc(credentials.arn)}</Arn>
    </AssumedRoleUser>
    <Provider>arn:aws:iam::${ACCOUNT}:oidc-provider/${esc(host)}</Provider>
    <Credentials>
      <AccessKeyId>${credentials.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${esc(credentials.secretAccessKey)}</SecretAccessKey>
      <SessionToken>${esc(credentials.sessionToken)}</SessionToken>
      <Expiration>${new Date(credentials.expiresAt).toISOString().replace(/\.\d{3}/, '')}</Expiration>
    </Credentials>
    <SubjectFromWebIdentityToken>${esc(String(verdict.claims.sub))}</SubjectFromWebIdentityToken>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>${randomBytes(16).toString('hex')}</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>
`
    };
  }

  function handle(request: IncomingMessage, body: string): { operation: string; reply: Reply } {
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([k, v]) => [k, String(v)])
    );
    const rawPath = request.url ?? '/';
    const target = headers['x-amz-target'] ?? '';
    const form = new URLSearchParams(request.method === 'POST' && !target ? body : '');
    const cluster = /^\/clusters\/([^/?]+)$/.exec(rawPath)?.[1];
    const op =
      cluster !== undefined
        ? {
            operation: 'EKS DescribeCluster',
            service: 'eks',
            action: 'eks:DescribeCluster',
            error: restJsonError
          }
        : target === 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken'
          ? {
              operation: 'ECR GetAuthorizationToken',
              service: 'ecr',
              action: 'ecr:GetAuthorizationToken',
              error: json11Error
            }
          : target === 'SpencerFrontendService.GetAuthorizationToken'
            ? {
                operation: 'ECR Public GetAuthorizationToken',
                service: 'ecr-public',
                action: 'ecr-public:GetAuthorizationToken',
                error: json11Error
              }
            : form.get('Action') === 'GetCallerIdentity'
              ? { operation: 'STS GetCallerIdentity', service: 'sts', action: '', error: stsError }
              : form.get('Action') === 'AssumeRoleWithWebIdentity'
                ? {
                    operation: 'STS AssumeRoleWithWebIdentity',
                    service: 'sts',
                    action: '',
                    error: stsError
                  }
                : undefined;
    if (!op)
      return {
        operation: `unknown ${request.method} ${rawPath}`,
        reply: stsError(400, 'InvalidAction', 'Could not find operation')
      };
    if (op.operation === 'STS AssumeRoleWithWebIdentity')
      return { operation: op.operation, reply: assumeRole(form) };

    const verdict = verifySigV4(
      { method: request.method ?? '', rawPath, headers, body },
      keys,
      now()
    );
    if (!verdict.ok) {
      const status = verdict.code === 'ExpiredToken' ? 400 : 403;
      const code =
        op.error === stsError
          ? verdict.code
          : verdict.code === 'SignatureDoesNotMatch'
            ? 'InvalidSignatureException'
            : verdict.code === 'InvalidClientTokenId'
              ? 'UnrecognizedClientException'
              : verdict.code === 'ExpiredToken'
                ? 'ExpiredTokenException'
                : verdict.code;
      return { operation: op.operation, reply: op.error(status, code, verdict.message) };
    }
    if (verdict.service !== op.service) {
      return {
        operation: op.operation,
        reply: op.error(
          403,
          op.error === stsError ? 'SignatureDoesNotMatch' : 'InvalidSignatureException',
          `Credential should be scoped to correct service: '${op.service}'.`
        )
      };
    }
    const principal = principalOf(verdict.accessKeyId)!;
    const region = verdict.region;
    if (op.action && !principal.allow.includes(op.action)) {
      const resource =
        op.service === 'eks' ? `arn:aws:eks:${region}:${ACCOUNT}:cluster/${cluster}` : '*';
      const code = 'AccessDeniedException';
      return {
        operation: op.operation,
        reply: op.error(
          op.service === 'eks' ? 403 : 400,
          code,
          `User: ${principal.arn} is not authorized to perform: ${op.action} on resource: ${resource} because no identity-based policy allows the ${op.action} action`
        )
      };
    }
    if (op.service === 'sts') {
      const xml = `<GetCallerIdentityResponse xmlns="${xmlNs}">\n  <GetCallerIdentityResult>\n    <Arn>${esc(principal.arn)}</Arn>\n    <UserId>AIDA${upper(17)}</UserId>\n    <Account>${ACCOUNT}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata><RequestId>${randomBytes(16).toString('hex')}</RequestId></ResponseMetadata>\n</GetCallerIdentityResponse>\n`;
      return {
        operation: op.operation,
        reply: { status: 200, headers: { 'content-type': 'text/xml' }, body: xml }
      };
    }
    if (op.service === 'eks') {
      const found = (options.clusters ?? []).find(
        (c) => c.name === decodeURIComponent(cluster!) && c.region === region
      );
      if (!found)
        return {
          operation: op.operation,
          reply: restJsonError(
            404,
            'ResourceNotFoundException',
            `No cluster found for name: ${decodeURIComponent(cluster!)}.`
          )
        };
      const doc = {
        cluster: {
          name: found.name,
          arn: `arn:aws:eks:${region}:${ACCOUNT}:cluster/${found.name}`,
          version: '1.32',
          endpoint: found.endpoint,
          certificateAuthority: { data: Buffer.from(found.caPem).toString('base64') },
          status: 'ACTIVE',
          accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' }
        }
      };
      return {
        operation: op.operation,
        reply: {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(doc)
        }
      };
    }
    const password = options.registryPassword?.() ?? randomBytes(32).toString('base64');
    registryPasswords.push(password);
    const entry = {
      authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
      expiresAt: Math.floor(now() / 1000) + 12 * 3600
    };
    const data =
      op.service === 'ecr'
        ? [{ ...entry, proxyEndpoint: `https://${ACCOUNT}.dkr.ecr.${region}.amazonaws.com` }]
        : entry;
    return {
      operation: op.operation,
      reply: {
        status: 200,
        headers: { 'content-type': 'application/x-amz-json-1.1' },
        body: JSON.stringify({ authorizationData: data })
      }
    };
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const { operation, reply } = handle(request, Buffer.concat(chunks).toString('utf8'));
      const code =
        reply.status === 200
          ? '200'
          : (/<Code>([^<]+)/.exec(reply.body)?.[1] ??
            reply.headers['x-amzn-errortype']?.split(':')[0] ??
            (JSON.parse(reply.body) as { __type?: string }).__type);
      calls.push(`${operation} → ${code}`);
      response.writeHead(reply.status, reply.headers).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const rig: AwsRig = {
    url,
    env: { AWS_ENDPOINT_URL: url },
    roleArn,
    issued,
    calls,
    registryPasswords,
    principalOf: (id) => {
      const p = principalOf(id);
      return (
        p && {
          arn: p.arn,
          secretAccessKey: p.secretAccessKey,
          sessionToken: 'sessionToken' in p ? p.sessionToken : undefined
        }
      );
    },
    clockSkewMs: 0,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })
  };
  return rig;
}
