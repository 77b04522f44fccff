// The HTTPS front of the emulated API server: authentication, the request log, faults and
// RBAC, then routing to discovery (routes/discovery.ts) or the resource verbs
// (routes/resources.ts).
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { findType } from './resources.js';
import type { RequestRecord, ResourcePath, ServerDeps } from './routes/deps.js';
import { discoveryReply } from './routes/discovery.js';
import { Reply } from './routes/request.js';
import { resourceReply } from './routes/resources.js';
import { ApiError, errors } from './status.js';

export type { RequestRecord } from './routes/deps.js';

/** The RBAC verb of a request, as the API server's RequestInfo resolver names it. */
export function accessVerb(method: string, route: ResourcePath, watch: boolean): string {
  if (method === 'GET') return watch ? 'watch' : route.name ? 'get' : 'list';
  if (method === 'POST') return 'create';
  if (method === 'PUT') return 'update';
  if (method === 'PATCH') return 'patch';
  if (method === 'DELETE') return route.name ? 'delete' : 'deletecollection';
  return method.toLowerCase();
}

/** Parses `/api/v1/...` and `/apis/<group>/<version>/...` resource paths. */
export function parseResourcePath(pathname: string): ResourcePath | undefined {
  const parts = pathname.split('/').filter(Boolean);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3)
    [group, version, rest] = ['', parts[1], parts.slice(2)];
  else if (parts[0] === 'apis' && parts.length >= 4)
    [group, version, rest] = [parts[1], parts[2], parts.slice(3)];
  else return undefined;
  const watchPath = rest[0] === 'watch';
  if (watchPath) rest = rest.slice(1);
  let namespace: string | undefined;
  if (
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    findType(group, version, rest[2])?.namespaced
  ) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const type = findType(group, version, rest[0]);
  if (!type || rest.length > 3) return undefined;
  if (type.namespaced && namespace === undefined && rest.length > 1) return undefined;
  const subresource = rest[2];
  if (subresource && !type.subresources?.includes(subresource)) return undefined;
  return { type, namespace, name: rest[1], subresource, watchPath };
}

export function createHandler(deps: ServerDeps) {
  const { faults } = deps;
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://emulator');
    const method = req.method ?? 'GET';
    const record: RequestRecord = {
      method,
      path: url.pathname + url.search,
      status: 0,
      userAgent: req.headers['user-agent'],
      ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {})
    };
    deps.requests.push(record);
    const warnings: string[] = [];
    const reply = (r: Reply) => {
      record.status = r.status;
      const headers: Record<string, string | string[]> = {
        'Content-Type': r.contentType,
        'Audit-Id': randomUUID(),
        'Cache-Control': 'no-cache, private'
      };
      if (warnings.length) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
      if (r.status === 429) headers['Retry-After'] = '1';
      res.writeHead(r.status, headers);
      res.end(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
    };
    try {
      if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
      const token = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
      if (!token || !deps.authenticate(token)) throw errors.unauthorized();
      const injected = faults.failureFor(method, record.path);
      if (injected) throw errors.injected(injected);
      const found = method === 'GET' ? discoveryReply(req, url.pathname) : undefined;
      if (found) return reply(found);
      const route = parseResourcePath(url.pathname);
      if (!route) throw errors.pathNotFound();
      const watching = route.watchPath || url.searchParams.get('watch') === 'true';
      const verb = accessVerb(method, route, watching);
      const resourceName = route.subresource
        ? `${route.type.resource}/${route.subresource}`
        : route.type.resource;
      const deniedUser = deps.authorize?.(token, {
        verb,
        resource: resourceName,
        namespace: route.namespace
      });
      if (deniedUser !== undefined) {
        throw errors.rbacForbidden(
          route.type,
          verb,
          deniedUser,
          resourceName,
          route.namespace,
          route.name
        );
      }
      const result = await resourceReply(deps, req, res, route, url.searchParams, warnings);
      if (result === 'streamed') {
        record.status = 200;
        return;
      }
      reply(result);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof ApiError) reply(new Reply(error.code, error.status));
      else reply(new Reply(500, errors.internal((error as Error).message).status));
    }
  };
}

export function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  tls: { cert: string; key: string },
  port: number
): Promise<https.Server> {
  const server = https.createServer({ cert: tls.cert, key: tls.key }, handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
