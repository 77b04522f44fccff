// The cluster's state: objects by type, one resourceVersion counter for all of them (as etcd's
// revision), a bounded change history that watches resume from, and change fan-out.
import type { ResourceType } from './resources.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KObject = Record<string, any> & {
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    resourceVersion: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    [key: string]: any;
  };
};

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  type: ChangeType;
  resourceType: ResourceType;
  object: KObject;
  /** The object before a MODIFIED change. */
  previous?: KObject;
  resourceVersion: number;
}

/** How many changes a watch can resume across before it gets 410 Expired. */
const HISTORY_LIMIT = 10000;

function typeKey(type: ResourceType): string {
  return `${type.group}/${type.resource}`;
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export class Store {
  private readonly objects = new Map<string, Map<string, KObject>>();
  private revision = 1000;
  private readonly history: Change[] = [];
  private readonly listeners = new Set<(change: Change) => void>();

  get resourceVersion(): number {
    return this.revision;
  }

  /** The oldest resourceVersion a watch can still resume from. */
  get oldestResumable(): number {
    return this.history.length ? this.history[0].resourceVersion - 1 : this.revision;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KObject | undefined {
    const found = this.bucket(type).get(objectKey(namespace, name));
    return found && clone(found);
  }

  list(type: ResourceType, namespace?: string): KObject[] {
    const items = [...this.bucket(type).values()].filter(
      (o) => namespace === undefined || o.metadata.namespace === namespace
    );
    return items
      .sort((a, b) =>
        objectKey(a.metadata.namespace, a.metadata.name).localeCompare(
          objectKey(b.metadata.namespace, b.metadata.name)
        )
      )
      .map(clone);
  }

  /** Stores an object under a fresh resourceVersion and tells every listener. */
  write(type: ResourceType, object: KObject, change: 'ADDED' | 'MODIFIED'): KObject {
    const stored = clone(object);
    const key = objectKey(stored.metadata.namespace, stored.metadata.name);
    const previous = this.bucket(type).get(key);
    stored.metadata.resourceVersion = String(++this.revision);
    this.bucket(type).set(key, stored);
    this.emit({
      type: change,
      resourceType: type,
      object: stored,
      ...(previous ? { previous } : {}),
      resourceVersion: this.revision
    });
    return clone(stored);
  }

  remove(type: ResourceType, namespace: string | undefined, name: string): KObject | undefined {
    const key = objectKey(namespace, name);
    const existing = this.bucket(type).get(key);
    if (!existing) return undefined;
    this.bucket(type).delete(key);
    const gone = clone(existing);
    gone.metadata.resourceVersion = String(++this.revision);
    this.emit({
      type: 'DELETED',
      resourceType: type,
      object: gone,
      resourceVersion: this.revision
    });
    return clone(gone);
  }

  /** Changes after `resourceVersion`, or undefined when they are no longer kept. */
  changesSince(resourceVersion: number): Change[] | undefined {
    if (resourceVersion < this.oldestResumable) return undefined;
    return this.history.filter((c) => c.resourceVersion > resourceVersion);
  }

  subscribe(listener: (change: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: Change): void {
    this.history.push(change);
    if (this.history.length > HISTORY_LIMIT) this.history.shift();
    for (const listener of [...this.listeners]) listener(change);
  }

  private bucket(type: ResourceType): Map<string, KObject> {
    const key = typeKey(type);
    let bucket = this.objects.get(key);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(key, bucket);
    }
    return bucket;
  }
}
