// The API's verbs over the store, with the server's rules: defaulting, validation, uid and
// generation, optimistic concurrency on resourceVersion, status subresources, field managers,
// server-side apply, dry-run and delete propagation. HTTP handlers and controllers both call it.
import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { recordUpdate, serverSideApply } from './apply.js';
import { applyDefaults } from './defaults.js';
import { applyPatch } from './patch.js';
import { apiVersionOf, RESOURCE_TYPES, type ResourceType } from './resources.js';
import { unknownFields } from './schema.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { errors, successStatus, type Status } from './status.js';
import { clone, type KObject, type Store } from './store.js';
import { validate } from './validation.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** Strict | Warn | Ignore; the server's default is Warn. */
  fieldValidation?: string;
  subresource?: string;
  /** Collects `Warning:` header texts for the response. */
  warnings?: string[];
}

export interface PatchOptions extends WriteOptions {
  force?: boolean;
}

export interface DeleteOptions {
  dryRun?: boolean;
  propagationPolicy?: string;
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
}

export interface ListOptions {
  labelSelector?: string | null;
  fieldSelector?: string | null;
  limit?: number;
  continue?: string | null;
}

const NAMESPACES = RESOURCE_TYPES.find((t) => t.resource === 'namespaces') as ResourceType;
const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function randomSuffix(length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out += GENERATE_NAME_ALPHABET[Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)];
  }
  return out;
}

function specOf(object: Json): string {
  const rest = { ...object };
  delete rest.metadata;
  delete rest.status;
  return JSON.stringify(rest);
}

function comparable(object: Json): string {
  const copy = clone(object);
  delete copy.metadata.resourceVersion;
  for (const entry of copy.metadata.managedFields ?? []) delete entry.time;
  return JSON.stringify(copy);
}

/** Runs at create time, after uid assignment, like the API server's admission and registry hooks. */
export type CreateHook = (type: ResourceType, object: KObject) => void;
/** Runs on every update before validation, like a registry strategy's PrepareForUpdate. */
/** Admission before the object is named or stored: throws an ApiError to refuse the create. */
export type AdmitHook = (type: ResourceType, object: KObject, options: WriteOptions) => void;

export type UpdateHook = (type: ResourceType, before: KObject, next: KObject) => void;

function toScale(object: KObject): Json {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
  const selector = Object.entries(object.spec?.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: object.spec?.replicas ?? 0 },
    status: { replicas: object.status?.replicas ?? 0, selector }
  };
}

export class Api {
  private readonly admitHooks: AdmitHook[] = [];
  private readonly createHooks: CreateHook[] = [];
  private readonly updateHooks: UpdateHook[] = [];

  constructor(readonly store: Store) {}

  onAdmit(hook: AdmitHook): void {
    this.admitHooks.push(hook);
  }

  onCreate(hook: CreateHook): void {
    this.createHooks.push(hook);
  }

