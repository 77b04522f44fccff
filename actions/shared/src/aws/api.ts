// One way to call an AWS API over the shared HTTP edge: endpoint from endpoints.ts, SigV4 from
// sigv4.ts, and one reader of AWS's three error shapes (query XML, JSON 1.1 `__type`, REST JSON
// `x-amzn-errortype`), so every edge reports `<Service> <Action>: <Code>: <Message>`.
import type { HttpClient, HttpResponse } from '../http.js';
import { awsEndpoint, type AwsService } from './endpoints.js';
import { signRequest, type AwsCredentials } from './sigv4.js';

/** An AWS API answered with an error: `code` is AWS's own (AccessDenied, ResourceNotFoundException …). */
export class AwsApiError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly code: string,
    readonly detail: string
  ) {
    super(`${operation}: ${code}${detail ? `: ${detail}` : ''} (HTTP ${status})`);
    this.name = 'AwsApiError';
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The text of the first `<tag>` in an AWS XML answer, entities decoded. Pure. */
export function xmlValue(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return match?.[1].replace(/&(amp|lt|gt|quot|apos|#\d+);/g, (_, name: string) =>
    name.startsWith('#') ? String.fromCodePoint(Number(name.slice(1))) : ENTITIES[name]
  );
}

/** AWS's error code and message from any of its protocols. Pure. */
export function awsErrorOf(response: HttpResponse): { code: string; message: string } {
  const header = response.headers['x-amzn-errortype']?.split(':')[0];
  if (response.body.trimStart().startsWith('<')) {
    return {
      code: xmlValue(response.body, 'Code') ?? header ?? `HTTP${response.status}`,
      message: xmlValue(response.body, 'Message') ?? ''
    };
  }
  let doc: Record<string, unknown> = {};
  try {
    doc = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    // not JSON: the status is all there is
  }
  const type = typeof doc.__type === 'string' ? doc.__type.split('#').pop() : undefined;
  const code =
    header ?? type ?? (typeof doc.code === 'string' ? doc.code : `HTTP${response.status}`);
  const message = doc.message ?? doc.Message ?? '';
  return { code, message: typeof message === 'string' ? message : '' };
}

export interface AwsCall {
  service: AwsService;
  /** For messages: `EKS DescribeCluster`. */
  operation: string;
  region: string;
  method: 'GET' | 'POST';
  /** Appended to the endpoint URL. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Undefined: sent unsigned (STS AssumeRoleWithWebIdentity authenticates by its token). */
  credentials?: AwsCredentials;
}

/** Everything an AWS edge needs: the HTTP edge, the environment (endpoints), the clock. */
export interface AwsContext {
  http: HttpClient;
  env: NodeJS.ProcessEnv;
  now: () => Date;
}

/** Sends one call; a non-2xx answer throws AwsApiError with AWS's code. */
export async function callAws(context: AwsContext, call: AwsCall): Promise<HttpResponse> {
  const endpoint = awsEndpoint(call.service, call.region, context.env);
  const request = {
    method: call.method,
    url: `${endpoint.url}${call.path}`,
    headers: call.headers ?? {},
    body: call.body
  };
  const sent = call.credentials
    ? signRequest(request, {
        credentials: call.credentials,
        service: endpoint.signingName,
        region: endpoint.signingRegion,
        now: context.now()
      })
    : request;
  const response = await context.http.request({ ...sent, method: call.method });
  if (response.status >= 200 && response.status < 300) return response;
  const { code, message } = awsErrorOf(response);
  throw new AwsApiError(call.operation, response.status, code, message);
}
