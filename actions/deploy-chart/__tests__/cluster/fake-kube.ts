// An in-memory KubeClient for unit tests: objects per collection path, label selectors of the
// `key=value[,key=value]` form, equality field selectors, GET of a collection's object by name
// (404 when it is not there), watches that tests feed with events or end.
import {
  KubeApiError,
  type KubeClient,
  type Query,
  type WatchEvent
} from '../../src/cluster/client.js';
import type { KubeList, KubeObject } from '../../src/cluster/types.js';

interface Watcher {
  path: string;
  onEvent: (event: WatchEvent<unknown>) => void;
  end: (error?: unknown) => void;
}

export class FakeKube implements KubeClient {
  readonly server = 'https://fake.example';
  readonly calls: string[] = [];
  private readonly collections = new Map<string, KubeObject[]>();
  private readonly errors = new Map<string, unknown>();
  readonly texts = new Map<string, string>();
  private watchers: Watcher[] = [];
  private version = 1;

  set<T extends KubeObject>(path: string, objects: T[]): this {
    this.collections.set(path, objects);
    return this;
  }

  /** Makes list/get of `path` throw `error` (until cleared with undefined). */
  fail(path: string, error: unknown): this {
    if (error === undefined) this.errors.delete(path);
    else this.errors.set(path, error);
    return this;
  }

  /** Changes the store and tells open watches of `path`, like the API server. */
  emit(path: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): void {
    const items = (this.collections.get(path) ?? []).filter(
      (o) => o.metadata?.uid !== object.metadata?.uid
    );
    if (type !== 'DELETED') items.push(object);
    this.collections.set(path, items);
    const versioned = {
      ...object,
      metadata: { ...object.metadata, resourceVersion: String(++this.version) }
    };
    for (const w of this.watchers.filter((w) => w.path === path))
      w.onEvent({ type, object: versioned });
  }

  /** Ends every open watch, with an error (e.g. 410) or normally. */
  endWatches(error?: unknown): void {
    const open = this.watchers;
    this.watchers = [];
    for (const w of open) w.end(error);
  }

  get openWatches(): number {
    return this.watchers.length;
  }

  async get<T>(path: string): Promise<T> {
    this.calls.push(`GET ${path}`);
    if (this.errors.has(path)) throw this.errors.get(path);
    const slash = path.lastIndexOf('/');
    const collection = this.collections.get(path.slice(0, slash));
    if (!this.texts.has(path) && collection) {
      const name = decodeURIComponent(path.slice(slash + 1));
      const found = collection.find((o) => o.metadata?.name === name);
      if (!found) throw new KubeApiError('GET', path, 404, 'NotFound', `"${name}" not found`);
      return found as T;
    }
    return JSON.parse(this.texts.get(path) ?? '{}') as T;
  }

  async getText(path: string, query?: Query): Promise<string> {
    this.calls.push(`GET ${path} ${JSON.stringify(query ?? {})}`);
    if (this.errors.has(path)) throw this.errors.get(path);
    return this.texts.get(path) ?? '';
  }

  async list<T>(path: string, query: Query = {}): Promise<KubeList<T>> {
    this.calls.push(`LIST ${path}`);
    if (this.errors.has(path)) throw this.errors.get(path);
    const pairs = String(query.labelSelector ?? '')
      .split(',')
      .filter(Boolean)
      .map((pair) => pair.split('='));
    const fields = String(query.fieldSelector ?? '')
      .split(',')
      .filter(Boolean)
      .map((pair) => pair.split('='));
    const field = (o: KubeObject, dotted: string) =>
      dotted.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], o);
    const items = (this.collections.get(path) ?? []).filter(
      (o) =>
        pairs.every(([key, value]) => o.metadata?.labels?.[key] === value) &&
        fields.every(([key, value]) => String(field(o, key)) === value)
    );
    return { metadata: { resourceVersion: String(this.version) }, items: items as T[] };
  }

  watch<T>(
    path: string,
    _query: Query,
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal
  ): Promise<void> {
    this.calls.push(`WATCH ${path}`);
    return new Promise((resolve, reject) => {
      const watcher: Watcher = {
        path,
        onEvent: onEvent as (event: WatchEvent<unknown>) => void,
        end: (error) => (error ? reject(error) : resolve())
      };
      this.watchers.push(watcher);
      signal.addEventListener('abort', () => {
        this.watchers = this.watchers.filter((w) => w !== watcher);
        resolve();
      });
    });
  }

  async delete(path: string): Promise<void> {
    this.calls.push(`DELETE ${path}`);
  }

  async patch<T>(path: string, _body: string, contentType: string): Promise<T> {
    this.calls.push(`PATCH ${path} ${contentType}`);
    if (this.errors.has(path)) throw this.errors.get(path);
    return JSON.parse(this.texts.get(path) ?? '{}') as T;
  }

  async bearerToken(): Promise<string | undefined> {
    return 'fake-token';
  }
}

/** Lets pending promise callbacks run (watch handlers, relists). */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
