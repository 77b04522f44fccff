// Verifies the bearer tokens `aws eks get-token` produces, the way EKS does, minus the network:
// aws-iam-authenticator (pkg/token/token.go) checks the token's form and freshness, then
// replays the presigned STS GetCallerIdentity URL with the header `x-k8s-aws-id: <cluster>`
// and lets STS check the SigV4 signature. There is no STS here, so the signature is
// recomputed with the one known test secret key instead. The form checks and their order
// follow the authenticator; the signature checks follow what STS would refuse.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { AwsCredentials } from './kubeconfig.js';

export interface VerifyEksTokenOptions {
  /** The cluster the token must be signed for (sent to STS as x-k8s-aws-id). */
  clusterName: string;
  /** The only identity this cluster knows; its secret key checks the signature. */
  credentials: AwsCredentials;
  now?: Date;
  /** What the identity maps to; EKS would get it from STS. */
  arn?: string;
}

export type EksTokenVerdict =
  { ok: true; arn: string; accessKeyId: string } | { ok: false; reason: string };

export const tokenPrefix = 'k8s-aws-v1.';
export const testIdentityArn = 'arn:aws:iam::000000000000:user/eks-emulator';

const clusterIdHeader = 'x-k8s-aws-id';
// Presigned STS URLs are honoured for 15 minutes after X-Amz-Date whatever X-Amz-Expires says.
const presignedUrlLifetimeMs = 15 * 60 * 1000;
const maxTokenLength = 4 * 1024;
const allowedParameters = new Set([
  'action',
  'version',
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-security-token',
  'x-amz-signature',
  'x-amz-signedheaders'
]);
// Regional, global, FIPS and China STS endpoints (what the authenticator's partition list holds).
const stsHost = /^sts(?:-fips)?(?:\.([a-z0-9-]+))?\.amazonaws\.com(?:\.cn)?$/;
const emptySha256 = createHash('sha256').update('').digest('hex');

class Rejection extends Error {}

export function verifyEksToken(token: string, options: VerifyEksTokenOptions): EksTokenVerdict {
  try {
    const url = decodeToken(token);
    const params = presignedParameters(url);
    checkFreshness(params, options.now ?? new Date());
    const accessKeyId = checkSignature(url.host, params, options);
    return { ok: true, arn: options.arn ?? testIdentityArn, accessKeyId };
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, reason: error.message };
    throw error;
  }
}

function decodeToken(token: string): URL {
  if (token.length > maxTokenLength)
    throw new Rejection(`token is longer than ${maxTokenLength} bytes`);
  if (!token.startsWith(tokenPrefix)) {
    throw new Rejection(`token is missing the "${tokenPrefix}" prefix`);
  }
  const encoded = token.slice(tokenPrefix.length);
  // Go's base64.RawURLEncoding: URL alphabet, no padding; Node's decoder would skip junk.
  if (!/^[A-Za-z0-9_-]*$/.test(encoded) || encoded.length % 4 === 1) {
    throw new Rejection('token is not unpadded base64url after the prefix');
  }
  const text = Buffer.from(encoded, 'base64url').toString('utf8');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Rejection('token does not decode to a URL');
  }
  if (url.protocol !== 'https:') throw new Rejection(`presigned URL scheme is not https`);
  if (!stsHost.test(url.host)) {
    throw new Rejection(`presigned URL host "${url.host}" is not an AWS STS endpoint`);
  }
  if (url.pathname !== '/') throw new Rejection('presigned URL path is not "/"');
  return url;
}

/** Query parameters, keys lower-cased as the authenticator reads them, values decoded. */
function presignedParameters(url: URL): Map<string, { name: string; value: string }> {
  const params = new Map<string, { name: string; value: string }>();
  for (const [name, value] of url.searchParams) {
    const key = name.toLowerCase();
    if (!allowedParameters.has(key)) {
      throw new Rejection(`presigned URL has a query parameter "${name}" STS tokens never carry`);
    }
    if (params.has(key)) throw new Rejection(`presigned URL repeats the query parameter "${name}"`);
    params.set(key, { name, value });
  }
  if (params.get('action')?.value !== 'GetCallerIdentity') {
    throw new Rejection(
      `presigned URL action is "${params.get('action')?.value ?? ''}", not GetCallerIdentity`
    );
  }
  const signedHeaders = (params.get('x-amz-signedheaders')?.value ?? '').toLowerCase().split(';');
  if (!signedHeaders.includes(clusterIdHeader)) {
    throw new Rejection(`presigned URL does not sign the ${clusterIdHeader} header (cluster name)`);
  }
  return params;
}

