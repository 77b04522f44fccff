// AWS Signature Version 4, the one signer every AWS call of the actions uses: the EKS token (a
// presigned STS GetCallerIdentity URL), EKS DescribeCluster, STS, ECR and ECR Public.
//
// Ours, not the SDK's `@smithy/signature-v4`, decided by measurement (`npx tsx bench/sigv4.ts`:
// the same one-request entry bundled with ncc as the actions are; node 20.20, 2 shared cores,
// load average 10; median of 40 interleaved cold starts of `node bundle.js`):
//   | signer                                                 | ncc bundle | cold start | over node -e "" |
//   | ours (this file)                                       |     7.3 kB |   202.5 ms |        +33.5 ms |
//   | @smithy/signature-v4 5.7.5 + hash-node + protocol-http |   405.7 kB |   287.5 ms |       +118.5 ms |
// (ncc keeps comments: with this table the entry bundles to 7.6 kB.) A second run at load 15:
// node -e '' 813.7 ms, ours +110.7 ms, smithy +285.1 ms; the ratio holds, the absolutes are noise.
// Both sign the bench's request identically (the bench checks it). The SDK's signer also wants a
// hash constructor and its HttpRequest class handed in and adds x-amz-content-sha256 unless told
// not to. This one covers what we send (no S3, no chunked payloads) and is tested against AWS's
// published SigV4 test-suite vectors and the real aws CLI (shared/__tests__/aws/sigv4.test.ts).
import { createHash, createHmac } from 'node:crypto';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Who signs, for which service and region, at which time. */
export interface SigningScope {
  credentials: AwsCredentials;
  /** The signing name: `sts`, `eks`, `ecr`, `ecr-public`. */
  service: string;
  region: string;
  now: Date;
}

export interface SignableRequest {
  method: string;
  url: string;
  /** Sent and signed as given (names case-insensitive); `host` comes from the URL. */
  headers?: Record<string, string>;
  body?: string;
}

export interface SignedRequest {
  method: string;
  url: string;
  /** Lower-cased names: the caller's headers plus x-amz-date, x-amz-security-token, authorization. */
  headers: Record<string, string>;
  body?: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

/** SigV4's UriEncode: RFC 3986 unreserved characters stay, every other byte becomes %XX. */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()
  );
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
const hmac = (key: string | Buffer, text: string): Buffer =>
  createHmac('sha256', key).update(text).digest();

/** `2015-08-30T12:36:00.123Z` → `20150830T123600Z`. */
export function amzDate(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function credentialScope(scope: SigningScope): string {
  return `${amzDate(scope.now).slice(0, 8)}/${scope.region}/${scope.service}/aws4_request`;
}

/** Each path segment decoded, then UriEncoded once (not S3: S3 paths are never double-checked). */
function canonicalPath(url: URL): string {
  const path = url.pathname || '/';
  return path
    .split('/')
    .map((segment) => uriEncode(decodeURIComponent(segment)))
    .join('/');
}

/** Query pairs UriEncoded, sorted by name then value. */
export function canonicalQuery(pairs: Array<[string, string]>): string {
  return pairs
    .map(([name, value]) => [uriEncode(name), uriEncode(value)])
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** Header names lower-cased, values trimmed with inner runs of spaces collapsed. */
function canonicalHeaders(headers: Record<string, string>): { text: string; signed: string } {
  const entries = Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), value.trim().replace(/\s+/g, ' ')])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    text: entries.map(([name, value]) => `${name}:${value}\n`).join(''),
    signed: entries.map(([name]) => name).join(';')
  };
}

/**
 * The canonical request SigV4 hashes (what the aws CLI logs at --debug as "CanonicalRequest").
 * Pure; exported so tests compare it with the real CLI's and the rigs verify with it.
 */
export function canonicalRequest(input: {
  method: string;
  url: URL;
  /** Every signed header, host included. */
  headers: Record<string, string>;
  /** Query pairs as signed (presigning adds its X-Amz-* pairs here). */
  query: Array<[string, string]>;
  payloadHash: string;
}): { text: string; signedHeaders: string } {
  const headers = canonicalHeaders(input.headers);
  const text = [
    input.method.toUpperCase(),
    canonicalPath(input.url),
    canonicalQuery(input.query),
    headers.text,
    headers.signed,
    input.payloadHash
  ].join('\n');
  return { text, signedHeaders: headers.signed };
}

/** The hex signature over a canonical request. Pure. */
export function signature(canonical: string, scope: SigningScope): string {
  const stringToSign = [
    ALGORITHM,
    amzDate(scope.now),
    credentialScope(scope),
    sha256Hex(canonical)
  ];
  const key = [scope.region, scope.service, 'aws4_request'].reduce<Buffer>(
    (k, part) => hmac(k, part),
    hmac(`AWS4${scope.credentials.secretAccessKey}`, amzDate(scope.now).slice(0, 8))
  );
  return hmac(key, stringToSign.join('\n')).toString('hex');
}

/** Adds x-amz-date, x-amz-security-token and the Authorization header, as botocore signs. Pure. */
export function signRequest(request: SignableRequest, scope: SigningScope): SignedRequest {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  headers['x-amz-date'] = amzDate(scope.now);
  if (scope.credentials.sessionToken) {
    headers['x-amz-security-token'] = scope.credentials.sessionToken;
  }
  const canonical = canonicalRequest({
    method: request.method,
    url,
    headers: { ...headers, host: url.host },
    query: [...url.searchParams],
    payloadHash: sha256Hex(request.body ?? '')
  });
  headers.authorization =
    `${ALGORITHM} Credential=${scope.credentials.accessKeyId}/${credentialScope(scope)}, ` +
    `SignedHeaders=${canonical.signedHeaders}, Signature=${signature(canonical.text, scope)}`;
  return { method: request.method, url: request.url, headers, body: request.body };
}

/**
 * A presigned GET URL (query-string auth, as botocore's SigV4QueryAuth): the URL's own query
 * first, then the X-Amz-* parameters, the session token after them, the signature last. The
 * payload hash is that of the empty body (UNSIGNED-PAYLOAD is S3's only). Pure.
 */
export function presignUrl(
  rawUrl: string,
  scope: SigningScope,
  options: { expiresSeconds: number; headers?: Record<string, string> }
): string {
  const url = new URL(rawUrl);
  const headers: Record<string, string> = { host: url.host };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  const signedHeaders = canonicalHeaders(headers).signed;
  const query: Array<[string, string]> = [
    ...url.searchParams,
    ['X-Amz-Algorithm', ALGORITHM],
    ['X-Amz-Credential', `${scope.credentials.accessKeyId}/${credentialScope(scope)}`],
    ['X-Amz-Date', amzDate(scope.now)],
    ['X-Amz-Expires', String(options.expiresSeconds)],
    ['X-Amz-SignedHeaders', signedHeaders]
  ];
  if (scope.credentials.sessionToken) {
    query.push(['X-Amz-Security-Token', scope.credentials.sessionToken]);
  }
  const canonical = canonicalRequest({
    method: 'GET',
    url,
    headers,
    query,
    payloadHash: sha256Hex('')
  });
  const encoded = query.map(([name, value]) => `${uriEncode(name)}=${uriEncode(value)}`);
  const sig = signature(canonical.text, scope);
  return `${url.origin}${url.pathname}?${encoded.join('&')}&X-Amz-Signature=${sig}`;
}
