// The release's public URL, usable as a GitHub environment URL: an Ingress host if the chart
// names one, else the LoadBalancer address the cloud assigns to a Service (on EKS an ELB
// hostname, which appears some seconds after the Service is created).
import * as core from '@actions/core';
import type { KubeClient } from './client.js';
import { releaseSelector } from './fail-fast.js';
import { pause } from './follow.js';
import type { ReleaseTarget } from './recover.js';
import type { Ingress, LoadBalancerIngress, Service } from './types.js';

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

/** The Ingress's first host (https when its TLS section covers it), or its LB address. Pure. */
export function ingressUrl(ingress: Ingress): string | undefined {
  const host = ingress.spec?.rules?.find((r) => r.host)?.host;
  if (host) {
    const tls = ingress.spec?.tls?.some((t) => t.hosts?.includes(host));
    return `${tls ? 'https' : 'http'}://${host}`;
  }
  const lb = address(ingress.status?.loadBalancer?.ingress);
  return lb ? `http://${lb}` : undefined;
}

export interface UrlState {
  url?: string;
  /** An address may still come: a LoadBalancer Service or an Ingress has none yet. */
  waiting: boolean;
}

/** Ingress host first (the name someone chose), then the Service's LB, then the Ingress's LB. Pure. */
export function releaseUrl(services: Service[], ingresses: Ingress[]): UrlState {
  const named = ingresses.find((i) => i.spec?.rules?.some((r) => r.host));
  const url =
    (named && ingressUrl(named)) ??
    services.map(serviceUrl).find(Boolean) ??
    ingresses.map(ingressUrl).find(Boolean);
  if (url) return { url, waiting: false };
  const waiting = ingresses.length > 0 || services.some((s) => s.spec?.type === 'LoadBalancer');
  return { waiting };
}

export interface UrlWaitOptions {
  pollMs?: number;
  now?: () => number;
}

/**
 * Polls until the release has a URL or `deadline` (epoch ms) passes. Returns undefined at
 * once when nothing will ever get an address (only ClusterIP Services). Never throws: the URL
 * is a convenience, its absence a warning.
 */
export async function waitForReleaseUrl(
  client: KubeClient,
  target: ReleaseTarget,
  deadline: number,
  options: UrlWaitOptions = {}
): Promise<string | undefined> {
  const now = options.now ?? Date.now;
  const ns = encodeURIComponent(target.namespace);
  const query = { labelSelector: releaseSelector(target.release) };
  for (;;) {
    let state: UrlState;
    try {
      const [services, ingresses] = await Promise.all([
        client.list<Service>(`/api/v1/namespaces/${ns}/services`, query),
        // Clusters without the Ingress API, or identities that may not read it: no ingresses.
        client
          .list<Ingress>(`/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`, query)
          .catch(() => ({ items: [] }))
      ]);
      state = releaseUrl(services.items, ingresses.items);
    } catch (error) {
      core.warning(
        `Cannot read the Services of release "${target.release}" for its URL: ${(error as Error).message}`
      );
      return undefined;
    }
    if (state.url || !state.waiting) return state.url;
    if (now() >= deadline) {
      core.warning(
        `Release "${target.release}" got no LoadBalancer address within the timeout; the url output is empty.`
      );
      return undefined;
    }
    await pause(Math.min(options.pollMs ?? 2000, Math.max(0, deadline - now())));
  }
}
