// The events about one object, asked for by its uid (a field selector the API server supports
// for events: involvedObject.uid), every page of them (`continue`), oldest first.
import type { KubeClient } from './client.js';
import { eventTimeMicros } from './pod-failure.js';
import type { KubeEvent, KubeList } from './types.js';

const PAGE = 250;
/** A bound on what one object's events can cost: 4 pages. */
const MAX_PAGES = 4;

export function objectEvents(
  client: KubeClient,
  namespace: string,
  uid: string
): Promise<KubeEvent[]> {
  return eventsMatching(client, namespace, `involvedObject.uid=${uid}`);
}

/** By kind and name, for objects whose uid was not read (Services, PVCs …). */
export function objectEventsBy(
  client: KubeClient,
  namespace: string,
  kind: string,
  name: string
): Promise<KubeEvent[]> {
  return eventsMatching(
    client,
    namespace,
    `involvedObject.kind=${kind},involvedObject.name=${name}`
  );
}

async function eventsMatching(
  client: KubeClient,
  namespace: string,
  fieldSelector: string
): Promise<KubeEvent[]> {
  const events: KubeEvent[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const list: KubeList<KubeEvent> = await client.list(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      { fieldSelector, limit: PAGE, continue: token }
    );
    events.push(...list.items);
    token = list.metadata?.continue || undefined;
    if (!token) break;
  }
  return events.sort((a, b) => eventTimeMicros(a) - eventTimeMicros(b));
}
