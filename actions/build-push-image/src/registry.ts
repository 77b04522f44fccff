import { createHash } from 'node:crypto';
import type { HttpClient, HttpRequest, HttpResponse } from '../../shared/src/http.js';
import { NetworkError } from '../../shared/src/http.js';
import { maskSecret } from '../../shared/src/mask.js';
import { retry, retryAfterMs, type RetryDecision } from '../../shared/src/retry.js';
import { isTransientFailure } from '../../shared/src/transient.js';
import { registryApiBase, type ImageName } from './image-ref.js';

/** Every manifest kind a tag can point at: OCI and Docker, single-platform and lists. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json'
].join(', ');

export interface Credentials {
  username: string;
  password: string;
}

export interface Challenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

/** Parses `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` (or Basic). */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  const match = /^\s*(Bearer|Basic)\b\s*(.*)$/i.exec(header ?? '');
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const [, key, quoted, bare] of match[2].matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) {
    params[key.toLowerCase()] = quoted ?? bare;
  }
  return { scheme: match[1].toLowerCase() as Challenge['scheme'], params };
}

/** The token endpoint URL for one repository scope, as the distribution token spec builds it. */
export function tokenUrl(challenge: Challenge, scope: string): string {
  const url = new URL(challenge.params.realm);
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  url.searchParams.set('scope', scope);
  return url.toString();
}

function basicAuthorization({ username, password }: Credentials): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** A registry answer we did not expect, with the registry's own error text. */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly extra: {
      retryAfterMs?: number;
      /**
       * The registry said the username and password are wrong (token endpoint or Basic).
       * A 401 on a manifest with a valid token only means "not yours to see" - often just
       * a package that does not exist yet.
       */
      credentialsRejected?: boolean;
    } = {}
  ) {
    super(`registry answered ${status}${detail ? `: ${detail}` : ''}`);
    this.name = 'RegistryError';
  }
}

/** `{"errors":[{"code":"DENIED","message":"…"}]}` → `DENIED: …`, else the raw text. */
export function registryErrorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errors?: Array<{ code?: string; message?: string }> };
    if (Array.isArray(parsed.errors) && parsed.errors.length > 0) {
      return parsed.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
    }
  } catch {
    // not JSON: fall through to the text itself
  }
  return body.trim().slice(0, 300);
}

/** The shared rule (shared/src/transient.ts), for the registry's answers and a lost connection. */
function isRetryable(error: unknown): RetryDecision {
  if (error instanceof NetworkError) {
    return { retry: isTransientFailure({ code: error.code, text: error.message }) };
  }
  if (error instanceof RegistryError && isTransientFailure({ status: error.status })) {
    return { retry: true, waitMs: error.extra.retryAfterMs };
  }
  return { retry: false };
}

export interface ManifestInfo {
  digest: string;
  mediaType: string;
  /** Compressed bytes of config and layers; undefined for multi-platform lists. */
  size?: number;
  platforms?: number;
}

/** Sums what a pull downloads for a single-platform manifest; lists report their platforms. */
export function describeManifest(body: string, digest: string, mediaType: string): ManifestInfo {
  const doc = JSON.parse(body) as {
    mediaType?: string;
    config?: { size?: number };
    layers?: Array<{ size?: number }>;
    manifests?: unknown[];
  };
  const kind = doc.mediaType ?? mediaType;
  if (Array.isArray(doc.manifests)) {
    return { digest, mediaType: kind, platforms: doc.manifests.length };
  }
  const size = [doc.config, ...(doc.layers ?? [])].reduce((sum, d) => sum + (d?.size ?? 0), 0);
  return { digest, mediaType: kind, size };
}

export interface RegistryOptions {
  http: HttpClient;
  credentials?: Credentials;
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Reads manifests over the registry HTTP API with the handshake docker does: try, and on
 * 401 follow the `WWW-Authenticate` challenge (a Bearer token from the realm, or Basic).
 */
export class RegistryClient {
  private authorization?: string;
  private readonly base: string;

