// Kubernetes `Status` failures, shaped like the API server's (apimachinery's
// k8s.io/apimachinery/pkg/api/errors): clients read `reason` and `code`, people read `message`.
import type { ResourceType } from './resources.js';

export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
    uid?: string;
  };
  code: number;
}

export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
  }
  get code(): number {
    return this.status.code;
  }
}

function failure(code: number, reason: string, message: string, details?: Status['details']) {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code
  });
}

/** apimachinery's utilerrors.Aggregate: one error bare, several in brackets. */
function aggregate(messages: string[]): string {
  return messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
}

function qualified(type: ResourceType): string {
  return type.group ? `${type.resource}.${type.group}` : type.resource;
}

function detailsFor(type: ResourceType, name: string): Status['details'] {
  return { name, ...(type.group ? { group: type.group } : {}), kind: type.resource };
}

export const errors = {
  notFound: (type: ResourceType, name: string) =>
    failure(404, 'NotFound', `${qualified(type)} "${name}" not found`, detailsFor(type, name)),
  alreadyExists: (type: ResourceType, name: string) =>
    failure(
      409,
      'AlreadyExists',
      `${qualified(type)} "${name}" already exists`,
      detailsFor(type, name)
    ),
  conflict: (type: ResourceType, name: string) =>
    failure(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      detailsFor(type, name)
    ),
  applyConflict: (type: ResourceType, name: string, causes: StatusCause[]) =>
    failure(
      409,
      'Conflict',
      `Apply failed with ${causes.length} conflict${causes.length === 1 ? '' : 's'}: ${causes.map((c) => c.message).join(', ')}`,
      { ...detailsFor(type, name), causes }
    ),
  invalid: (type: ResourceType, name: string, causes: StatusCause[]) =>
    failure(
      422,
      'Invalid',
      `${type.group ? `${type.kind}.${type.group}` : type.kind} "${name}" is invalid: ${aggregate(causes.map((c) => `${c.field}: ${c.message}`))}`,
      { name, ...(type.group ? { group: type.group } : {}), kind: type.kind, causes }
    ),
  badRequest: (message: string) => failure(400, 'BadRequest', message),
  invalidPatch: (message: string) => failure(422, 'Invalid', message),
  unsupportedMediaType: (contentType: string) =>
    failure(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${contentType})`
    ),
  methodNotAllowed: (method: string) =>
    failure(
      405,
      'MethodNotAllowed',
      `the server does not allow this method on the requested resource (${method})`
    ),
  pathNotFound: () => failure(404, 'NotFound', 'the server could not find the requested resource'),
  gone: (message: string) => failure(410, 'Expired', message),
  unauthorized: () => failure(401, 'Unauthorized', 'Unauthorized'),
  /** RBAC's refusal, worded as the authorizer words it (…/rbac/authorizer.go, handlers/responsewriters). */
  rbacForbidden: (
    type: ResourceType,
    verb: string,
    user: string,
    resource: string,
    namespace?: string,
    name?: string
  ) =>
    failure(
      403,
      'Forbidden',
      `${name ? `${qualified(type)} "${name}"` : qualified(type)} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${type.group}"${namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope'}`,
      { ...(name ? { name } : {}), group: type.group || undefined, kind: type.resource }
    ),
  /** An admission plugin's refusal (ResourceQuota, PodSecurity …): `pods "x" is forbidden: …`. */
  forbidden: (type: ResourceType, name: string, reason: string) =>
    failure(
      403,
      'Forbidden',
      `${qualified(type)} "${name}" is forbidden: ${reason}`,
      detailsFor(type, name)
    ),
  namespaceTerminating: (type: ResourceType, name: string, namespace: string) =>
    failure(
      403,
      'Forbidden',
      `${qualified(type)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      detailsFor(type, name)
    ),
  internal: (message: string) =>
    failure(500, 'InternalError', `Internal error occurred: ${message}`),
  /** An injected fault: 429 asks to retry after a second, 503 is unavailability, others internal. */
  injected: (code: number) =>
    code === 429
      ? failure(
          429,
          'TooManyRequests',
          'the server has received too many requests and has asked us to try again later',
          { retryAfterSeconds: 1 }
        )
      : code === 503
        ? failure(503, 'ServiceUnavailable', 'the server is currently unable to handle the request')
        : failure(code, 'InternalError', 'Internal error occurred: injected fault')
};

export function successStatus(type: ResourceType, name: string, uid: string): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, ...(type.group ? { group: type.group } : {}), kind: type.resource, uid },
    code: 200
  };
}
