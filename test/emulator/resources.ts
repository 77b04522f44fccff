// The resource types the emulated cluster serves: what helm, kubectl and the chart use,
// plus the common neighbours kubectl discovery expects to find on an EKS cluster.

export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  resource: string; // plural, as in the URL
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Subresources the server answers (`status`, `log`, `scale`). */
  subresources?: string[];
  /** metadata.generation is kept and bumped on spec changes (objects with a controller). */
  generation?: boolean;
}

const ALL = ['all'];

export const RESOURCE_TYPES: ResourceType[] = [
  core('namespaces', 'Namespace', false, { shortNames: ['ns'], subresources: ['status'] }),
  core('secrets', 'Secret', true),
  core('configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  core('services', 'Service', true, {
    shortNames: ['svc'],
    categories: ALL,
    subresources: ['status']
  }),
  core('pods', 'Pod', true, {
    shortNames: ['po'],
    categories: ALL,
    subresources: ['status', 'log']
  }),
  core('events', 'Event', true, { shortNames: ['ev'] }),
  core('serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'] }),
  core('endpoints', 'Endpoints', true, { shortNames: ['ep'] }),
  core('persistentvolumeclaims', 'PersistentVolumeClaim', true, {
    shortNames: ['pvc'],
    subresources: ['status']
  }),
  core('nodes', 'Node', false, { shortNames: ['no'], subresources: ['status'] }),
  core('limitranges', 'LimitRange', true, { shortNames: ['limits'] }),
  core('resourcequotas', 'ResourceQuota', true, {
    shortNames: ['quota'],
    subresources: ['status']
  }),
  apps('deployments', 'Deployment', ['deploy']),
  apps('replicasets', 'ReplicaSet', ['rs']),
  apps('statefulsets', 'StatefulSet', ['sts']),
  { ...apps('daemonsets', 'DaemonSet', ['ds']), subresources: ['status'] },
  typ('apps', 'v1', 'controllerrevisions', 'ControllerRevision', true),
  {
    ...typ('batch', 'v1', 'jobs', 'Job', true),
    categories: ALL,
    subresources: ['status'],
    generation: true
  },
  {
    ...typ('batch', 'v1', 'cronjobs', 'CronJob', true),
    shortNames: ['cj'],
    categories: ALL,
    subresources: ['status'],
    generation: true
  },
  {
    ...typ('networking.k8s.io', 'v1', 'ingresses', 'Ingress', true),
    shortNames: ['ing'],
    subresources: ['status'],
    generation: true
  },
  { ...typ('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true), generation: true },
  {
    ...typ('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true),
    shortNames: ['hpa'],
    categories: ALL,
    subresources: ['status']
  },
  {
    ...typ('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true),
    shortNames: ['pdb'],
    subresources: ['status'],
    generation: true
  },
  typ('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  typ('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  typ('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  typ('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false)
];

function typ(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean
): ResourceType {
  return { group, version, resource, kind, namespaced, singular: kind.toLowerCase() };
}

function core(
  resource: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {}
): ResourceType {
  return { ...typ('', 'v1', resource, kind, namespaced), ...extra };
}

function apps(resource: string, kind: string, shortNames: string[]): ResourceType {
  return {
    ...typ('apps', 'v1', resource, kind, true),
    shortNames,
    categories: ALL,
    subresources: ['status', 'scale'],
    generation: true
  };
}

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

export function findType(
  group: string,
  version: string,
  resource: string
): ResourceType | undefined {
  return RESOURCE_TYPES.find(
    (t) => t.group === group && t.version === version && t.resource === resource
  );
}

/** Groups in the order a real server lists them (core first, then by priority). */
export function groupVersions(): Array<{ group: string; version: string }> {
  const seen = new Map<string, { group: string; version: string }>();
  for (const t of RESOURCE_TYPES) seen.set(`${t.group}/${t.version}`, t);
  return [...seen.values()].map(({ group, version }) => ({ group, version }));
}

export const VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch'
];

/** The resource type of a plural resource name (`pods`, `deployments` …); a name it lacks is a bug. */
export function typeOf(resource: string): ResourceType {
  const found = RESOURCE_TYPES.find((t) => t.resource === resource);
  if (!found) throw new Error(`unknown resource ${resource}`);
  return found;
}
