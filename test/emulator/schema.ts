// Which fields each kind declares, so that `fieldValidation=Strict` rejects unknown ones as the
// real server does (helm relies on it: our OpenAPI v3 advertises fieldValidation, so helm skips
// its client-side schema check). Leaves and free-form parts are `ANY`; the trees cover what
// charts write: metadata, pod templates, Deployments, Services, ConfigMaps, Secrets, Jobs.
import type { ResourceType } from './resources.js';

type Node = typeof ANY | { [field: string]: Node } | Node[];
const ANY = '*' as const;

const fields = (...names: string[]): Record<string, Node> =>
  Object.fromEntries(names.map((n) => [n, ANY]));

const objectMeta: Node = fields(
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields'
);

const container: Node = {
  ...fields(
    'name',
    'image',
    'command',
    'args',
    'workingDir',
    'envFrom',
    'resources',
    'resizePolicy',
    'restartPolicy',
    'volumeDevices',
    'livenessProbe',
    'readinessProbe',
    'startupProbe',
    'lifecycle',
    'terminationMessagePath',
    'terminationMessagePolicy',
    'imagePullPolicy',
    'securityContext',
    'stdin',
    'stdinOnce',
    'tty'
  ),
  ports: [fields('name', 'hostPort', 'containerPort', 'protocol', 'hostIP')],
  env: [fields('name', 'value', 'valueFrom')],
  volumeMounts: [
    fields(
      'name',
      'readOnly',
      'recursiveReadOnly',
      'mountPath',
      'subPath',
      'mountPropagation',
      'subPathExpr'
    )
  ]
};

const podSpec: Node = {
  ...fields(
    'volumes',
    'ephemeralContainers',
    'restartPolicy',
    'terminationGracePeriodSeconds',
    'activeDeadlineSeconds',
    'dnsPolicy',
    'nodeSelector',
    'serviceAccountName',
    'serviceAccount',
    'automountServiceAccountToken',
    'nodeName',
    'hostNetwork',
    'hostPID',
    'hostIPC',
    'shareProcessNamespace',
    'securityContext',
    'imagePullSecrets',
    'hostname',
    'subdomain',
    'affinity',
    'schedulerName',
    'tolerations',
    'hostAliases',
    'priorityClassName',
    'priority',
    'dnsConfig',
    'readinessGates',
    'runtimeClassName',
    'enableServiceLinks',
    'preemptionPolicy',
    'overhead',
    'topologySpreadConstraints',
    'setHostnameAsFQDN',
    'os',
    'hostUsers',
    'schedulingGates',
    'resourceClaims',
    'resources'
  ),
  containers: [container],
  initContainers: [container]
};

const podTemplate: Node = { metadata: objectMeta, spec: podSpec };

const SPECS: Record<string, Node> = {
  deployments: {
    ...fields(
      'replicas',
      'selector',
      'strategy',
      'minReadySeconds',
      'revisionHistoryLimit',
      'paused',
      'progressDeadlineSeconds'
    ),
    template: podTemplate
  },
  replicasets: { ...fields('replicas', 'minReadySeconds', 'selector'), template: podTemplate },
  jobs: {
    ...fields(
      'parallelism',
      'completions',
      'activeDeadlineSeconds',
      'podFailurePolicy',
      'successPolicy',
      'backoffLimit',
      'backoffLimitPerIndex',
      'maxFailedIndexes',
      'selector',
      'manualSelector',
      'ttlSecondsAfterFinished',
      'completionMode',
      'suspend',
      'podReplacementPolicy',
      'managedBy'
    ),
    template: podTemplate
  },
  pods: podSpec,
  services: {
    ...fields(
      'selector',
      'clusterIP',
      'clusterIPs',
      'type',
      'externalIPs',
      'sessionAffinity',
      'loadBalancerIP',
      'loadBalancerSourceRanges',
      'externalName',
      'externalTrafficPolicy',
      'healthCheckNodePort',
      'publishNotReadyAddresses',
      'sessionAffinityConfig',
      'ipFamilies',
      'ipFamilyPolicy',
      'allocateLoadBalancerNodePorts',
      'loadBalancerClass',
      'internalTrafficPolicy',
      'trafficDistribution'
    ),
    ports: [fields('name', 'protocol', 'appProtocol', 'port', 'targetPort', 'nodePort')]
  }
};

const TOP_LEVEL: Record<string, Record<string, Node>> = {
  configmaps: fields('data', 'binaryData', 'immutable'),
  secrets: fields('data', 'stringData', 'type', 'immutable'),
  serviceaccounts: fields('secrets', 'imagePullSecrets', 'automountServiceAccountToken'),
  events: fields(
    'involvedObject',
    'reason',
    'message',
    'source',
    'firstTimestamp',
    'lastTimestamp',
    'count',
    'type',
    'eventTime',
    'series',
    'action',
    'related',
    'reportingComponent',
    'reportingInstance'
  ),
  endpoints: fields('subsets'),
  roles: fields('rules'),
  clusterroles: fields('rules', 'aggregationRule'),
  rolebindings: fields('subjects', 'roleRef'),
  clusterrolebindings: fields('subjects', 'roleRef')
};

function schemaOf(type: ResourceType): Node {
  return {
    ...fields('apiVersion', 'kind', 'status'),
    metadata: objectMeta,
    spec: SPECS[type.resource] ?? ANY,
    ...(TOP_LEVEL[type.resource] ?? {})
  };
}

function walk(value: unknown, node: Node, path: string, out: string[]): void {
  if (node === ANY || value === null || typeof value !== 'object') return;
  if (Array.isArray(node)) {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, node[0], `${path}[${i}]`, out));
    return;
  }
  if (Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const childPath = path ? `${path}.${key}` : key;
    if (!(key in node)) out.push(childPath);
    else walk(child, node[key], childPath, out);
  }
}

/** Paths of the fields the kind does not declare, as strict decoding reports them. */
export function unknownFields(type: ResourceType, object: unknown): string[] {
  const out: string[] = [];
  walk(object, schemaOf(type), '', out);
  return out;
}
