// Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), which
// `kubectl get` asks for: the columns a real server prints for the common kinds.
import type { ResourceType } from './resources.js';
import type { KObject } from './store.js';

type Column = [name: string, cell: (o: KObject) => string | number];

function age(o: KObject): string {
  const seconds = Math.max(
    0,
    Math.floor((Date.now() - Date.parse(o.metadata.creationTimestamp)) / 1000)
  );
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return `${minutes}m${seconds % 60 ? `${seconds % 60}s` : ''}`;
  if (minutes < 180) return `${minutes}m`;
  return `${Math.floor(minutes / 60)}h`;
}

function podStatus(o: KObject): string {
  if (o.metadata.deletionTimestamp) return 'Terminating';
  for (const c of o.status?.containerStatuses ?? []) {
    if (c.state?.waiting?.reason) return c.state.waiting.reason;
    if (c.state?.terminated?.reason) return c.state.terminated.reason;
  }
  return o.status?.phase ?? 'Pending';
}

function ports(o: KObject): string {
  const list: Array<{ port: number; nodePort?: number; protocol?: string }> = o.spec?.ports ?? [];
  return (
    list
      .map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`)
      .join(',') || '<none>'
  );
}

const COLUMNS: Record<string, Column[]> = {
  pods: [
    [
      'Ready',
      (o) =>
        `${(o.status?.containerStatuses ?? []).filter((c: { ready: boolean }) => c.ready).length}/${o.spec?.containers?.length ?? 0}`
    ],
    ['Status', podStatus],
    [
      'Restarts',
      (o) =>
        (o.status?.containerStatuses ?? []).reduce(
          (n: number, c: { restartCount?: number }) => n + (c.restartCount ?? 0),
          0
        )
    ]
  ],
  services: [
    ['Type', (o) => o.spec?.type ?? 'ClusterIP'],
    ['Cluster-IP', (o) => o.spec?.clusterIP ?? '<none>'],
    [
      'External-IP',
      (o) =>
        o.status?.loadBalancer?.ingress
          ?.map((i: { hostname?: string; ip?: string }) => i.hostname ?? i.ip)
          .join(',') || (o.spec?.type === 'LoadBalancer' ? '<pending>' : '<none>')
    ],
    ['Port(s)', ports]
  ],
  deployments: [
    ['Ready', (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`],
    ['Up-to-date', (o) => o.status?.updatedReplicas ?? 0],
    ['Available', (o) => o.status?.availableReplicas ?? 0]
  ],
  replicasets: [
    ['Desired', (o) => o.spec?.replicas ?? 0],
    ['Current', (o) => o.status?.replicas ?? 0],
    ['Ready', (o) => o.status?.readyReplicas ?? 0]
  ],
  configmaps: [
    ['Data', (o) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length]
  ],
  secrets: [
    ['Type', (o) => o.type ?? 'Opaque'],
    ['Data', (o) => Object.keys(o.data ?? {}).length]
  ],
  namespaces: [['Status', (o) => o.status?.phase ?? 'Active']],
  jobs: [
    ['Status', (o) => (o.status?.succeeded ? 'Complete' : o.status?.failed ? 'Failed' : 'Running')],
    ['Completions', (o) => `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}`]
  ],
  events: [
    ['Type', (o) => o.type ?? 'Normal'],
    ['Reason', (o) => o.reason ?? ''],
    [
      'Object',
      (o) => `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}`
    ],
    ['Message', (o) => o.message ?? '']
  ]
};

export function toTable(type: ResourceType, objects: KObject[], resourceVersion: string) {
  const columns: Column[] = [
    ['Name', (o) => o.metadata.name],
    ...(COLUMNS[type.resource] ?? []),
    ['Age', age]
  ];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map(([name], i) => ({
      name,
      type: 'string',
      format: i === 0 ? 'name' : '',
      description: name,
      priority: 0
    })),
    rows: objects.map((o) => ({
      cells: columns.map(([, cell]) => cell(o)),
      object: {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: o.metadata
      }
    }))
  };
}
