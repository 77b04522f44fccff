// Discovery, version, health and OpenAPI v3 documents: what clients read before any resource.
import type { IncomingMessage } from 'node:http';
import {
  aggregatedDiscovery,
  AGGREGATED_DISCOVERY_TYPE,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  SERVER_VERSION
} from '../discovery.js';
import { openApiV3Document, openApiV3Index } from '../openapi.js';
import { Reply } from './request.js';

export function discoveryReply(req: IncomingMessage, pathname: string): Reply | undefined {
  const aggregated = (req.headers.accept ?? '').includes('v=v2;as=APIGroupDiscoveryList');
  if (pathname === '/version' || pathname === '/version/') return new Reply(200, SERVER_VERSION);
  if (['/healthz', '/livez', '/readyz'].includes(pathname))
    return new Reply(200, 'ok', 'text/plain');
  if (pathname === '/api' || pathname === '/api/') {
    return aggregated
      ? new Reply(200, aggregatedDiscovery(true), AGGREGATED_DISCOVERY_TYPE)
      : new Reply(200, apiVersions());
  }
  if (pathname === '/apis' || pathname === '/apis/') {
    return aggregated
      ? new Reply(200, aggregatedDiscovery(false), AGGREGATED_DISCOVERY_TYPE)
      : new Reply(200, apiGroupList());
  }
  if (pathname === '/openapi/v3') return new Reply(200, openApiV3Index());
  const v3 = /^\/openapi\/v3\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(pathname);
  if (v3) {
    const doc = v3[1] ? openApiV3Document('', v3[1]) : openApiV3Document(v3[2], v3[3]);
    return doc ? new Reply(200, doc) : undefined;
  }
  const core = /^\/api\/(v1)\/?$/.exec(pathname);
  if (core) return new Reply(200, apiResourceList('', core[1]));
  const group = /^\/apis\/([^/]+)\/?$/.exec(pathname);
  if (group) {
    const found = apiGroup(group[1]);
    return found ? new Reply(200, found) : undefined;
  }
  const gv = /^\/apis\/([^/]+)\/([^/]+)\/?$/.exec(pathname);
  if (gv) {
    const found = apiResourceList(gv[1], gv[2]);
    return found ? new Reply(200, found) : undefined;
  }
  return undefined;
}
