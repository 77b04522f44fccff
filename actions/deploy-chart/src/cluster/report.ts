// The job summary of a successful deploy: the release (revision, status, chart, app version),
// its resources and their readiness, and the URL. Reading is best effort; rendering is pure.
import { markdownTable } from '../../../shared/src/summary.js';
import type { KubeClient } from './client.js';
import { readNamedObjects, readReleaseObjects } from './release-history.js';
import type { ReleaseTarget } from './release-plan.js';
import type { HelmRevision } from './release-plan.js';
import type { Ingress, Service, Workload } from './types.js';
import { ingressUrl, serviceUrl } from './url.js';

interface ResourceStatus {
  kind: string;
  name: string;
  /** "2/2" for workloads, "yes"/"pending" for addresses, "-" when readiness does not apply. */
  ready: string;
  detail: string;
}

/** Pure. */
export function workloadStatus(kind: string, workload: Workload): ResourceStatus {
  const desired = workload.spec?.replicas ?? 1;
  const ready = workload.status?.readyReplicas ?? 0;
  const updated = workload.status?.updatedReplicas ?? 0;
  return {
    kind,
    name: workload.metadata?.name ?? '',
    ready: `${ready}/${desired}`,
    detail: `${updated} up to date`
  };
}

/** Pure. */
export function serviceStatus(service: Service): ResourceStatus {
  const type = service.spec?.type ?? 'ClusterIP';
  const ports = (service.spec?.ports ?? []).map((p) => p.port).join(', ');
  const url = serviceUrl(service);
  return {
    kind: 'Service',
    name: service.metadata?.name ?? '',
    ready: type === 'LoadBalancer' ? (url ? 'yes' : 'pending') : '-',
    detail: `${type}${ports ? ` port ${ports}` : ''}${url ? ` ${url}` : ''}`
  };
}

/** Pure. */
export function ingressStatus(ingress: Ingress): ResourceStatus {
  const hasAddress =
    ingress.status?.loadBalancer?.ingress?.some((e) => e.hostname || e.ip) ?? false;
  return {
    kind: 'Ingress',
    name: ingress.metadata?.name ?? '',
    ready: hasAddress ? 'yes' : 'pending',
    detail: ingressUrl(ingress) ?? ''
  };
}

export async function readReleaseResources(
  client: KubeClient,
  target: ReleaseTarget
): Promise<ResourceStatus[]> {
  const ns = encodeURIComponent(target.namespace);
  const objects = await readReleaseObjects(client, target).catch(() => []);
  const named = (kind: string) =>
    objects.filter((o) => o.kind === kind && o.namespace === target.namespace).map((o) => o.name);
  const read = <T>(kind: string, collection: string) =>
    readNamedObjects<T>(client, collection, named(kind)).catch(() => [] as T[]);
  const [deployments, statefulSets, services, ingresses] = await Promise.all([
    read<Workload>('Deployment', `/apis/apps/v1/namespaces/${ns}/deployments`),
    read<Workload>('StatefulSet', `/apis/apps/v1/namespaces/${ns}/statefulsets`),
    read<Service>('Service', `/api/v1/namespaces/${ns}/services`),
    read<Ingress>('Ingress', `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`)
  ]);
  return [
    ...deployments.map((d) => workloadStatus('Deployment', d)),
    ...statefulSets.map((s) => workloadStatus('StatefulSet', s)),
    ...services.map(serviceStatus),
    ...ingresses.map(ingressStatus)
  ];
}

interface SuccessReport {
  target: ReleaseTarget;
  revision: HelmRevision;
  resources: ResourceStatus[];
  url?: string;
}

/** The job summary's success section (Markdown). Pure. */
export function renderSuccessSummary(report: SuccessReport): string {
  const { target, revision, resources, url } = report;
  const parts = [
    `### Deployed \`${target.release}\` to \`${target.namespace}\``,
    markdownTable(
      ['Revision', 'Status', 'Chart', 'App version', 'Updated'],
      [
        [
          String(revision.revision),
          revision.status,
          revision.chart,
          revision.app_version,
          revision.updated ?? ''
        ]
      ]
    ),
    '#### Resources',
    resources.length
      ? markdownTable(
          ['Kind', 'Name', 'Ready', 'Detail'],
          resources.map((r) => [r.kind, r.name, r.ready, r.detail])
        )
      : 'The release has no Deployments, StatefulSets, Services or Ingresses.',
    url ? `**URL:** ${url}` : '**URL:** none (no LoadBalancer Service or Ingress with an address)'
  ];
  return parts.join('\n\n') + '\n';
}
