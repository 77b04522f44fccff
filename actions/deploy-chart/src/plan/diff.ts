// The fields that change between two versions of one object, as the API server returns them
// (the live object and the server-side dry-run of what helm would send). Both went through
// the same defaulting and admission, so defaults cancel out, as in `kubectl diff`; the fields
// the server owns are left out before comparing. Pure.
import type { Json, JsonObject } from './manifest.js';

/** A step into an object: a key, a list index, or a list item found by its `name`. */
type Segment = string | number | { name: string };
export type FieldPath = Segment[];

export interface FieldChange {
  path: FieldPath;
  /** Undefined: the field is added. */
  before?: Json;
  /** Undefined: the field is removed. */
  after?: Json;
}

/** metadata fields the API server sets. */
const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'uid',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink'
];

/** Annotations controllers and clients stamp on objects; never the chart's to change. */
const SERVER_ANNOTATIONS = [
  'deployment.kubernetes.io/revision',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'kubectl.kubernetes.io/last-applied-configuration',
  'autoscaling.alpha.kubernetes.io/conditions',
  'control-plane.alpha.kubernetes.io/leader'
];

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy without status and the server's metadata and annotations; `creationTimestamp: null` of templates too. */
export function withoutServerFields(object: JsonObject): JsonObject {
  const copy = structuredClone(object);
  delete copy.status;
  const dropTimestamps = (value: Json): void => {
    if (Array.isArray(value)) value.forEach(dropTimestamps);
    else if (isObject(value)) {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'creationTimestamp') delete value[key];
        else dropTimestamps(inner);
      }
    }
  };
  dropTimestamps(copy);
  if (isObject(copy.metadata)) {
    const metadata = copy.metadata;
    for (const key of SERVER_METADATA) delete metadata[key];
    if (isObject(metadata.annotations)) {
      for (const key of SERVER_ANNOTATIONS) delete metadata.annotations[key];
      if (Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
    }
  }
  return copy;
}

function equal(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Items of a list told apart by a unique string `name` (containers, env, ports, volumes …). */
function namedItems(list: Json[]): Map<string, Json> | undefined {
  const byName = new Map<string, Json>();
  for (const item of list) {
    if (!isObject(item) || typeof item.name !== 'string' || byName.has(item.name)) return undefined;
    byName.set(item.name, item);
  }
  return byName;
}

/**
 * Every leaf-most field that differs, in a stable order. Mappings are compared key by key;
 * lists of named items item by item (so a new env var is one change, not a shifted list);
 * other lists of equal length index by index, and lists of other lengths as a whole.
 */
export function diffFields(before: Json | undefined, after: Json | undefined): FieldChange[] {
  const changes: FieldChange[] = [];
  const walk = (a: Json | undefined, b: Json | undefined, path: FieldPath) => {
    if (equal(a, b)) return;
    if (isObject(a) && isObject(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const key of keys) walk(a[key], b[key], [...path, key]);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      const named = a.length + b.length > 0 && namedItems(a) && namedItems(b);
      if (named) {
        const left = namedItems(a)!;
        const right = namedItems(b)!;
        for (const name of new Set([...left.keys(), ...right.keys()])) {
          walk(left.get(name), right.get(name), [...path, { name }]);
        }
        return;
      }
      if (a.length === b.length) {
        a.forEach((item, i) => walk(item, b[i], [...path, i]));
        return;
      }
    }
    changes.push({
      path,
      ...(a === undefined ? {} : { before: a }),
      ...(b === undefined ? {} : { after: b })
    });
  };
  walk(before, after, []);
  return changes;
}

/** The value at a path, or undefined. */
export function valueAt(object: Json | undefined, path: FieldPath): Json | undefined {
  let value: Json | undefined = object;
  for (const segment of path) {
    if (typeof segment === 'object') {
      value = Array.isArray(value)
        ? value.find((item) => isObject(item) && item.name === segment.name)
        : undefined;
    } else if (typeof segment === 'number') {
      value = Array.isArray(value) ? value[segment] : undefined;
    } else {
      value = isObject(value) ? value[segment] : undefined;
    }
    if (value === undefined) return undefined;
  }
  return value;
}

/** `spec.template.spec.containers[name=app].image`, `data["a.b"]`, `args[1]`. */
export function formatPath(path: FieldPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'object') text += `[name=${segment.name}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) text += text ? `.${segment}` : segment;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/**
 * A field that the chart did not change (old and new manifest agree) but that changes anyway
 * was changed in the cluster since the last deploy: drift, which the deploy resets.
 */
export function isDrift(
  change: FieldChange,
  oldManifest: JsonObject | undefined,
  newManifest: JsonObject
): boolean {
  if (!oldManifest) return false;
  const wanted = valueAt(newManifest, change.path);
  return wanted !== undefined && equal(valueAt(oldManifest, change.path), wanted);
}

/**
 * What helm 3's three-way merge removes: fields the old manifest set and the new one does not.
 * Server-side apply prunes them only for its own field manager's Apply entries, so they are
 * taken out of the dry-run result here. Returns a copy.
 */
export function withoutDroppedFields(
  predicted: JsonObject,
  oldManifest: JsonObject | undefined,
  newManifest: JsonObject
): JsonObject {
  if (!oldManifest) return predicted;
  const copy = structuredClone(predicted);
  for (const change of diffFields(oldManifest, newManifest)) {
    if (change.after !== undefined || change.path.length === 0) continue;
    const parent = valueAt(copy, change.path.slice(0, -1));
    const last = change.path.at(-1)!;
    if (isObject(parent) && typeof last === 'string') delete parent[last];
    else if (Array.isArray(parent) && typeof last === 'object') {
      const at = parent.findIndex((item) => isObject(item) && item.name === last.name);
      if (at >= 0) parent.splice(at, 1);
    }
  }
  return copy;
}
