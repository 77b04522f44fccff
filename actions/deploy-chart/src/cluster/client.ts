// A minimal Kubernetes REST client for the few calls the deploy makes (version, list, watch,
// logs, delete, and the plan's dry-run patches), built on node:https so the bundle carries no Kubernetes SDK. It speaks to the
// API server exactly as the kubeconfig's current context says: its CA, and a bearer token,
// client certificate, basic auth or exec plugin credential.
import http from 'node:http';
import https from 'node:https';
import { processRunner, type ProcessRunner } from '../../../shared/src/exec.js';
import { isTransientFailure } from '../../../shared/src/transient.js';
import type { ClusterAccess, ExecCredential } from '../cluster-access.js';
import type { EksTokenPlan } from './eks-token.js';
import { ExecCredentialSource } from './exec-credential.js';
import type { KubeList, KubeStatus } from './types.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface KubeClient {
  readonly server: string;
  get<T>(path: string, query?: Query): Promise<T>;
  /** A text resource, e.g. `/api/v1/namespaces/<ns>/pods/<pod>/log`. */
  getText(path: string, query?: Query): Promise<string>;
  list<T>(path: string, query?: Query): Promise<KubeList<T>>;
  /**
   * One watch connection: calls `onEvent` per event until the server ends the stream
   * (resolves) or `signal` aborts (resolves). An ERROR event (e.g. 410 Expired) rejects with
   * a KubeApiError, so the caller can list again.
   */
  watch<T>(
    path: string,
    query: Query,
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal
  ): Promise<void>;
  delete(path: string): Promise<void>;
  /** A PATCH with `body` of `contentType` (e.g. a server-side apply, `application/apply-patch+yaml`). */
  patch<T>(path: string, body: string, contentType: string, query?: Query): Promise<T>;
  /**
   * The bearer token requests carry (minted by the exec plugin when the kubeconfig has one,
   * and cached until it expires), so helm can be handed the same token instead of running
   * the plugin again; undefined for client-certificate or basic auth.
   */
  bearerToken(): Promise<string | undefined>;
}

/** The API server answered with a non-2xx status; `kubeMessage` is its Status message. */
export class KubeApiError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly statusCode: number,
    readonly reason: string,
    readonly kubeMessage: string
  ) {
    super(`${method} ${url}: ${statusCode} ${reason}${kubeMessage ? `: ${kubeMessage}` : ''}`);
    this.name = 'KubeApiError';
  }
}

/** The request never got an HTTP answer: `code` is Node's (ECONNREFUSED, CERT_HAS_EXPIRED …). */
export class KubeNetworkError extends Error {
  constructor(
    readonly url: string,
    readonly code: string,
    readonly detail: string
  ) {
    super(`${url}: ${code}: ${detail}`);
    this.name = 'KubeNetworkError';
  }
}

/**
 * Whether a failure may pass by itself: the API server restarting or behind a load balancer
 * that cut the connection (EKS control-plane updates), throttling, etcd electing a leader,
 * or a helm child that hit the same. The rule is the shared one (shared/src/transient.ts). Pure.
 */
export function isTransientClusterError(error: unknown): boolean {
  if (error instanceof KubeApiError) {
    return isTransientFailure({ status: error.statusCode, text: error.kubeMessage });
  }
  if (error instanceof KubeNetworkError) {
    return isTransientFailure({ code: error.code, text: error.detail });
  }
  return isTransientFailure({ text: error instanceof Error ? error.message : String(error) });
}

interface KubeClientDeps {
  /** Runs the exec credential plugin; the real process runner by default. */
  runner?: ProcessRunner;
  /** Who makes the exec user's tokens (credentials.ts plans it); required with an exec user. */
  tokenPlan?: EksTokenPlan;
  /** The environment the exec plugin runs in, under its own env (helm's extra env). */
  execEnv?: Record<string, string>;
  now?: () => number;
  /** Per-request socket inactivity limit (watches use their own). */
  requestTimeoutMs?: number;
}