  onUpdate(hook: UpdateHook): void {
    this.updateHooks.push(hook);
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KObject {
    const found = this.store.get(type, namespace, name);
    if (!found) throw errors.notFound(type, name);
    return found;
  }

  list(
    type: ResourceType,
    namespace: string | undefined,
    options: ListOptions = {}
  ): { items: KObject[]; resourceVersion: string; continue?: string; remainingItemCount?: number } {
    const byLabel = parseLabelSelector(options.labelSelector);
    const byField = parseFieldSelector(options.fieldSelector, type.resource);
    const all = this.store
      .list(type, namespace)
      .filter((o) => byLabel(o.metadata.labels) && byField(o));
    const start = options.continue ? Number(Buffer.from(options.continue, 'base64').toString()) : 0;
    if (!Number.isInteger(start) || start < 0) throw errors.badRequest('invalid continue token');
    const limit = options.limit && options.limit > 0 ? options.limit : all.length;
    const items = all.slice(start, start + limit);
    const next = start + items.length;
    return {
      items,
      resourceVersion: String(this.store.resourceVersion),
      ...(next < all.length
        ? {
            continue: Buffer.from(String(next)).toString('base64'),
            remainingItemCount: all.length - next
          }
        : {})
    };
  }

  create(
    type: ResourceType,
    namespace: string | undefined,
    body: Json,
    options: WriteOptions = {}
  ) {
    const object = this.checkBody(type, namespace, body, options);
    for (const hook of this.admitHooks) hook(type, object, options);
    if (!object.metadata.name && object.metadata.generateName) {
      object.metadata.name = object.metadata.generateName + randomSuffix();
    }
    if (object.metadata.resourceVersion) {
      throw errors.badRequest('resourceVersion should not be set on objects to be created');
    }
    if (
      type.subresources?.includes('status') &&
      !['pods', 'services', 'namespaces'].includes(type.resource)
    ) {
      delete object.status;
    }
    applyDefaults(type.resource, object);
    validate(type, object);
    this.requireNamespace(type, object.metadata.namespace, object.metadata.name);
    if (this.store.get(type, object.metadata.namespace, object.metadata.name)) {
      throw errors.alreadyExists(type, object.metadata.name);
    }
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = timestamp();
    if (type.generation) object.metadata.generation = 1;
    for (const hook of this.createHooks) hook(type, object);
    if (options.fieldManager !== undefined || !object.metadata.managedFields) {
      recordUpdate(undefined, object, options.fieldManager ?? 'unknown');
    }
    if (options.dryRun) return object;
    return this.store.write(type, object, 'ADDED');
  }

  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: Json,
    options: WriteOptions = {}
  ): KObject {
    const before = this.get(type, namespace, name);
    const incoming = this.checkBody(type, namespace, body, options);
    if (incoming.metadata.name !== name) {
      throw errors.badRequest(
        `the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`
      );
    }
    if (
      incoming.metadata.resourceVersion &&
      incoming.metadata.resourceVersion !== before.metadata.resourceVersion
    ) {
      throw errors.conflict(type, name);
    }
    return this.persist(type, before, incoming, options, options.fieldManager ?? 'unknown');
  }

  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    contentType: string,
    body: string,
    options: PatchOptions = {}
  ): KObject {
    const current = this.store.get(type, namespace, name);
    if (
      contentType === 'application/apply-patch+yaml' ||
      contentType === 'application/apply-patch+cbor'
    ) {
      return this.apply(type, namespace, name, current, body, options);
    }
    if (!current) throw errors.notFound(type, name);
    let patchBody: Json;
    try {
      patchBody = JSON.parse(body);
    } catch (error) {
      throw errors.badRequest(`error decoding patch: ${(error as Error).message}`);
    }
    const patched = applyPatch(contentType, current, patchBody);
    this.checkFields(type, patched, options);
    if (patched.metadata?.resourceVersion !== current.metadata.resourceVersion) {
      throw errors.conflict(type, name);
    }
    return this.persist(type, current, patched, options, options.fieldManager ?? 'unknown');
  }

  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {}
  ): KObject | Status {
    const existing = this.get(type, namespace, name);
    const { uid, resourceVersion } = options.preconditions ?? {};
    if (
      (uid && uid !== existing.metadata.uid) ||
      (resourceVersion && resourceVersion !== existing.metadata.resourceVersion)
    ) {
      throw errors.conflict(type, name);
    }
    if (options.dryRun) return existing;
    if (type.resource === 'namespaces') return this.terminateNamespace(existing);
    if (options.propagationPolicy === 'Orphan') this.orphanDependents(existing.metadata.uid);
    if (type.resource === 'pods') return this.deletePod(existing, options.gracePeriodSeconds);
    this.store.remove(type, namespace, name);
    // Background and Foreground deletion of dependents is the garbage collector's job.
    return successStatus(type, name, existing.metadata.uid);
  }

  /**
   * A pod on a node is deleted gracefully: it gets a deletionTimestamp and stays Terminating
   * until its kubelet has stopped it (the controllers remove it); an unscheduled pod, or a
   * grace period of 0, goes at once.
   */
  private deletePod(pod: KObject, gracePeriodSeconds?: number): KObject {
    const grace = gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    const type = RESOURCE_TYPES.find((t) => t.resource === 'pods') as ResourceType;
    if (!pod.spec?.nodeName || grace <= 0) {
      return this.store.remove(type, pod.metadata.namespace, pod.metadata.name) ?? pod;
    }
    if (pod.metadata.deletionTimestamp) return pod;
    const next = clone(pod);
    next.metadata.deletionTimestamp = timestamp(new Date(Date.now() + grace * 1000));
    next.metadata.deletionGracePeriodSeconds = grace;
    return this.store.write(type, next, 'MODIFIED');
  }

  /**
   * The `scale` subresource (`kubectl scale`): an autoscaling/v1 Scale view of spec.replicas;
   * `change` turns the current Scale into the wanted one.
   */
  scale(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    change?: (scale: Json) => Json,
    options: WriteOptions = {}
  ): Json {
    const current = this.get(type, namespace, name);
    if (!change) return toScale(current);
    const wanted = change(toScale(current));
    if (
      wanted.metadata?.resourceVersion &&
      wanted.metadata.resourceVersion !== current.metadata.resourceVersion
    ) {
      throw errors.conflict(type, name);
    }
    const next = { ...current, spec: { ...current.spec, replicas: wanted.spec?.replicas } };
    return toScale(this.persist(type, current, next, options, options.fieldManager ?? 'unknown'));
  }

  /** A controller's write: read-modify-write of one object (controllers run one at a time). */
  mutate(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    change: (object: KObject) => void,
    manager: string,
    subresource?: string
  ): KObject | undefined {
    const current = this.store.get(type, namespace, name);
    if (!current) return undefined;
    const next = clone(current);
    change(next);
    return this.persist(type, current, next, { subresource, fieldValidation: 'Ignore' }, manager);
  }

  private apply(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    current: KObject | undefined,
    body: string,
    options: PatchOptions
  ): KObject {
    if (!options.fieldManager) {
      throw errors.badRequest('PATCH requests with apply content type require a fieldManager');
    }
    let applied: Json;
    try {
      applied = parseYaml(body);
    } catch (error) {
      throw errors.badRequest(`error decoding YAML: ${(error as Error).message}`);
    }
    const object = this.checkBody(type, namespace, applied, options);
    if (object.metadata.name !== name) {
      throw errors.badRequest(
        `the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`
      );
    }
    if (
      current &&
      object.metadata.resourceVersion &&
      object.metadata.resourceVersion !== current.metadata.resourceVersion
    ) {
      throw errors.conflict(type, name);
    }
    const result = serverSideApply(current, object, options.fieldManager, options.force ?? false);
    if (result.conflicts.length) throw errors.applyConflict(type, name, result.conflicts);
    if (!current) {
      const created = this.create(type, namespace, result.object, {
        ...options,
        fieldManager: undefined,
        fieldValidation: 'Ignore'
      });
      return created;
    }
    return this.persist(
      type,
      current,
      result.object,
      { ...options, fieldValidation: 'Ignore' },
      undefined
    );
  }

  /** The common update path: PUT, PATCH, apply and controllers' writes. */
  private persist(
    type: ResourceType,
    before: KObject,
    incoming: Json,
    options: WriteOptions,
    manager: string | undefined
  ): KObject {
    let next: Json;
    if (options.subresource === 'status') {
      next = clone(before);
      next.status = incoming.status;
    } else {
      next = clone(incoming);
      if (type.subresources?.includes('status')) next.status = before.status;
    }
    for (const key of [
      'uid',
      'creationTimestamp',
      'generation',
      'namespace',
      'name',
      'deletionTimestamp'
    ]) {
      if (before.metadata[key] === undefined) delete next.metadata[key];
      else next.metadata[key] = before.metadata[key];
    }
    next.metadata.resourceVersion = before.metadata.resourceVersion;
    if (options.subresource !== 'status') {
      applyDefaults(type.resource, next);
      for (const hook of this.updateHooks) hook(type, before, next);
      validate(type, next, before);
    }
    if (type.generation && specOf(next) !== specOf(before)) {
      next.metadata.generation = (before.metadata.generation ?? 0) + 1;
    }
    const managedFieldsRewritten =
      incoming.metadata?.managedFields !== undefined &&
      JSON.stringify(incoming.metadata.managedFields) !==
        JSON.stringify(before.metadata.managedFields);
    // A client that rewrites managedFields (kubectl's client-side → server-side apply migration)
    // gets exactly what it wrote, as from the real field manager.
    if (managedFieldsRewritten && options.subresource !== 'status') {
      next.metadata.managedFields = incoming.metadata.managedFields;
    } else if (manager !== undefined) recordUpdate(before, next, manager, options.subresource);
    if (comparable(next) === comparable(before)) return before;
    if (options.dryRun) return next;
    return this.store.write(type, next, 'MODIFIED');
  }

  private checkBody(
    type: ResourceType,
    namespace: string | undefined,
    body: Json,
    options: WriteOptions
  ): KObject {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw errors.badRequest('the body of the request must be an object');
    }
    const object = clone(body);
    object.apiVersion ??= apiVersionOf(type);
    object.kind ??= type.kind;
    if (object.apiVersion !== apiVersionOf(type) || object.kind !== type.kind) {
      throw errors.badRequest(
        `the API version in the data (${object.apiVersion}) does not match the expected API version (${apiVersionOf(type)})`
      );
    }
    object.metadata ??= {};
    if (type.namespaced) {
      if (object.metadata.namespace && object.metadata.namespace !== namespace) {
        throw errors.badRequest(
          'the namespace of the provided object does not match the namespace sent on the request'
        );
      }
      object.metadata.namespace = namespace;
    } else delete object.metadata.namespace;
    this.checkFields(type, object, options);
    return object;
  }

  private checkFields(type: ResourceType, object: Json, options: WriteOptions): void {
    const mode = options.fieldValidation ?? 'Warn';
    if (mode === 'Ignore') return;
    const unknown = unknownFields(type, object);
    if (unknown.length === 0) return;
    if (mode === 'Strict') {
      throw errors.badRequest(
        `strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`
      );
    }
    options.warnings?.push(...unknown.map((f) => `unknown field "${f}"`));
  }

  private requireNamespace(type: ResourceType, namespace: string | undefined, name: string): void {
    if (!type.namespaced) return;
    const ns = this.store.get(NAMESPACES, undefined, namespace ?? '');
    if (!ns) throw errors.notFound(NAMESPACES, namespace ?? '');
    if (ns.status?.phase === 'Terminating') {
      throw errors.namespaceTerminating(type, name, namespace ?? '');
    }
  }

  private orphanDependents(uid: string): void {
    for (const type of RESOURCE_TYPES) {
      for (const object of this.store.list(type)) {
        const refs: Array<{ uid: string }> = object.metadata.ownerReferences ?? [];
        if (!refs.some((r) => r.uid === uid)) continue;
        this.mutate(
          type,
          object.metadata.namespace,
          object.metadata.name,
          (o) => {
            o.metadata.ownerReferences = refs.filter((r) => r.uid !== uid);
            if (o.metadata.ownerReferences.length === 0) delete o.metadata.ownerReferences;
          },
          'kube-controller-manager'
        );
      }
    }
  }

  /** Marks the namespace Terminating; the namespace controller empties and removes it. */
  private terminateNamespace(ns: KObject): KObject {
    const next = clone(ns);
    next.metadata.deletionTimestamp = timestamp();
    next.status = { phase: 'Terminating' };
    return this.store.write(NAMESPACES, next, 'MODIFIED');
  }
}
