// A loopback HTTP proxy in front of one HTTP server (the registry, the cluster emulator)
// that misbehaves on a script: answer the next N matching requests with a status, drop
// their connections, or delay them; everything else is forwarded untouched. Requests keep
// their Host header, so servers that build absolute URLs from it (the registry's upload
// Location) point clients back at the proxy.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultRule {
  /** Which requests the rule applies to; a missing field matches everything. */
  match?: { method?: string; path?: RegExp };
  /** How many matching requests it applies to before it is used up. */
  times: number;
  /** Answer with this instead of forwarding (e.g. 503, or 429 with Retry-After). */
  respond?: { status: number; headers?: Record<string, string>; body?: string };
  /** Close the connection without an answer. */
  drop?: boolean;
  /** Wait this long first; alone, the request is then forwarded. */
  delayMs?: number;
}

export interface FaultHit {
  method: string;
  /** Path and query, as the client sent them. */
  path: string;
  /** Whether a rule applied to this request. */
  faulted: boolean;
}

export interface FaultProxy {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT` */
  host: string;
  hits: FaultHit[];
  stop(): Promise<void>;
}

export function ruleMatches(rule: FaultRule, method: string, requestPath: string): boolean {
  const { match } = rule;
  if (match?.method && match.method.toUpperCase() !== method.toUpperCase()) return false;
  if (match?.path && !match.path.test(requestPath)) return false;
  return true;
}

/**
 * The index of the first rule that still has uses left and matches, or -1. Pure: `used`
 * counts how often each rule has applied so far.
 */
export function pickRule(
  rules: FaultRule[],
  used: number[],
  method: string,
  requestPath: string
): number {
  return rules.findIndex(
    (rule, index) => (used[index] ?? 0) < rule.times && ruleMatches(rule, method, requestPath)
  );
}

export async function startFaultProxy(targetUrl: string, rules: FaultRule[]): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  if (target.protocol !== 'http:') throw new Error(`fault proxy: ${targetUrl} is not http://`);
  const used = rules.map(() => 0);
  const hits: FaultHit[] = [];

  const server = http.createServer(async (request, response) => {
    const method = request.method ?? 'GET';
    const requestPath = request.url ?? '/';
    const index = pickRule(rules, used, method, requestPath);
    hits.push({ method, path: requestPath, faulted: index >= 0 });
    const rule = index >= 0 ? rules[index] : undefined;
    if (rule) used[index]++;
    if (rule?.delayMs) await new Promise((resolve) => setTimeout(resolve, rule.delayMs));
    if (rule?.drop) {
      request.socket.destroy();
    } else if (rule?.respond) {
      const body = rule.respond.body ?? '';
      response.writeHead(rule.respond.status, {
        'content-length': Buffer.byteLength(body),
        ...rule.respond.headers
      });
      response.end(body);
    } else {
      forward(target, request, response);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    hits,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}

function forward(target: URL, request: http.IncomingMessage, response: http.ServerResponse): void {
  const upstream = http.request(
    {
      host: target.hostname,
      port: target.port,
      method: request.method,
      path: request.url,
      headers: request.headers,
      agent: false
    },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(response);
    }
  );
  upstream.on('error', (error) => {
    if (response.headersSent) {
      response.destroy();
    } else {
      response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`fault proxy: ${target.host} failed: ${error.message}\n`);
    }
  });
  request.pipe(upstream);
}