function checkFreshness(params: Map<string, { value: string }>, now: Date): void {
  const expires = Number(params.get('x-amz-expires')?.value);
  if (!Number.isInteger(expires) || expires < 0 || expires > 900) {
    throw new Rejection('presigned URL X-Amz-Expires is not a number of seconds from 0 to 900');
  }
  const amzDate = params.get('x-amz-date')?.value ?? '';
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined)
    throw new Rejection(`presigned URL X-Amz-Date "${amzDate}" is not YYYYMMDDTHHMMSSZ`);
  if (now.getTime() > signedAt + presignedUrlLifetimeMs) {
    throw new Rejection(`token expired: signed at ${amzDate}, valid for 15 minutes`);
  }
  // STS refuses signatures dated more than 15 minutes ahead of its clock.
  if (signedAt > now.getTime() + presignedUrlLifetimeMs) {
    throw new Rejection(`token is not valid yet: signed at ${amzDate}, in the future`);
  }
}

function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const time = Date.UTC(year, month - 1, day, hour, minute, second);
  return new Date(time).getUTCDate() === day ? time : undefined;
}

/** What STS would check: algorithm, credential scope, key, and the signature itself. */
function checkSignature(
  host: string,
  params: Map<string, { name: string; value: string }>,
  options: VerifyEksTokenOptions
): string {
  if (params.get('x-amz-algorithm')?.value !== 'AWS4-HMAC-SHA256') {
    throw new Rejection('presigned URL X-Amz-Algorithm is not AWS4-HMAC-SHA256');
  }
  const credential = params.get('x-amz-credential')?.value ?? '';
  const [accessKeyId, day, region, service, terminator, ...extra] = credential.split('/');
  const amzDate = params.get('x-amz-date')?.value ?? '';
  if (extra.length > 0 || service !== 'sts' || terminator !== 'aws4_request' || !region) {
    throw new Rejection(
      'presigned URL X-Amz-Credential is not <key>/<date>/<region>/sts/aws4_request'
    );
  }
  if (day !== amzDate.slice(0, 8)) {
    throw new Rejection('presigned URL X-Amz-Credential date differs from X-Amz-Date');
  }
  // Each STS endpoint only takes signatures scoped to its own region (global: us-east-1).
  const endpointRegion = stsHost.exec(host)?.[1] ?? 'us-east-1';
  if (region !== endpointRegion) {
    throw new Rejection(
      `presigned URL is signed for region "${region}" but addressed to STS in "${endpointRegion}"`
    );
  }
  if (accessKeyId !== options.credentials.accessKeyId) {
    throw new Rejection(`access key "${accessKeyId}" is unknown to this cluster`);
  }
  const expected = presignedSignature({
    host,
    clusterName: options.clusterName,
    params,
    secretAccessKey: options.credentials.secretAccessKey,
    scope: { day, region }
  });
  const given = params.get('x-amz-signature')?.value ?? '';
  if (
    !/^[0-9a-f]{64}$/.test(given) ||
    !timingSafeEqual(Buffer.from(given), Buffer.from(expected))
  ) {
    throw new Rejection(
      `signature does not match: the token was signed for another cluster than "${options.clusterName}" ` +
        'or with another secret key'
    );
  }
  return accessKeyId;
}

interface SignatureInput {
  host: string;
  clusterName: string;
  params: Map<string, { name: string; value: string }>;
  secretAccessKey: string;
  scope: { day: string; region: string };
}

/**
 * SigV4 for a presigned GET, as botocore's SigV4QueryAuth computes it for STS: the canonical
 * query holds every parameter but the signature, the headers are the signed ones with the
 * values the verifier sends (host, and x-k8s-aws-id = the cluster name), and the payload
 * hash is that of the empty body (not UNSIGNED-PAYLOAD, which only S3 uses).
 */
function presignedSignature({
  host,
  clusterName,
  params,
  secretAccessKey,
  scope
}: SignatureInput): string {
  const headerValues: Record<string, string> = { host, [clusterIdHeader]: clusterName };
  const signedHeaders = (params.get('x-amz-signedheaders')?.value ?? '').toLowerCase();
  const canonicalHeaders = signedHeaders
    .split(';')
    .map((name) => `${name}:${headerValues[name] ?? ''}\n`)
    .join('');
  const canonicalQuery = [...params.values()]
    .filter(({ name }) => name !== 'X-Amz-Signature')
    .map(({ name, value }) => [uriEncode(name), uriEncode(value)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const canonicalRequest = [
    'GET',
    '/',
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    emptySha256
  ].join('\n');
  const credentialScope = `${scope.day}/${scope.region}/sts/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    params.get('x-amz-date')?.value ?? '',
    credentialScope,
    createHash('sha256').update(canonicalRequest).digest('hex')
  ].join('\n');
  let key: Buffer = hmac(`AWS4${secretAccessKey}`, scope.day);
  for (const part of [scope.region, 'sts', 'aws4_request']) key = hmac(key, part);
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

// RFC 3986 unreserved characters stay, everything else is %XX (SigV4's UriEncode).
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
  );
}
