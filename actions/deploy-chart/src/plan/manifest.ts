// A release manifest (helm's `---`-separated YAML documents) as objects keyed the way helm
// matches them between revisions: kind, namespace and name (pkg/action objectKey). Pure.
import { parseAllDocuments } from 'yaml';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  /** Undefined for cluster-scoped kinds. */
  namespace?: string;
  name: string;
  /** The template the document came from (helm's `# Source:` comment), when known. */
  source?: string;
  body: JsonObject;
}

/** Kinds without a namespace: a manifest may not set one, and helm does not add one. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'StorageClass',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PriorityClass',
  'IngressClass',
  'RuntimeClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'APIService',
  'CSIDriver',
  'VolumeSnapshotClass'
]);

function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

/** `Deployment/omer/web`, or `Namespace/omer` for a cluster-scoped kind. */
export function objectKey(o: Pick<ManifestObject, 'kind' | 'namespace' | 'name'>): string {
  return o.namespace === undefined ? `${o.kind}/${o.name}` : `${o.kind}/${o.namespace}/${o.name}`;
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The objects of a manifest, in document order, keyed by objectKey. Empty documents are
 * skipped; a `List` is expanded; namespaced objects without a namespace get `namespace`
 * (the release namespace, as helm sends them). Duplicate keys are an error, as in helm.
 */
export function parseManifest(text: string, namespace: string): Map<string, ManifestObject> {
  const objects = new Map<string, ManifestObject>();
  let source: string | undefined;
  const add = (body: JsonObject) => {
    const { apiVersion, kind, metadata } = body;
    const name = isObject(metadata) ? metadata.name : undefined;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof name !== 'string') {
      throw new ManifestError(
        `a document${source ? ` of ${source}` : ''} has no apiVersion, kind or metadata.name`
      );
    }
    const own = isObject(metadata) && typeof metadata.namespace === 'string' && metadata.namespace;
    const object: ManifestObject = {
      apiVersion,
      kind,
      name,
      namespace: isClusterScoped(kind) ? undefined : own || namespace,
      source,
      body
    };
    const key = objectKey(object);
    if (objects.has(key)) throw new ManifestError(`${key} appears twice in the manifest`);
    objects.set(key, object);
  };
  // logLevel 'error': yaml's warnings quote source lines, which may hold Secret values.
  for (const doc of parseAllDocuments(text, { logLevel: 'error' })) {
    const comments = `${doc.commentBefore ?? ''}\n${(doc.contents as { commentBefore?: string } | null)?.commentBefore ?? ''}`;
    source = /#?\s*Source:\s*(\S+)/.exec(comments)?.[1];
    if (doc.errors.length) {
      throw new ManifestError(
        `a document${source ? ` of ${source}` : ''} is not valid YAML: ${doc.errors[0].code}`
      );
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (!isObject(value)) throw new ManifestError('a document is not a mapping');
    if (value.kind === 'List' && Array.isArray(value.items)) {
      for (const item of value.items) if (isObject(item)) add(item);
    } else add(value);
  }
  return objects;
}
