// What the API server says about each object: its live version, and what it would become if
// helm sent the rendered one (a server-side dry-run apply: defaulting and admission run,
// nothing is stored). Read-only for the cluster.
import { KubeApiError, type KubeClient } from '../cluster/client.js';
import type { Json, JsonObject, ManifestObject } from './manifest.js';

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

export interface ResourceType {
  /** `/api/v1` or `/apis/<group>/<version>`. */
  base: string;
  plural: string;
  namespaced: boolean;
}

/** The API path of one object. Pure. */
export function objectPath(type: ResourceType, name: string, namespace?: string): string {
  const scope = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${type.base}${scope}/${type.plural}/${encodeURIComponent(name)}`;
}

/** The discovery base path of an apiVersion (`v1` → `/api/v1`, `apps/v1` → `/apis/apps/v1`). Pure. */
export function apiBase(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** Kind → resource, from one discovery document per group version (read once). */
export function discovery(
  client: KubeClient
): (o: ManifestObject) => Promise<ResourceType | undefined> {
  const lists = new Map<string, Promise<ApiResource[]>>();
  return async ({ apiVersion, kind }) => {
    const base = apiBase(apiVersion);
    if (!lists.has(base)) {
      lists.set(
        base,
        client
          .get<{ resources?: ApiResource[] }>(base)
          .then((list) => list.resources ?? [])
          .catch((error: unknown) => {
            if (error instanceof KubeApiError && error.statusCode === 404) return [];
            throw error;
          })
      );
    }
    const found = (await lists.get(base)!).find((r) => r.kind === kind && !r.name.includes('/'));
    return found && { base, plural: found.name, namespaced: found.namespaced };
  };
}

/**
 * The object as helm sends it: in its namespace, with the ownership labels and annotations
 * helm adds to every object (pkg/action setMetadataVisitor). Pure.
 */
export function asHelmSendsIt(
  object: ManifestObject,
  release: string,
  namespace: string
): JsonObject {
  const body = structuredClone(object.body);
  const metadata = (body.metadata ?? {}) as { [key: string]: Json };
  const labels = (metadata.labels ?? {}) as { [key: string]: Json };
  const annotations = (metadata.annotations ?? {}) as { [key: string]: Json };
  labels['app.kubernetes.io/managed-by'] = 'Helm';
  annotations['meta.helm.sh/release-name'] = release;
  annotations['meta.helm.sh/release-namespace'] = namespace;
  metadata.labels = labels;
  metadata.annotations = annotations;
  if (object.namespace !== undefined) metadata.namespace = object.namespace;
  body.metadata = metadata;
  return body;
}

/** The live object, or undefined when it does not exist. */
export async function readLive(client: KubeClient, path: string): Promise<JsonObject | undefined> {
  try {
    return await client.get<JsonObject>(path);
  } catch (error) {
    if (error instanceof KubeApiError && error.statusCode === 404) return undefined;
    throw error;
  }
}

/**
 * A server-side apply with `dryRun=All` under helm's field manager: the object as it would be
 * stored, defaulted and admitted, for existing and new objects alike. `force` takes fields
 * other managers own, as helm 3's patches and helm 4's `--force-conflicts` do; without it a
 * conflict is the server's refusal, as it would be for helm 4's own apply.
 */
export function dryRunApply(
  client: KubeClient,
  path: string,
  body: JsonObject,
  force: boolean
): Promise<JsonObject> {
  return client.patch<JsonObject>(path, JSON.stringify(body), 'application/apply-patch+yaml', {
    dryRun: 'All',
    fieldManager: 'helm',
    fieldValidation: 'Strict',
    force
  });
}

/** Runs the work handed to it, at most `limit` at a time. */
export function limiter(limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (work) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next)
        next(); // the slot passes on
      else running--;
    }
  };
}