  constructor(
    private readonly image: ImageName,
    private readonly options: RegistryOptions
  ) {
    this.base = registryApiBase(image.registry);
  }

  /** The digest `tag` points at, or undefined when the registry has no such tag. */
  async digest(tag: string): Promise<string | undefined> {
    const response = await this.send(this.manifestRequest('HEAD', tag), [200, 404]);
    if (response.status === 404) return undefined;
    return response.headers['docker-content-digest'] ?? (await this.manifest(tag)).digest;
  }

  async manifest(tag: string): Promise<ManifestInfo> {
    const response = await this.send(this.manifestRequest('GET', tag), [200]);
    const digest =
      response.headers['docker-content-digest'] ??
      `sha256:${createHash('sha256').update(response.body).digest('hex')}`;
    return describeManifest(response.body, digest, response.headers['content-type'] ?? '');
  }

  /** Asks a registry that just refused us with 429 how long it wants us to wait. */
  async retryAfterHint(): Promise<number | undefined> {
    try {
      const response = await this.options.http.request({ method: 'GET', url: `${this.base}/v2/` });
      return retryAfterMs(response.headers['retry-after']);
    } catch {
      return undefined;
    }
  }

  private manifestRequest(method: 'GET' | 'HEAD', tag: string): HttpRequest {
    return {
      method,
      url: `${this.base}/v2/${this.image.path}/manifests/${tag}`,
      headers: { Accept: MANIFEST_ACCEPT }
    };
  }

  private async send(request: HttpRequest, expected: number[]): Promise<HttpResponse> {
    const first = await this.attempt(request);
    let response = first.response;
    if (response.status === 401) {
      // Concurrent requests may all meet the challenge; only one needs to answer it.
      if (first.sentWith === this.authorization) {
        this.authorization = await this.authorize(response.headers['www-authenticate']);
      }
      ({ response } = await this.attempt(request));
    }
    if (!expected.includes(response.status)) {
      throw new RegistryError(response.status, registryErrorText(response.body), {
        credentialsRejected: response.status === 401 && this.authorization?.startsWith('Basic ')
      });
    }
    return response;
  }

  /** One request, retried on network errors, 429 and 5xx, honouring Retry-After. */
  private async attempt(
    request: HttpRequest,
    withSession = true
  ): Promise<{ response: HttpResponse; sentWith?: string }> {
    const headers = { ...request.headers };
    let sentWith: string | undefined;
    const response = await retry(
      async () => {
        sentWith = withSession ? this.authorization : undefined;
        if (sentWith) headers.Authorization = sentWith;
        const answer = await this.options.http.request({ ...request, headers });
        if (answer.status === 429 || answer.status >= 500) {
          throw new RegistryError(answer.status, registryErrorText(answer.body), {
            retryAfterMs: retryAfterMs(answer.headers['retry-after'])
          });
        }
        return answer;
      },
      {
        attempts: this.options.attempts ?? 4,
        baseMs: 500,
        maxMs: 30_000,
        decide: isRetryable,
        sleep: this.options.sleep
      }
    );
    return { response, sentWith };
  }

  private async authorize(header: string | undefined): Promise<string> {
    const challenge = parseChallenge(header);
    const { credentials } = this.options;
    if (challenge?.scheme === 'basic' || (!challenge && credentials)) {
      if (!credentials) throw new RegistryError(401, 'the registry wants a username and password');
      return basicAuthorization(credentials);
    }
    if (!challenge?.params.realm) {
      throw new RegistryError(401, `unsupported authentication challenge "${header ?? ''}"`);
    }
    const url = tokenUrl(challenge, `repository:${this.image.path}:pull`);
    const { response } = await this.attempt(
      {
        method: 'GET',
        url,
        headers: credentials ? { Authorization: basicAuthorization(credentials) } : {}
      },
      false
    );
    if (response.status !== 200) {
      throw new RegistryError(response.status, registryErrorText(response.body), {
        credentialsRejected: response.status === 401
      });
    }
    const body = JSON.parse(response.body) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(response.status, 'the token endpoint returned no token');
    maskSecret(token);
    return `Bearer ${token}`;
  }
}
