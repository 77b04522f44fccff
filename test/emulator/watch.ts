// Watch streams as the API server writes them: one JSON event per line, initial state as
// ADDED events, resumption from a resourceVersion (410 Expired when too old), and for
// `sendInitialEvents=true` (client-go's WatchList, used by helm 4's informers) a BOOKMARK
// annotated `k8s.io/initial-events-end: "true"` once the initial state has been sent.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiVersionOf, type ResourceType } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { errors } from './status.js';
import type { Change, KObject, Store } from './store.js';

export interface WatchRequest {
  type: ResourceType;
  namespace?: string;
  query: URLSearchParams;
  /** From a /watch/…/<name> path, or a metadata.name field selector. */
  name?: string;
}

export function serveWatch(
  store: Store,
  req: IncomingMessage,
  res: ServerResponse,
  watch: WatchRequest,
  track: (end: () => void) => () => void
): void {
  const { type, namespace, query, name } = watch;
  const byLabel = parseLabelSelector(query.get('labelSelector'));
  const byField = parseFieldSelector(query.get('fieldSelector'), type.resource);
  const matches = (o: KObject) =>
    (namespace === undefined || o.metadata.namespace === namespace) &&
    (name === undefined || o.metadata.name === name) &&
    byLabel(o.metadata.labels) &&
    byField(o);
  const resourceVersion = query.get('resourceVersion') ?? '';
  const sendInitialEvents = query.get('sendInitialEvents') === 'true';
  const bookmarks = query.get('allowWatchBookmarks') === 'true';
  if (sendInitialEvents && query.get('resourceVersionMatch') !== 'NotOlderThan') {
    throw errors.invalidPatch(
      'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'
    );
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  const send = (eventType: string, object: unknown) =>
    res.write(JSON.stringify({ type: eventType, object }) + '\n');
  const withType = (o: KObject) => ({ kind: type.kind, apiVersion: apiVersionOf(type), ...o });

  let timer: NodeJS.Timeout | undefined;
  const end = () => {
    unsubscribe();
    untrack();
    if (timer) clearTimeout(timer);
    res.end();
  };
  // As the watch cache does: an object modified into the selection is ADDED for this
  // watcher, one modified out of it is DELETED.
  const forward = (change: Change) => {
    if (change.resourceType !== type) return;
    const now = matches(change.object);
    const before =
      change.type === 'MODIFIED' && change.previous !== undefined && matches(change.previous);
    if (change.type !== 'MODIFIED' || now === before) {
      if (now) send(change.type, withType(change.object));
    } else send(now ? 'ADDED' : 'DELETED', withType(change.object));
  };
  const unsubscribe = store.subscribe(forward);
  const untrack = track(() => {
    unsubscribe();
    untrack();
    res.destroy();
  });
  req.on('close', end);
  const timeout = Number(query.get('timeoutSeconds') ?? 0);
  if (timeout > 0) timer = setTimeout(end, timeout * 1000);

  if (sendInitialEvents || resourceVersion === '' || resourceVersion === '0') {
    const current = store.resourceVersion;
    for (const o of store.list(type, namespace).filter(matches)) send('ADDED', withType(o));
    if (sendInitialEvents && bookmarks) {
      send('BOOKMARK', {
        kind: type.kind,
        apiVersion: apiVersionOf(type),
        metadata: {
          resourceVersion: String(current),
          annotations: { 'k8s.io/initial-events-end': 'true' }
        }
      });
    }
    return;
  }
  const since = Number(resourceVersion);
  const changes = Number.isFinite(since) ? store.changesSince(since) : undefined;
  if (!changes) {
    send(
      'ERROR',
      errors.gone(`too old resource version: ${resourceVersion} (${store.oldestResumable})`).status
    );
    end();
    return;
  }
  for (const change of changes) forward(change);
}