interface Response {
  statusCode: number;
  body: string;
}

interface RequestSpec {
  method: string;
  path: string;
  query?: Query;
  /** Streamed body: each complete line goes here instead of into `body`. */
  onLine?: (line: string) => void;
  body?: { text: string; contentType: string };
  signal?: AbortSignal;
  timeoutMs: number;
}

/** `https://host/prefix` + `/api/v1/...` + query, keeping a server path prefix (Rancher, proxies). */
export function apiUrl(server: string, path: string, query: Query = {}): URL {
  const url = new URL(server);
  url.pathname = url.pathname.replace(/\/+$/, '') + path;
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url;
}

/** The Status object of an error response, or a synthetic one for non-JSON bodies. */
export function parseStatus(
  statusCode: number,
  body: string
): Required<Pick<KubeStatus, 'reason' | 'message'>> {
  try {
    const status = JSON.parse(body) as KubeStatus;
    if (status && typeof status === 'object' && (status.message || status.reason)) {
      return {
        reason: status.reason ?? http.STATUS_CODES[statusCode] ?? '',
        message: status.message ?? ''
      };
    }
  } catch {
    // Not JSON: a proxy or load balancer answered; its text is the best explanation we have.
  }
  return { reason: http.STATUS_CODES[statusCode] ?? 'Error', message: body.trim().slice(0, 300) };
}

class RestClient implements KubeClient {
  readonly server: string;
  private readonly exec?: ExecCredentialSource;
  private readonly timeoutMs: number;

  constructor(
    private readonly access: ClusterAccess,
    deps: KubeClientDeps
  ) {
    this.server = access.server;
    this.timeoutMs = deps.requestTimeoutMs ?? 30_000;
    if (access.exec) {
      if (!deps.tokenPlan) {
        throw new Error(
          `the kubeconfig user runs "${access.exec.command}", and no token plan says who makes its tokens (planTokenSource)`
        );
      }
      this.exec = new ExecCredentialSource(
        access.exec,
        deps.tokenPlan,
        deps.runner ?? processRunner,
        { now: deps.now, env: deps.execEnv }
      );
    }
  }

  async get<T>(path: string, query?: Query): Promise<T> {
    return JSON.parse(await this.getText(path, query)) as T;
  }

  async getText(path: string, query?: Query): Promise<string> {
    const response = await this.send({ method: 'GET', path, query, timeoutMs: this.timeoutMs });
    return response.body;
  }

  list<T>(path: string, query?: Query): Promise<KubeList<T>> {
    return this.get<KubeList<T>>(path, query);
  }

  async delete(path: string): Promise<void> {
    await this.send({ method: 'DELETE', path, timeoutMs: this.timeoutMs });
  }

  async patch<T>(path: string, body: string, contentType: string, query?: Query): Promise<T> {
    const response = await this.send({
      method: 'PATCH',
      path,
      query,
      body: { text: body, contentType },
      timeoutMs: this.timeoutMs
    });
    return JSON.parse(response.body) as T;
  }

  async bearerToken(): Promise<string | undefined> {
    if (!this.exec) return this.access.token;
    return (await this.exec.get()).credential.token;
  }

  async watch<T>(
    path: string,
    query: Query,
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal
  ): Promise<void> {
    const url = apiUrl(this.server, path, query).toString();
    await this.send({
      method: 'GET',
      path,
      query: { ...query, watch: true },
      signal,
      // The server closes a watch after its timeoutSeconds; silence far beyond that is a dead link.
      timeoutMs: (Number(query.timeoutSeconds ?? 300) + 30) * 1000,
      onLine: (line) => {
        const event = JSON.parse(line) as WatchEvent<T>;
        if (!event?.type || !event.object)
          throw new Error(`GET ${url}: the answer is not a watch stream`);
        if (event.type === 'ERROR') {
          const status = event.object as KubeStatus;
          throw new KubeApiError(
            'WATCH',
            url,
            status.code ?? 500,
            status.reason ?? 'Error',
            status.message ?? ''
          );
        }
        onEvent(event);
      }
    });
  }

