// List-then-watch, the informer pattern without the SDK: one list for a consistent snapshot,
// then a watch from its resourceVersion; when the server ends the stream we watch again from
// the last version seen, and after an error (410 Expired, a dropped connection) we list again.
import type { KubeClient, Query, WatchEvent } from './client.js';
import type { KubeObject } from './types.js';

export interface FollowOptions {
  /** Pause before listing again after an error. */
  retryDelayMs?: number;
  /** How long the server keeps one watch open before we reconnect. */
  watchTimeoutSeconds?: number;
  onError?: (error: unknown) => void;
}

export interface Following<T> {
  /** The objects of the first list: the state before anything we do. */
  initial: T[];
  /** Settles once `signal` aborted and the open watch closed. */
  done: Promise<void>;
}

function keyOf(object: KubeObject): string {
  return object.metadata?.uid ?? object.metadata?.name ?? '';
}

/**
 * Calls `onChange` with every matching object after each list and each event. Resolves after
 * the first list (rejects if it fails: the caller decides whether that matters).
 */
export async function follow<T extends KubeObject>(
  client: KubeClient,
  path: string,
  query: Query,
  onChange: (objects: T[]) => void,
  signal: AbortSignal,
  options: FollowOptions = {}
): Promise<Following<T>> {
  const retryDelayMs = options.retryDelayMs ?? 2000;
  const objects = new Map<string, T>();

  const relist = async (): Promise<string | undefined> => {
    const list = await client.list<T>(path, query);
    objects.clear();
    for (const item of list.items) objects.set(keyOf(item), item);
    onChange([...objects.values()]);
    return list.metadata?.resourceVersion;
  };

  const apply = (event: WatchEvent<T>): string | undefined => {
    const version = event.object.metadata?.resourceVersion;
    if (event.type === 'DELETED') objects.delete(keyOf(event.object));
    else if (event.type !== 'BOOKMARK') objects.set(keyOf(event.object), event.object);
    if (event.type !== 'BOOKMARK') onChange([...objects.values()]);
    return version;
  };

  let version = await relist();
  const initial = [...objects.values()];

  const loop = async () => {
    while (!signal.aborted) {
      try {
        if (version === undefined) version = await relist();
        const watchQuery = {
          ...query,
          resourceVersion: version,
          allowWatchBookmarks: true,
          timeoutSeconds: options.watchTimeoutSeconds ?? 120
        };
        const opened = Date.now();
        await client.watch<T>(
          path,
          watchQuery,
          (event) => (version = apply(event) ?? version),
          signal
        );
        // A server that ends watches at once (a proxy, a minimal API) must not make us spin.
        if (Date.now() - opened < 1000) await pause(retryDelayMs, signal);
      } catch (error) {
        if (signal.aborted) break;
        options.onError?.(error);
        version = undefined;
        await pause(retryDelayMs, signal);
      }
    }
  };
  return { initial, done: loop() };
}

/** Sleeps, waking early when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
