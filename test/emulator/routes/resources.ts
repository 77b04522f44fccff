// The resource verbs over HTTP: watch, the scale and log subresources, list / create /
// deletecollection on a collection, get / update / patch / delete on an object.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WriteOptions } from '../api.js';
import { applyPatch } from '../patch.js';
import { apiVersionOf } from '../resources.js';
import type { ResourcePath, ServerDeps } from './deps.js';
import { errors } from '../status.js';
import { toTable } from '../table.js';
import { serveWatch } from '../watch.js';
import {
  asListItem,
  decodeObject,
  defaultManager,
  mediaType,
  parseJson,
  readBody,
  Reply,
  wantsTable,
  type Json
} from './request.js';

/** What every verb of one request reads: the API, the request, its route and write options. */
interface Call {
  api: ServerDeps['api'];
  req: IncomingMessage;
  route: ResourcePath;
  query: URLSearchParams;
  method: string;
  write: WriteOptions;
}

export async function resourceReply(
  deps: Pick<ServerDeps, 'api' | 'faults' | 'podLog'>,
  req: IncomingMessage,
  res: ServerResponse,
  route: ResourcePath,
  query: URLSearchParams,
  warnings: string[]
): Promise<Reply | 'streamed'> {
  const { api, faults } = deps;
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
  const call = { api, req, route, query, method, write };
  return name ? objectVerb(call, name) : collectionVerb(call);
}

/** list, create and deletecollection. */
async function collectionVerb({ api, req, route, query, method, write }: Call): Promise<Reply> {
  const { type, namespace } = route;
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

/** get, update, patch and delete of one object. */
async function objectVerb(
  { api, req, route, query, method, write }: Call,
  name: string
): Promise<Reply> {
  const { type, namespace } = route;
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
