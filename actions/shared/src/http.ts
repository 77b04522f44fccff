import { setFlagsFromString } from 'node:v8';

/**
 * The smallest HTTP surface the actions need, behind an interface so tests can hand in a
 * fake. Built on Node's own fetch, the one HTTP edge: registry, AWS and GitHub calls and the
 * verified tool downloads (deploy-chart's verified-install.ts) all go through it, and none
 * through a client library (@actions/tool-cache is used for its cache and extraction only).
 */
export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: string;
}

export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
}

/** `fetch failed` hides the reason in `cause` (ECONNREFUSED, ENOTFOUND, a timeout). */
function reason(error: unknown): string {
  const inner = (error as { cause?: unknown } | undefined)?.cause ?? error;
  const { code, message } = (inner ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' && message ? message : String(inner);
  return typeof code === 'string' && !text.includes(code) ? `${code} ${text}` : text;
}

/** A failure below HTTP (refused, reset, DNS, timeout): worth retrying, unlike most statuses. */
export class NetworkError extends Error {
  /** Node's or undici's code (ECONNRESET, UND_ERR_CONNECT_TIMEOUT …); ETIMEDOUT for our own timeout. */
  readonly code?: string;

  constructor(
    readonly url: string,
    cause: unknown
  ) {
    super(`${url}: ${reason(cause)}`);
    this.name = 'NetworkError';
    this.code = codeOf(cause);
  }
}

function codeOf(error: unknown): string | undefined {
  const inner = (error as { cause?: unknown } | undefined)?.cause ?? error;
  const { code } = (inner ?? {}) as { code?: unknown };
  if (typeof code === 'string') return code;
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'TimeoutError' ? 'ETIMEDOUT' : undefined;
}

/**
 * Node's fetch parses HTTP with undici's WebAssembly llhttp, and V8 recompiles that module with
 * TurboFan in the background; Node waits for the compile before it exits, ~0.2 s after the
 * action's last line (measured: bench "exit" phases). Baseline Liftoff code is plenty for the
 * few small responses an action reads. Must run before the first fetch compiles the module.
 */
function keepWasmBaseline(): void {
  setFlagsFromString('--no-wasm-tier-up');
  setFlagsFromString('--no-wasm-dynamic-tiering');
}

export function fetchClient(timeoutMs = 30_000): HttpClient {
  keepWasmBaseline();
  return {
    async request({ method, url, headers, body }) {
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers,
          body,
          redirect: 'follow',
          signal: AbortSignal.timeout(timeoutMs)
        });
      } catch (error) {
        throw new NetworkError(url, error);
      }
      const text = method === 'HEAD' ? '' : await response.text();
      return {
        status: response.status,
        headers: Object.fromEntries([...response.headers].map(([k, v]) => [k.toLowerCase(), v])),
        body: text
      };
    }
  };
}