  /**
   * One request. With an exec plugin, a 401 for a cached credential (revoked, or expired
   * without saying when) runs the plugin again and retries once; a freshly minted one that
   * is refused is refused for good, and running the plugin again would only cost time.
   */
  private async send(spec: RequestSpec): Promise<Response> {
    const exec = await this.exec?.get();
    try {
      return await this.attempt(spec, exec?.credential);
    } catch (error) {
      const stale = exec?.cached && error instanceof KubeApiError && error.statusCode === 401;
      if (!this.exec || !stale) throw error;
      this.exec.invalidate();
      return this.attempt(spec, (await this.exec.get()).credential);
    }
  }

  private attempt(spec: RequestSpec, credential?: ExecCredential): Promise<Response> {
    const url = apiUrl(this.server, spec.path, spec.query);
    const shownUrl = apiUrl(this.server, spec.path).toString();
    const options = this.requestOptions(spec.method, credential, spec.body?.contentType);
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise<Response>((resolve, reject) => {
      if (spec.signal?.aborted) return resolve({ statusCode: 0, body: '' });
      const request = transport.request(url, options, (response) => {
        const statusCode = response.statusCode ?? 0;
        const ok = statusCode >= 200 && statusCode < 300;
        let body = '';
        let pending = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (!ok || !spec.onLine) {
            body += chunk;
            return;
          }
          pending += chunk;
          let newline: number;
          while ((newline = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, newline).trim();
            pending = pending.slice(newline + 1);
            if (!line) continue;
            try {
              spec.onLine(line);
            } catch (error) {
              request.destroy();
              reject(error);
              return;
            }
          }
        });
        response.on('end', () => {
          if (ok) return resolve({ statusCode, body });
          const status = parseStatus(statusCode, body);
          reject(
            new KubeApiError(spec.method, shownUrl, statusCode, status.reason, status.message)
          );
        });
        response.on('error', (error) => onError(error));
      });
      const onError = (error: Error & { code?: string }) => {
        if (spec.signal?.aborted) return resolve({ statusCode: 0, body: '' });
        reject(new KubeNetworkError(shownUrl, error.code ?? 'ERROR', error.message));
      };
      const onAbort = () => request.destroy();
      spec.signal?.addEventListener('abort', onAbort, { once: true });
      request.on('close', () => spec.signal?.removeEventListener('abort', onAbort));
      request.setTimeout(spec.timeoutMs, () => {
        request.destroy(
          Object.assign(new Error(`no answer within ${spec.timeoutMs / 1000}s`), {
            code: 'ETIMEDOUT'
          })
        );
      });
      request.on('error', onError);
      request.end(spec.body?.text);
    });
  }

  private requestOptions(
    method: string,
    credential?: ExecCredential,
    contentType?: string
  ): https.RequestOptions {
    const { access } = this;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': 'deploy-chart-action',
      ...(contentType ? { 'Content-Type': contentType } : {})
    };
    const token = credential?.token ?? access.token;
    if (token) {
      headers.Authorization = `Bearer ${token}`;
    } else if (access.username !== undefined && access.password !== undefined) {
      headers.Authorization = `Basic ${Buffer.from(`${access.username}:${access.password}`).toString('base64')}`;
    }
    return {
      method,
      headers,
      // A fresh connection per request: nothing is pooled, so nothing keeps the step alive.
      agent: false,
      ca: access.caPem,
      cert: credential?.clientCertPem ?? access.clientCertPem,
      key: credential?.clientKeyPem ?? access.clientKeyPem,
      rejectUnauthorized: !access.insecureSkipTlsVerify
    };
  }
}

export function createKubeClient(access: ClusterAccess, deps: KubeClientDeps = {}): KubeClient {
  return new RestClient(access, deps);
}
