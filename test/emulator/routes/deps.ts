// What the request handler (server.ts) hands its routes, apart from it so the routes do not
// import the handler that imports them.
import type { Api } from '../api.js';
import type { Faults } from '../faults.js';
import type { ResourceType } from '../resources.js';

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  userAgent?: string;
  contentType?: string;
}

export interface ServerDeps {
  api: Api;
  faults: Faults;
  requests: RequestRecord[];
  /** True when the bearer token is one this cluster accepts. */
  authenticate(token: string): boolean;
  /** RBAC: the user name of the token and whether it may `verb` the resource, if it may not. */
  authorize?(token: string, request: AccessRequest): string | undefined;
  /** The text of a container's log, or an ApiError (e.g. container waiting). */
  podLog(namespace: string, pod: string, container: string | null): string;
}

export interface AccessRequest {
  verb: string;
  /** `pods`, or `pods/log` for a subresource. */
  resource: string;
  namespace?: string;
}

export interface ResourcePath {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  watchPath: boolean;
}
