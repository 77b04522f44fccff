// The HTTPS front of the emulated API server: authentication, the request log, faults,
// and routing of discovery, OpenAPI and resource paths to the API verbs.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Api } from './api.js';
import {
  aggregatedDiscovery,
  AGGREGATED_DISCOVERY_TYPE,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  SERVER_VERSION
} from './discovery.js';
import type { Faults } from './faults.js';
import { openApiV3Document, openApiV3Index } from './openapi.js';
import { applyPatch } from './patch.js';
import { decodeProtobuf } from './protobuf.js';
import { apiVersionOf, findType, type ResourceType } from './resources.js';
import { ApiError, errors } from './status.js';
import { toTable } from './table.js';
import { serveWatch } from './watch.js';
import { parse as parseYaml } from 'yaml';

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  userAgent?: string;
  contentType?: string;
}

export interface ServerDeps {
  api: Api;
  faults: Faults;
  requests: RequestRecord[];
  /** True when the bearer token is one this cluster accepts. */
  authenticate(token: string): boolean;
  /** RBAC: the user name of the token and whether it may `verb` the resource, if it may not. */
  authorize?(token: string, request: AccessRequest): string | undefined;
  /** The text of a container's log, or an ApiError (e.g. container waiting). */
  podLog(namespace: string, pod: string, container: string | null): string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

class Reply {
  constructor(
    readonly status: number,
    readonly body: Json,
    readonly contentType = 'application/json'
  ) {}
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? 'application/json').split(';')[0].trim();
}

function parseJson(body: Buffer): Json {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw errors.badRequest(
      `the body of the request could not be decoded: ${(error as Error).message}`
    );
  }
}

function decodeObject(req: IncomingMessage, body: Buffer): Json {
  const type = mediaType(req);
  if (type === 'application/vnd.kubernetes.protobuf') return decodeProtobuf(body);
  if (body.length === 0) return undefined;
  try {
    if (type === 'application/yaml') return parseYaml(body.toString('utf8'));
    if (type === 'application/json') return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw errors.badRequest(
      `the body of the request could not be decoded: ${(error as Error).message}`
    );
  }
  throw errors.unsupportedMediaType(type);
}

export interface AccessRequest {
  verb: string;
  /** `pods`, or `pods/log` for a subresource. */
  resource: string;
  namespace?: string;
}

/** The RBAC verb of a request, as the API server's RequestInfo resolver names it. */
export function accessVerb(method: string, route: ResourcePath, watch: boolean): string {
  if (method === 'GET') return watch ? 'watch' : route.name ? 'get' : 'list';
  if (method === 'POST') return 'create';
  if (method === 'PUT') return 'update';
  if (method === 'PATCH') return 'patch';
  if (method === 'DELETE') return route.name ? 'delete' : 'deletecollection';
  return method.toLowerCase();
}

