// The release's public URL, usable as a GitHub environment URL: an Ingress host if the chart
// names one, else the LoadBalancer address the cloud assigns to a Service (on EKS an ELB
// hostname, which appears some seconds after the Service is created).
import * as core from '@actions/core';
import type { KubeClient } from './client.js';
import { objectEventsBy } from './events.js';
import { pause } from './pause.js';
import type { ReleaseTarget } from './release-plan.js';
import { readReleaseObjects, readNamedObjects } from './release-history.js';
import type { Ingress, KubeEvent, LoadBalancerIngress, Service } from './types.js';

function address(entries: LoadBalancerIngress[] | undefined): string | undefined {
  const entry = entries?.find((e) => e.hostname || e.ip);
  if (!entry) return undefined;
  if (entry.hostname) return entry.hostname;
  return entry.ip?.includes(':') ? `[${entry.ip}]` : entry.ip;
}

/** `http://<lb-host>` for a LoadBalancer Service with an address (port kept unless 80/443). Pure. */
export function serviceUrl(service: Service): string | undefined {
  if (service.spec?.type !== 'LoadBalancer') return undefined;
  const host = address(service.status?.loadBalancer?.ingress);
  if (!host) return undefined;
  const port = service.spec.ports?.[0]?.port ?? 80;
  if (port === 80) return `http://${host}`;
  if (port === 443) return `https://${host}`;
  return `http://${host}:${port}`;
}

/**
 * The Ingress's first host (https when its TLS section covers it), or its LB address; none
 * while its controller has not given it an address (the host would not answer yet). Pure.
 */
export function ingressUrl(ingress: Ingress): string | undefined {
  const lb = address(ingress.status?.loadBalancer?.ingress);
  if (!lb) return undefined;
  const host = ingress.spec?.rules?.find((r) => r.host)?.host;
  if (host) {
    const tls = ingress.spec?.tls?.some((t) => t.hosts?.includes(host));
    return `${tls ? 'https' : 'http'}://${host}`;
  }
  return `http://${lb}`;
}

interface UrlState {
  url?: string;
  /** An address may still come: a LoadBalancer Service or an Ingress has none yet. */
  waiting: boolean;
}

/**
 * Ingress host first (the name someone chose), then the Service's LB, then the Ingress's LB;
 * only what has an address. Pure.
 */
export function releaseUrl(services: Service[], ingresses: Ingress[]): UrlState {
  const named = ingresses.find((i) => i.spec?.rules?.some((r) => r.host) && ingressUrl(i));
  const url =
    (named && ingressUrl(named)) ??
    services.map(serviceUrl).find(Boolean) ??
    ingresses.map(ingressUrl).find(Boolean);
  if (url) return { url, waiting: false };
  const waiting = ingresses.length > 0 || services.some((s) => s.spec?.type === 'LoadBalancer');
  return { waiting };
}

/** Events a load balancer controller leaves when it cannot make the LB (in-tree and AWS LBC). */
const LB_FAILURES = new Set(['SyncLoadBalancerFailed', 'FailedDeployModel', 'FailedBuildModel']);

/** Why the release's Services/Ingresses have no address, from their events; '' if none says. Pure. */
export function loadBalancerFailure(events: KubeEvent[]): string {
  const failure = events.filter((e) => LB_FAILURES.has(e.reason ?? '')).at(-1);
  if (!failure) return '';
  const object = `${failure.involvedObject?.kind ?? ''}/${failure.involvedObject?.name ?? ''}`;
  return `${object}: ${failure.reason}: ${(failure.message ?? '').trim()}`;
}

interface UrlWaitOptions {
  pollMs?: number;
  /** How often the events of address-less Services are read. */
  eventsEveryMs?: number;
  now?: () => number;
}

/**
 * Polls until the release has a URL, its load balancer controller says it cannot make one
 * (SyncLoadBalancerFailed …), or `deadline` (epoch ms) passes. The Services and Ingresses are
 * the release's own (its manifest). Returns undefined at once when nothing will ever get an
 * address (only ClusterIP Services). Never throws: the URL is a convenience, its absence a
 * warning that says why.
 */
export async function waitForReleaseUrl(
  client: KubeClient,
  target: ReleaseTarget,
  deadline: number,
  options: UrlWaitOptions = {}
): Promise<string | undefined> {
  const now = options.now ?? Date.now;
  let lastEvents = -Infinity;
  let why = '';
  let names: { services: string[]; ingresses: string[] };
  try {
    const objects = await readReleaseObjects(client, target);
    const named = (kind: string) =>
      objects.filter((o) => o.kind === kind && o.namespace === target.namespace).map((o) => o.name);
    names = { services: named('Service'), ingresses: named('Ingress') };
  } catch (error) {
    core.warning(
      `Cannot read release "${target.release}" for its URL: ${(error as Error).message}`
    );
    return undefined;
  }
  for (;;) {
    let state: UrlState;
    let pending: Array<{ kind: string; name: string }>;
    try {
      const [services, ingresses] = await Promise.all([
        readNamedObjects<Service>(
          client,
          `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/services`,
          names.services
        ),
        // Clusters without the Ingress API, or identities that may not read it: no ingresses.
        readNamedObjects<Ingress>(
          client,
          `/apis/networking.k8s.io/v1/namespaces/${encodeURIComponent(target.namespace)}/ingresses`,
          names.ingresses
        ).catch(() => [] as Ingress[])
      ]);
      state = releaseUrl(services, ingresses);
      pending = [
        ...services
          .filter((s) => s.spec?.type === 'LoadBalancer' && !serviceUrl(s))
          .map((s) => ({ kind: 'Service', name: s.metadata?.name ?? '' })),
        ...ingresses
          .filter((i) => !ingressUrl(i))
          .map((i) => ({ kind: 'Ingress', name: i.metadata?.name ?? '' }))
      ];
    } catch (error) {
      core.warning(
        `Cannot read the Services of release "${target.release}" for its URL: ${(error as Error).message}`
      );
      return undefined;
    }
    if (state.url || !state.waiting) return state.url;
    if (now() - lastEvents >= (options.eventsEveryMs ?? 10_000)) {
      lastEvents = now();
      const events = await Promise.all(
        pending.map((p) => objectEventsBy(client, target.namespace, p.kind, p.name).catch(() => []))
      );
      why = loadBalancerFailure(events.flat());
    }
    const waitingFor = pending.map((p) => `${p.kind}/${p.name}`).join(', ');
    if (why) {
      core.warning(
        `Release "${target.release}": ${waitingFor} got no address because its load balancer cannot be made (${why}); the url output is empty. Check the Service's annotations and class, and that the subnets are tagged for load balancers (kubernetes.io/role/elb).`
      );
      return undefined;
    }
    if (now() >= deadline) {
      core.warning(
        `Release "${target.release}": ${waitingFor} got no LoadBalancer address within the timeout and no event says why; the url output is empty.`
      );
      return undefined;
    }
    await pause(Math.min(options.pollMs ?? 2000, Math.max(0, deadline - now())));
  }
}
