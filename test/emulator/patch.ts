// The three PATCH bodies kubectl and helm 3 send: RFC 6902 JSON patch, RFC 7386 merge patch,
// and Kubernetes strategic merge patch (lists merged by their patchMergeKey, the `$patch`,
// `$setElementOrder/…`, `$retainKeys` and `$deleteFromPrimitiveList/…` directives).
import { errors } from './status.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function isMap(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The patchMergeKey of the built-in list fields helm charts use, by field name (the real
 * server looks them up by path in the Go types; these names are unambiguous for our kinds).
 * `ports` is keyed by containerPort in containers and by port in a Service.
 */
export function mergeKeyFor(field: string, sample: unknown[]): string | undefined {
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'volumeDevices':
      return 'devicePath';
    case 'hostAliases':
      return 'ip';
    case 'ownerReferences':
      return 'uid';
    case 'conditions':
      return 'type';
    case 'topologySpreadConstraints':
      return 'topologyKey';
    case 'ports':
      return sample.some((e) => isMap(e) && 'containerPort' in e) ? 'containerPort' : 'port';
    default:
      return undefined;
  }
}

/** Applies a PATCH body of the given media type (apply patches are handled in apply.ts). */
export function applyPatch(contentType: string, target: Json, patch: Json): Json {
  if (contentType === 'application/json-patch+json') return jsonPatch(target, patch);
  if (contentType === 'application/merge-patch+json') return mergePatch(target, patch);
  if (contentType === 'application/strategic-merge-patch+json') {
    return strategicMergePatch(target, patch);
  }
  throw errors.unsupportedMediaType(contentType);
}

export function mergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return patch;
  const result: Record<string, Json> = isMap(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

export function strategicMergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return patch;
  if (patch.$patch === 'replace') {
    const rest = { ...patch };
    delete rest.$patch;
    return rest;
  }
  const result: Record<string, Json> = isMap(target) ? { ...target } : {};
  const orders: Array<[string, Json[]]> = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$setElementOrder/')) {
      orders.push([key.slice('$setElementOrder/'.length), value as Json[]]);
    } else if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const remove = new Set(value as Json[]);
      if (Array.isArray(result[field]))
        result[field] = result[field].filter((v: Json) => !remove.has(v));
    } else if (key === '$retainKeys' || key === '$patch') {
      continue;
    } else if (value === null) {
      delete result[key];
    } else if (isMap(value) && value.$patch === 'delete') {
      delete result[key];
    } else if (Array.isArray(value)) {
      result[key] = mergeList(key, result[key], value);
    } else {
      result[key] = strategicMergePatch(result[key], value);
    }
  }
  for (const [field, order] of orders) {
    if (Array.isArray(result[field])) result[field] = applyOrder(field, result[field], order);
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as string[]);
    for (const key of Object.keys(result)) if (!keep.has(key)) delete result[key];
  }
  return result;
}

function mergeList(field: string, current: Json, patch: Json[]): Json[] {
  const key = mergeKeyFor(field, [...patch, ...(Array.isArray(current) ? current : [])]);
  if (!key || !Array.isArray(current) || !patch.every(isMap)) {
    return patch.filter((e) => !(isMap(e) && e.$patch));
  }
  if (patch.some((e) => e.$patch === 'replace')) {
    return patch.filter((e) => e.$patch !== 'replace');
  }
  const result: Json[] = [...current];
  for (const element of patch) {
    const at = result.findIndex((e) => isMap(e) && e[key] === element[key]);
    if (element.$patch === 'delete') {
      if (at >= 0) result.splice(at, 1);
    } else if (at >= 0) {
      result[at] = strategicMergePatch(result[at], element);
    } else {
      result.push(strategicMergePatch({}, element));
    }
  }
  return result;
}

function applyOrder(field: string, list: Json[], order: Json[]): Json[] {
  const key = mergeKeyFor(field, list);
  const identity = (e: Json) => (key && isMap(e) ? e[key] : e);
  const wanted = order.map((o) => (key && isMap(o) ? o[key] : o));
  const position = (e: Json) => {
    const at = wanted.indexOf(identity(e));
    return at < 0 ? wanted.length : at;
  };
  return [...list].sort((a, b) => position(a) - position(b));
}

/** RFC 6902, with RFC 6901 pointers. */
export function jsonPatch(target: Json, operations: Json): Json {
  if (!Array.isArray(operations))
    throw errors.badRequest('json patch must be a list of operations');
  let doc = structuredClone(target);
  for (const op of operations as Array<{ op: string; path: string; from?: string; value?: Json }>) {
    switch (op.op) {
      case 'add':
        doc = setPointer(doc, op.path, structuredClone(op.value), 'add');
        break;
      case 'replace':
        getPointer(doc, op.path);
        doc = setPointer(doc, op.path, structuredClone(op.value), 'replace');
        break;
      case 'remove':
        doc = removePointer(doc, op.path);
        break;
      case 'test':
        if (JSON.stringify(getPointer(doc, op.path)) !== JSON.stringify(op.value)) {
          throw errors.invalidPatch(`testing value ${op.path} failed`);
        }
        break;
      case 'move': {
        const value = getPointer(doc, op.from ?? '');
        doc = setPointer(removePointer(doc, op.from ?? ''), op.path, value, 'add');
        break;
      }
      case 'copy':
        doc = setPointer(doc, op.path, structuredClone(getPointer(doc, op.from ?? '')), 'add');
        break;
      default:
        throw errors.badRequest(`unexpected json patch operation ${JSON.stringify(op.op)}`);
    }
  }
  return doc;
}

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getPointer(doc: Json, pointer: string): Json {
  let current = doc;
  for (const token of tokens(pointer)) {
    if (current === null || typeof current !== 'object' || !(token in current)) {
      throw errors.invalidPatch(`doc is missing path: "${pointer}"`);
    }
    current = current[token];
  }
  return current;
}

function setPointer(doc: Json, pointer: string, value: Json, mode: 'add' | 'replace'): Json {
  const path = tokens(pointer);
  if (path.length === 0) return value;
  const parent = getPointer(doc, parentPointer(path));
  const last = path[path.length - 1];
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (mode === 'add') parent.splice(index, 0, value);
    else parent[index] = value;
  } else if (isMap(parent)) {
    parent[last] = value;
  } else throw errors.invalidPatch(`doc is missing path: "${pointer}"`);
  return doc;
}

function removePointer(doc: Json, pointer: string): Json {
  const path = tokens(pointer);
  getPointer(doc, pointer);
  const parent = getPointer(doc, parentPointer(path));
  const last = path[path.length - 1];
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
  return doc;
}

function parentPointer(path: string[]): string {
  return path
    .slice(0, -1)
    .map((t) => '/' + escape(t))
    .join('');
}

function escape(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}