interface ResourcePath {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  watchPath: boolean;
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

function wantsTable(req: IncomingMessage): boolean {
  return /as=Table/.test(req.headers.accept ?? '');
}

function asListItem(o: Json): Json {
  const copy = { ...o };
  delete copy.kind;
  delete copy.apiVersion;
  return copy;
}

export function createHandler(deps: ServerDeps) {
  const { api, faults } = deps;

  function discovery(req: IncomingMessage, pathname: string): Reply | undefined {
    const aggregated = (req.headers.accept ?? '').includes('v=v2;as=APIGroupDiscoveryList');
    if (pathname === '/version' || pathname === '/version/') return new Reply(200, SERVER_VERSION);
    if (['/healthz', '/livez', '/readyz'].includes(pathname))
      return new Reply(200, 'ok', 'text/plain');
    if (pathname === '/api' || pathname === '/api/') {
      return aggregated
        ? new Reply(200, aggregatedDiscovery(true), AGGREGATED_DISCOVERY_TYPE)
        : new Reply(200, apiVersions());
    }
    if (pathname === '/apis' || pathname === '/apis/') {
      return aggregated
        ? new Reply(200, aggregatedDiscovery(false), AGGREGATED_DISCOVERY_TYPE)
        : new Reply(200, apiGroupList());
    }
    if (pathname === '/openapi/v3') return new Reply(200, openApiV3Index());
    const v3 = /^\/openapi\/v3\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(pathname);
    if (v3) {
      const doc = v3[1] ? openApiV3Document('', v3[1]) : openApiV3Document(v3[2], v3[3]);
      return doc ? new Reply(200, doc) : undefined;
    }
    const core = /^\/api\/(v1)\/?$/.exec(pathname);
    if (core) return new Reply(200, apiResourceList('', core[1]));
    const group = /^\/apis\/([^/]+)\/?$/.exec(pathname);
    if (group) {
      const found = apiGroup(group[1]);
      return found ? new Reply(200, found) : undefined;
    }
    const gv = /^\/apis\/([^/]+)\/([^/]+)\/?$/.exec(pathname);
    if (gv) {
      const found = apiResourceList(gv[1], gv[2]);
      return found ? new Reply(200, found) : undefined;
    }
    return undefined;
  }

  async function resource(
    req: IncomingMessage,
    res: ServerResponse,
    route: ResourcePath,
    query: URLSearchParams,
    warnings: string[]
  ): Promise<Reply | 'streamed'> {
    const { type, namespace, name, subresource } = route;
    const method = req.method ?? 'GET';
    const write = {
      dryRun: query.getAll('dryRun').includes('All'),
      fieldManager: query.get('fieldManager') ?? defaultManager(req),
      fieldValidation: query.get('fieldValidation') ?? undefined,
      subresource,
      warnings
    };
    if (route.watchPath || (method === 'GET' && !name && query.get('watch') === 'true')) {
      const fieldName = /(?:^|,)metadata\.name=([^,]+)/.exec(query.get('fieldSelector') ?? '')?.[1];
      serveWatch(api.store, req, res, { type, namespace, query, name: name ?? fieldName }, (end) =>
        faults.trackWatch(end)
      );
      return 'streamed';
    }
    if (subresource === 'scale' && name) {
      if (method === 'GET') return new Reply(200, api.scale(type, namespace, name));
      if (method !== 'PUT' && method !== 'PATCH') throw errors.methodNotAllowed(method);
      const body = parseJson(await readBody(req));
      const change = (scale: Json) =>
        method === 'PUT' ? body : applyPatch(mediaType(req), scale, body);
      return new Reply(
        200,
        api.scale(type, namespace, name, change, { ...write, subresource: undefined })
      );
    }
    if (subresource === 'log') {
      if (method !== 'GET') throw errors.methodNotAllowed(method);
      api.get(type, namespace, name as string);
      return new Reply(
        200,
        deps.podLog(namespace as string, name as string, query.get('container')),
        'text/plain'
      );
    }
    if (!name) {
      if (method === 'GET') {
        const list = api.list(type, namespace, {
          labelSelector: query.get('labelSelector'),
          fieldSelector: query.get('fieldSelector'),
          limit: Number(query.get('limit') ?? 0),
          continue: query.get('continue')
        });
        if (wantsTable(req)) return new Reply(200, toTable(type, list.items, list.resourceVersion));
        return new Reply(200, {
          kind: `${type.kind}List`,
          apiVersion: apiVersionOf(type),
          metadata: {
            resourceVersion: list.resourceVersion,
            ...(list.continue
              ? { continue: list.continue, remainingItemCount: list.remainingItemCount }
              : {})
          },
          items: list.items.map(asListItem)
        });
      }
      if (method === 'POST') {
        const body = decodeObject(req, await readBody(req));
        return new Reply(201, api.create(type, namespace, body, write));
      }
      if (method === 'DELETE') {
        const list = api.list(type, namespace, {
          labelSelector: query.get('labelSelector'),
          fieldSelector: query.get('fieldSelector')
        });
        for (const o of list.items)
          api.delete(type, namespace, o.metadata.name, { dryRun: write.dryRun });
        return new Reply(200, {
          kind: `${type.kind}List`,
          apiVersion: apiVersionOf(type),
          metadata: {},
          items: list.items.map(asListItem)
        });
      }
      throw errors.methodNotAllowed(method);
    }
    switch (method) {
      case 'GET': {
        const object = api.get(type, namespace, name);
        return new Reply(
          200,
          wantsTable(req) ? toTable(type, [object], object.metadata.resourceVersion) : object
        );
      }
      case 'PUT': {
        const body = decodeObject(req, await readBody(req));
        return new Reply(200, api.update(type, namespace, name, body, write));
      }
      case 'PATCH': {
        const body = (await readBody(req)).toString('utf8');
        const existed = api.store.get(type, namespace, name) !== undefined;
        const result = api.patch(type, namespace, name, mediaType(req), body, {
          ...write,
          force: query.get('force') === 'true'
        });
        return new Reply(existed ? 200 : 201, result);
      }
      case 'DELETE': {
        const raw = await readBody(req);
        const options = raw.length ? (decodeObject(req, raw) ?? {}) : {};
        const result = api.delete(type, namespace, name, {
          dryRun: write.dryRun || (options.dryRun ?? []).includes('All'),
          propagationPolicy: query.get('propagationPolicy') ?? options.propagationPolicy,
          preconditions: options.preconditions,
          gracePeriodSeconds:
            query.get('gracePeriodSeconds') !== null
              ? Number(query.get('gracePeriodSeconds'))
              : options.gracePeriodSeconds
        });
        return new Reply(200, result);
      }
      default:
        throw errors.methodNotAllowed(method);
    }
  }

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
      const found = method === 'GET' ? discovery(req, url.pathname) : undefined;
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
      const result = await resource(req, res, route, url.searchParams, warnings);
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

/** The default field manager the server derives from the User-Agent ("helm/v3…" → "helm"). */
function defaultManager(req: IncomingMessage): string {
  return (req.headers['user-agent'] ?? 'unknown').split('/')[0];
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
