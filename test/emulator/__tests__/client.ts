// A minimal HTTPS client for the emulator tests: plain requests and watch streams, trusting
// the cluster's CA and sending a bearer token.
import https from 'node:https';
import type { Cluster } from '../index.js';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** Bearer token; `null` sends no Authorization header. */
  token?: string | null;
}

export function kubeRequest(
  cluster: Pick<Cluster, 'url' | 'caPem'>,
  token: string,
  method: string,
  path: string,
  options: RequestOptions = {}
): Promise<Answer> {
  const bearer = options.token === undefined ? token : options.token;
  const payload =
    options.body === undefined
      ? undefined
      : Buffer.isBuffer(options.body) || typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, cluster.url),
      {
        method,
        ca: cluster.caPem,
        // A fresh connection per request, so a restarted server is reached anew.
        agent: false,
        headers: {
          ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
          ...(payload !== undefined
            ? { 'Content-Type': options.contentType ?? 'application/json' }
            : {}),
          ...(options.accept ? { Accept: options.accept } : {})
        }
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // plain text (logs)
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      }
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export interface WatchStream {
  /** Resolves with the events received once `count` have arrived. */
  next(count: number): Promise<Array<{ type: string; object: Record<string, any> }>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  closed: Promise<void>;
  close(): void;
}

export function kubeWatch(
  cluster: Pick<Cluster, 'url' | 'caPem'>,
  token: string,
  path: string
): WatchStream {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const events: Array<{ type: string; object: Record<string, any> }> = [];
  const waiters: Array<() => void> = [];
  let buffer = '';
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const req = https.request(new URL(path, cluster.url), {
    ca: cluster.caPem,
    headers: { Authorization: `Bearer ${token}` }
  });
  req.on('response', (res) => {
    res.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        events.push(JSON.parse(buffer.slice(0, newline)));
        buffer = buffer.slice(newline + 1);
      }
      for (const w of waiters.splice(0)) w();
    });
    res.on('close', resolveClosed);
    res.on('error', resolveClosed);
  });
  req.on('error', resolveClosed);
  req.end();
  return {
    closed,
    close: () => req.destroy(),
    next(count) {
      return new Promise((resolve) => {
        const check = () =>
          events.length >= count ? resolve(events.slice(0, count)) : waiters.push(check);
        check();
      });
    }
  };
}

/** Polls `probe` until it returns a truthy value (tests of asynchronous controllers). */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10000
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
