// Discovery as a 1.32 API server serves it: /version, the legacy /api, /apis and per-group
// resource lists, and the aggregated discovery v2 documents client-go asks for first
// (Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList).
import {
  apiVersionOf,
  groupVersions,
  RESOURCE_TYPES,
  VERBS,
  type ResourceType
} from './resources.js';

export const AGGREGATED_DISCOVERY_TYPE =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.9-eks-113cf36',
  gitCommit: '9c6f2d3d9d3e28ed02e1f43f1b0f26ad4e8b7c6a',
  gitTreeState: 'clean',
  buildDate: '2025-09-04T19:58:21Z',
  goVersion: 'go1.23.12',
  compiler: 'gc',
  platform: 'linux/amd64'
};

function verbsOf(type: ResourceType): string[] {
  return type.resource === 'namespaces' ? VERBS.filter((v) => v !== 'deletecollection') : VERBS;
}

interface Subresource {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

function subresourcesOf(type: ResourceType): Subresource[] {
  return (type.subresources ?? []).map((sub) => {
    if (sub === 'log') return { name: sub, kind: 'PodLogOptions', verbs: ['get'] };
    if (sub === 'scale') {
      return {
        name: sub,
        kind: 'Scale',
        group: 'autoscaling',
        version: 'v1',
        verbs: ['get', 'patch', 'update']
      };
    }
    return { name: sub, kind: type.kind, verbs: ['get', 'patch', 'update'] };
  });
}

export function apiVersions() {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.0.12.34:443' }]
  };
}

function groupEntry(group: string) {
  const versions = groupVersions()
    .filter((gv) => gv.group === group)
    .map((gv) => ({ groupVersion: `${group}/${gv.version}`, version: gv.version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

function namedGroups(): string[] {
  return [...new Set(groupVersions().map((gv) => gv.group))].filter((g) => g !== '');
}

export function apiGroupList() {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: namedGroups().map(groupEntry) };
}

export function apiGroup(group: string) {
  return namedGroups().includes(group)
    ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group) }
    : undefined;
}

export function apiResourceList(group: string, version: string) {
  const types = RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const resources = types.flatMap((t) => [
    {
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: verbsOf(t),
      ...(t.shortNames ? { shortNames: t.shortNames } : {}),
      ...(t.categories ? { categories: t.categories } : {})
    },
    ...subresourcesOf(t).map((s) => ({
      name: `${t.resource}/${s.name}`,
      singularName: '',
      namespaced: t.namespaced,
      ...(s.group ? { group: s.group, version: s.version } : {}),
      kind: s.kind,
      verbs: s.verbs
    }))
  ]);
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf(types[0]),
    resources
  };
}

function discoveryVersion(group: string, version: string) {
  const types = RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
  return {
    version,
    resources: types.map((t) => ({
      resource: t.resource,
      responseKind: { group, version, kind: t.kind },
      scope: t.namespaced ? 'Namespaced' : 'Cluster',
      singularResource: t.singular,
      verbs: verbsOf(t),
      ...(t.shortNames ? { shortNames: t.shortNames } : {}),
      ...(t.categories ? { categories: t.categories } : {}),
      ...(t.subresources
        ? {
            subresources: subresourcesOf(t).map((s) => ({
              subresource: s.name,
              responseKind: {
                group: s.group ?? group,
                version: s.version ?? version,
                kind: s.kind
              },
              verbs: s.verbs
            }))
          }
        : {})
    })),
    freshness: 'Current'
  };
}

/** The aggregated document for /api (core only) or /apis (every named group). */
export function aggregatedDiscovery(core: boolean) {
  const groups = core ? [''] : namedGroups();
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((group) => ({
      metadata: group ? { name: group, creationTimestamp: null } : { creationTimestamp: null },
      versions: groupVersions()
        .filter((gv) => gv.group === group)
        .map((gv) => discoveryVersion(group, gv.version))
    }))
  };
}
