// Server-side apply and field ownership (metadata.managedFields), after the structured-merge-diff
// rules the API server follows: an applier owns exactly the fields it sent; fields it sent
// before and no longer sends are removed unless another manager owns them; setting a field
// another manager owns to a different value is a conflict unless `force=true`.
import { mergeKeyFor } from './patch.js';
import type { StatusCause } from './status.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Json;
  subresource?: string;
}

/** Server-maintained metadata no manager owns. */
const UNOWNED_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'managedFields',
  'selfLink'
]);

function isMap(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Path = string[];

/** The leaf and list-element paths of a value, as field-set members. */
export function fieldPaths(object: Json): Path[] {
  const paths: Path[] = [];
  const walk = (value: Json, prefix: Path, top: boolean) => {
    for (const [key, child] of Object.entries(value as Record<string, Json>)) {
      if (top && (key === 'apiVersion' || key === 'kind')) continue;
      if (prefix.length === 1 && prefix[0] === 'f:metadata' && UNOWNED_METADATA.has(key)) continue;
      const path = [...prefix, `f:${key}`];
      if (isMap(child) && Object.keys(child).length > 0) {
        walk(child, path, false);
      } else if (Array.isArray(child) && associativeKey(key, child)) {
        const mergeKey = associativeKey(key, child) as string;
        for (const element of child as Array<Record<string, Json>>) {
          const elementPath = [...path, `k:${JSON.stringify({ [mergeKey]: element[mergeKey] })}`];
          paths.push(elementPath);
          walk(element, elementPath, false);
        }
      } else {
        paths.push(path);
      }
    }
  };
  if (isMap(object)) walk(object, [], true);
  return paths;
}

function associativeKey(field: string, list: Json[]): string | undefined {
  const key = mergeKeyFor(field, list);
  return key && list.length > 0 && list.every((e) => isMap(e) && key in e) ? key : undefined;
}

function step(value: Json, element: string): Json {
  if (value === undefined || value === null) return undefined;
  if (element.startsWith('f:')) return isMap(value) ? value[element.slice(2)] : undefined;
  const [key, want] = Object.entries(JSON.parse(element.slice(2)))[0];
  return Array.isArray(value) ? value.find((e) => isMap(e) && e[key] === want) : undefined;
}

function valueAt(object: Json, path: Path): Json {
  return path.reduce(step, object);
}

function removeAt(object: Json, path: Path): void {
  const parent = valueAt(object, path.slice(0, -1));
  const last = path[path.length - 1];
  if (last.startsWith('f:')) {
    if (isMap(parent)) delete parent[last.slice(2)];
  } else if (Array.isArray(parent)) {
    const element = step(parent, last);
    parent.splice(parent.indexOf(element), 1);
  }
}

const key = (path: Path) => JSON.stringify(path);

export function toFieldsV1(paths: Path[]): Json {
  const root: Json = {};
  for (const path of paths) {
    let node = root;
    for (const element of path) node = node[element] ??= {};
    if (path[path.length - 1].startsWith('k:')) node['.'] = {};
  }
  return root;
}

export function fromFieldsV1(fields: Json): Path[] {
  const paths: Path[] = [];
  const walk = (node: Json, prefix: Path) => {
    const children = Object.keys(node ?? {}).filter((k) => k !== '.');
    if (children.length === 0 || '.' in (node ?? {})) {
      if (prefix.length) paths.push(prefix);
    }
    for (const child of children) walk(node[child], [...prefix, child]);
  };
  walk(fields, []);
  return paths;
}

function deepMerge(current: Json, applied: Json, field = ''): Json {
  if (isMap(applied)) {
    const result: Record<string, Json> = isMap(current) ? { ...current } : {};
    for (const [k, v] of Object.entries(applied)) result[k] = deepMerge(result[k], v, k);
    return result;
  }
  if (Array.isArray(applied) && Array.isArray(current)) {
    const mergeKey = associativeKey(field, applied);
    if (mergeKey && current.every((e) => isMap(e))) {
      // The applied order wins; elements only others own keep their place after.
      const merged = applied.map((element) =>
        deepMerge(
          current.find((e) => e[mergeKey] === element[mergeKey]),
          element,
          ''
        )
      );
      const extra = current.filter((e) => !applied.some((a) => a[mergeKey] === e[mergeKey]));
      return [...merged, ...extra];
    }
  }
  return structuredClone(applied);
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

const CLIENT_SIDE_APPLY = 'kubectl-client-side-apply';

function lastAppliedConfiguration(object: Json): Json | undefined {
  const text = object?.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration'];
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface ApplyResult {
  object: Json;
  conflicts: StatusCause[];
}

/** Applies `applied` (a full intent from `manager`) onto `current` (undefined on create). */
export function serverSideApply(
  current: Json | undefined,
  applied: Json,
  manager: string,
  force: boolean
): ApplyResult {
  const entries: ManagedFieldsEntry[] = structuredClone(current?.metadata?.managedFields ?? []);
  const mine = entries.find((e) => e.manager === manager && e.operation === 'Apply');
  const previous = new Set((mine ? fromFieldsV1(mine.fieldsV1) : []).map(key));
  const appliedPaths = fieldPaths(applied);
  const wanted = new Set(appliedPaths.map(key));

  const conflicts: StatusCause[] = [];
  const lastApplied = lastAppliedConfiguration(current);
  for (const entry of entries) {
    if (entry === mine || entry.subresource) continue;
    const owned = new Set(fromFieldsV1(entry.fieldsV1).map(key));
    for (const path of appliedPaths) {
      if (!owned.has(key(path)) || path[path.length - 1].startsWith('k:')) continue;
      // Maps are granular: only their leaves can conflict.
      if (isMap(valueAt(current, path)) && isMap(valueAt(applied, path))) continue;
      const live = JSON.stringify(valueAt(current, path));
      if (live === JSON.stringify(valueAt(applied, path))) continue;
      // The server's lastAppliedManager: fields client-side apply set, still as its
      // last-applied annotation says, pass to the server-side applier without a conflict.
      const fromClientSideApply =
        entry.manager === CLIENT_SIDE_APPLY &&
        lastApplied !== undefined &&
        JSON.stringify(valueAt(lastApplied, path)) === live;
      const field = path.map((p) => p.replace(/^f:/, '.')).join('');
      if (force || fromClientSideApply) owned.delete(key(path));
      else
        conflicts.push({
          reason: 'FieldManagerConflict',
          message: `conflict with "${entry.manager}"${entry.operation === 'Update' ? ' using ' + entry.apiVersion : ''}: ${field}`,
          field
        });
    }
    entry.fieldsV1 = toFieldsV1([...owned].map((p) => JSON.parse(p) as Path));
  }
  if (conflicts.length) return { object: current, conflicts };

  const object = deepMerge(current ?? {}, applied);
  const ownedByOthers = new Set(
    entries
      .filter((e) => e !== mine)
      .flatMap((e) => fromFieldsV1(e.fieldsV1))
      .map(key)
  );
  const dropped = [...previous]
    .filter((p) => !wanted.has(p) && !ownedByOthers.has(p))
    .map((p) => JSON.parse(p) as Path)
    .sort((a, b) => b.length - a.length);
  for (const path of dropped) removeAt(object, path);

  const entry: ManagedFieldsEntry = {
    manager,
    operation: 'Apply',
    apiVersion: applied.apiVersion,
    time: now(),
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(appliedPaths)
  };
  object.metadata ??= {};
  object.metadata.managedFields = pruneEmpty([...entries.filter((e) => e !== mine), entry]).sort(
    byOperationThenManager
  );
  return { object, conflicts: [] };
}

/**
 * Records an Update (create/PUT/non-apply PATCH, or a controller's status write): the
 * writer takes the fields whose value it changed; fields that disappeared leave every set.
 */
export function recordUpdate(
  before: Json | undefined,
  after: Json,
  manager: string,
  subresource?: string
): Json {
  const entries: ManagedFieldsEntry[] = structuredClone(before?.metadata?.managedFields ?? []);
  const present = new Set(fieldPaths(after).map(key));
  const changed = fieldPaths(after).filter(
    (path) => JSON.stringify(valueAt(before, path)) !== JSON.stringify(valueAt(after, path))
  );
  const changedKeys = new Set(changed.map(key));
  for (const entry of entries) {
    const kept = fromFieldsV1(entry.fieldsV1).filter(
      (p) => present.has(key(p)) && (!changedKeys.has(key(p)) || entry.manager === manager)
    );
    entry.fieldsV1 = toFieldsV1(kept);
  }
  if (changed.length) {
    let entry = entries.find(
      (e) => e.manager === manager && e.operation === 'Update' && e.subresource === subresource
    );
    if (!entry) {
      entry = {
        manager,
        operation: 'Update',
        apiVersion: after.apiVersion,
        time: now(),
        fieldsType: 'FieldsV1',
        fieldsV1: {},
        ...(subresource ? { subresource } : {})
      };
      entries.push(entry);
    }
    const union = new Map(fromFieldsV1(entry.fieldsV1).map((p) => [key(p), p]));
    for (const p of changed) union.set(key(p), p);
    entry.fieldsV1 = toFieldsV1([...union.values()]);
    entry.time = now();
  }
  after.metadata.managedFields = pruneEmpty(entries).sort(byOperationThenManager);
  return after;
}

function pruneEmpty(entries: ManagedFieldsEntry[]): ManagedFieldsEntry[] {
  return entries.filter((e) => Object.keys(e.fieldsV1 ?? {}).length > 0);
}

function byOperationThenManager(a: ManagedFieldsEntry, b: ManagedFieldsEntry): number {
  return a.operation === b.operation ? 0 : a.operation === 'Apply' ? -1 : 1;
}
