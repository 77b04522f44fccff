// What an AWS service checks of a SigV4 Authorization header, written apart from the actions'
// signer (actions/shared/src/aws/sigv4.ts) so a bug in one is caught by the other; the real
// aws CLI's requests pass it (aws-rig.test.ts), which is what makes it the referee.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface SignedHttpRequest {
  method: string;
  /** Path and query exactly as received. */
  rawPath: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
}

export type SigV4Verdict =
  | { ok: true; accessKeyId: string; region: string; service: string; sessionToken?: string }
  | { ok: false; code: string; message: string };

/** The secret of a known access key, and the session token it must come with, if any. */
export type KeyLookup = (
  accessKeyId: string
) => { secretAccessKey: string; sessionToken?: string; expiresAt?: number } | undefined;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: string | Buffer, text: string) =>
  createHmac('sha256', key).update(text, 'utf8').digest();
const encode = (text: string) =>
  encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
  );

function canonicalQuery(query: string): string {
  if (!query) return '';
  return query
    .split('&')
    .map((pair) => {
      const [name, value = ''] = pair.split('=');
      const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
      return `${encode(decode(name))}=${encode(decode(value))}`;
    })
    .sort()
    .join('&');
}

function parseDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : undefined;
}

const refuse = (code: string, message: string): SigV4Verdict => ({ ok: false, code, message });

/** Verifies a header-signed request as AWS does; `now` bounds the 15-minute skew. */
export function verifySigV4(
  request: SignedHttpRequest,
  keys: KeyLookup,
  now = Date.now()
): SigV4Verdict {
  const auth = request.headers.authorization ?? '';
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth
    );
  if (!m) return refuse('MissingAuthenticationToken', 'Request is missing Authentication Token');
  const [, accessKeyId, day, region, service, signedHeaders, given] = m;
  const date = request.headers['x-amz-date'] ?? '';
  const time = parseDate(date);
  if (time === undefined || date.slice(0, 8) !== day) {
    return refuse(
      'IncompleteSignature',
      'X-Amz-Date is missing or differs from the credential date'
    );
  }
  if (Math.abs(now - time) > 15 * 60_000) {
    return refuse(
      'SignatureDoesNotMatch',
      'Signature expired: the request time is more than 15 minutes from now'
    );
  }
  const key = keys(accessKeyId);
  if (!key) {
    return refuse('InvalidClientTokenId', 'The security token included in the request is invalid.');
  }
  const names = signedHeaders.split(';');
  if (!names.includes('host'))
    return refuse('SignatureDoesNotMatch', "'Host' must be a signed header");
  if (key.sessionToken !== undefined) {
    if (
      request.headers['x-amz-security-token'] !== key.sessionToken ||
      !names.includes('x-amz-security-token')
    ) {
      return refuse(
        'InvalidClientTokenId',
        'The security token included in the request is invalid.'
      );
    }
    if (key.expiresAt !== undefined && now >= key.expiresAt) {
      return refuse('ExpiredToken', 'The security token included in the request is expired');
    }
  }
  const [path, query = ''] = request.rawPath.split(/\?(.*)/s, 2);
  const canonical = [
    request.method,
    path
      .split('/')
      .map((s) => encode(decodeURIComponent(s)))
      .join('/'),
    canonicalQuery(query),
    names
      .map((name) => `${name}:${(request.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`)
      .join(''),
    signedHeaders,
    sha256(request.body)
  ].join('\n');
  const toSign = [
    'AWS4-HMAC-SHA256',
    date,
    `${day}/${region}/${service}/aws4_request`,
    sha256(canonical)
  ].join('\n');
  let signingKey = hmac(`AWS4${key.secretAccessKey}`, day);
  for (const part of [region, service, 'aws4_request']) signingKey = hmac(signingKey, part);
  const expected = hmac(signingKey, toSign).toString('hex');
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(given))) {
    return refuse(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.'
    );
  }
  return { ok: true, accessKeyId, region, service, sessionToken: key.sessionToken };
}
