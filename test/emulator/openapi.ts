// OpenAPI v3 as the API server publishes it: an index at /openapi/v3 naming one document per
// group version, each listing the operations with `x-kubernetes-group-version-kind` and their
// query parameters. kubectl's and helm's QueryParamVerifierV3 look for the `fieldValidation`
// parameter on the PATCH operation of a kind; finding it, they leave validation to the server
// (see schema.ts). Only paths and kinds are described, not full object schemas.
import { createHash } from 'node:crypto';
import { groupVersions, RESOURCE_TYPES, type ResourceType } from './resources.js';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function param(name: string, description: string) {
  return { name, in: 'query', description, schema: { type: 'string', uniqueItems: true } };
}

const DRY_RUN = param(
  'dryRun',
  'When present, indicates that modifications should not be persisted.'
);
const FIELD_MANAGER = param(
  'fieldManager',
  'fieldManager is a name associated with the actor or entity that is making these changes.'
);
const FIELD_VALIDATION = param(
  'fieldValidation',
  'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict.'
);
const FORCE = {
  name: 'force',
  in: 'query',
  description: 'Force is going to "force" Apply requests.',
  schema: { type: 'boolean', uniqueItems: true }
};

function operations(type: ResourceType) {
  const gvk = { group: type.group, version: type.version, kind: type.kind };
  const op = (action: string, verb: string, parameters: unknown[], extra: object = {}) => ({
    tags: [type.group ? `${type.group.split('.')[0]}_${type.version}` : `core_${type.version}`],
    operationId: `${verb}${type.kind}`,
    parameters,
    responses: { '200': { description: 'OK' }, '401': { description: 'Unauthorized' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    ...extra
  });
  const base = `/${gvPath(type.group, type.version)}${type.namespaced ? '/namespaces/{namespace}' : ''}/${type.resource}`;
  return {
    [base]: {
      get: op('list', 'list', []),
      post: op('post', 'create', [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION]),
      delete: op('deletecollection', 'deleteCollection', [DRY_RUN])
    },
    [`${base}/{name}`]: {
      get: op('get', 'read', []),
      put: op('put', 'replace', [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION]),
      patch: op('patch', 'patch', [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE]),
      delete: op('delete', 'delete', [DRY_RUN])
    }
  };
}

function schemaName(type: ResourceType): string {
  const group = type.group ? type.group.split('.')[0] : 'core';
  const pkg = type.group === 'rbac.authorization.k8s.io' ? 'rbac' : group;
  return `io.k8s.api.${pkg}.${type.version}.${type.kind}`;
}

export function openApiV3Document(group: string, version: string) {
  const types = RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.9-eks-113cf36' },
    paths: Object.assign({}, ...types.map(operations)),
    components: {
      schemas: Object.fromEntries(
        types.map((t) => [
          schemaName(t),
          {
            description: `${t.kind} (emulated; fields are validated by the server)`,
            type: 'object',
            'x-kubernetes-group-version-kind': [
              { group: t.group, kind: t.kind, version: t.version }
            ]
          }
        ])
      )
    }
  };
}

function hashOf(document: unknown): string {
  return createHash('sha512')
    .update(JSON.stringify(document))
    .digest('hex')
    .slice(0, 128)
    .toUpperCase();
}

export function openApiV3Index() {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const { group, version } of groupVersions()) {
    const path = gvPath(group, version);
    paths[path] = {
      serverRelativeURL: `/openapi/v3/${path}?hash=${hashOf(openApiV3Document(group, version))}`
    };
  }
  return { paths };
}
