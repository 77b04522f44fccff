// One rule for "this failure may pass by itself, try again": used by the deploy's preflight,
// its release settling, its helm re-run and image pull verdicts, and by the image build's
// registry retries (HTTP and docker/podman output alike). Nothing else decides it.
// A status decides when there is one (a refusal is an answer, however its text reads); a
// Node error code next; otherwise the text, as tools (helm, client-go, docker) print it.
// The texts are how an API server behind a load balancer over HTTP/2 (EKS) or a registry
// shows an outage: the connection lost or refused, a handshake or read that timed out, a
// stream cut short (EOF), etcd electing a leader, a 503/504 from the front.

/** Node's codes for a connection that failed or was cut, not for a wrong address or certificate. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_STREAM_CANCEL'
]);

/** The same failures as Go's net/http, client-go, helm and the registry clients print them. */
const TRANSIENT_TEXT = new RegExp(
  [
    'http2: client connection lost',
    'http2: server sent GOAWAY',
    '\\bGOAWAY\\b',
    'TLS handshake timeout',
    'i/o timeout',
    'connection timed out',
    'Client\\.Timeout exceeded',
    '\\bunexpected EOF\\b',
    '(?:^|[\\s:"])EOF\\b',
    'connection refused',
    'connection reset',
    'broken pipe',
    'ECONNREFUSED',
    'ECONNRESET',
    'etcdserver: leader changed',
    'etcdserver: request timed out',
    'Timeout: request did not complete',
    'the server is currently unable to handle the request',
    'the server was unable to return a response in the time allotted',
    'too ?many ?requests',
    '\\bServiceUnavailable\\b',
    '\\b50[0234] (?:Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out)'
  ].join('|'),
  'i'
);

/** 429 (throttled) and 5xx (unavailable, restarting, etcd trouble), but not 501 Not Implemented. */
function isTransientStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501);
}

function isTransientCode(code: string): boolean {
  return TRANSIENT_CODES.has(code);
}

function isTransientText(text: string): boolean {
  return TRANSIENT_TEXT.test(text);
}

export interface FailureFacts {
  /** The HTTP status of an answer, if there was one. */
  status?: number;
  /** Node's error code when no answer came (ECONNRESET …). */
  code?: string;
  /** The message or a tool's output. */
  text?: string;
}

/** Whether a failure may pass by itself and is worth another try. Pure. */
export function isTransientFailure(facts: FailureFacts): boolean {
  if (facts.status !== undefined && facts.status > 0) return isTransientStatus(facts.status);
  if (facts.code !== undefined && isTransientCode(facts.code)) return true;
  return isTransientText(facts.text ?? '');
}
