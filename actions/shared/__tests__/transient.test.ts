import { expect, test } from '@jest/globals';
import { isTransientFailure, type FailureFacts } from '../src/transient.js';

test.each<[string, FailureFacts, boolean]>([
  // How an EKS endpoint (a load balancer in front, HTTP/2) shows an API server that is away.
  ['http2 connection lost', { text: 'Get "https://x/api": http2: client connection lost' }, true],
  [
    'GOAWAY',
    {
      text: 'http2: server sent GOAWAY and closed the connection; LastStreamID=5, ErrCode=NO_ERROR'
    },
    true
  ],
  [
    'TLS handshake timeout',
    { text: 'Get "https://x/version": net/http: TLS handshake timeout' },
    true
  ],
  ['i/o timeout', { text: 'dial tcp 10.0.0.1:443: i/o timeout' }, true],
  ['EOF after a verb', { text: 'Patch "https://x/apis/apps/v1/deployments/web": EOF' }, true],
  ['unexpected EOF', { text: 'error reading body: unexpected EOF' }, true],
  [
    'etcd leader change, as text',
    { text: 'Error: UPGRADE FAILED: etcdserver: leader changed' },
    true
  ],
  ['etcd leader change, as a 500', { status: 500, text: 'etcdserver: leader changed' }, true],
  [
    '504 request timeout',
    { status: 504, text: 'Timeout: request did not complete within requested timeout' },
    true
  ],
  [
    '504 as helm prints it',
    {
      text: 'Timeout: request did not complete within requested timeout - context deadline exceeded'
    },
    true
  ],
  ['503', { status: 503 }, true],
  ['429', { status: 429, text: 'Too many requests' }, true],
  ['connection refused', { text: 'dial tcp 127.0.0.1:6443: connect: connection refused' }, true],
  ['connection reset', { text: 'read: connection reset by peer' }, true],
  ['Node ECONNRESET', { code: 'ECONNRESET', text: 'socket hang up' }, true],
  ['Node ETIMEDOUT', { code: 'ETIMEDOUT', text: 'no answer within 30s' }, true],
  ['undici connect timeout', { code: 'UND_ERR_CONNECT_TIMEOUT', text: 'fetch failed' }, true],
  [
    'a connect that timed out',
    { text: 'dial tcp 10.0.0.1:443: connect: connection timed out' },
    true
  ],
  [
    "Go's client timeout",
    { text: 'net/http: request canceled (Client.Timeout exceeded while awaiting headers)' },
    true
  ],
  // A registry's answer inside a pull or push message (containerd, docker, podman).
  [
    'a pull throttled',
    { text: 'unexpected status from HEAD request: 429 Too Many Requests' },
    true
  ],
  ['a pull throttled, one word', { text: 'TooManyRequests: rate exceeded' }, true],
  [
    'a registry 500 in a pull message',
    { text: 'received unexpected HTTP status: 500 Internal Server Error' },
    true
  ],
  // Answers: nothing to wait for.
  ['403, even if its text mentions a timeout', { status: 403, text: 'i/o timeout' }, false],
  ['404', { status: 404 }, false],
  ['409 conflict', { status: 409, text: 'the object has been modified' }, false],
  ['501 Not Implemented', { status: 501 }, false],
  [
    'an untrusted certificate',
    { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', text: 'unable to verify the first certificate' },
    false
  ],
  ['a name that does not resolve', { code: 'ENOTFOUND', text: 'getaddrinfo ENOTFOUND x' }, false],
  [
    'a helm wait that timed out',
    { text: 'Error: INSTALLATION FAILED: context deadline exceeded' },
    false
  ],
  ['a word ending in eof', { text: 'Error: thereof' }, false],
  ['a port that looks like a status', { text: 'dial tcp 10.0.0.1:5000: no route' }, false],
  ['nothing', {}, false]
])('%s → %s', (_case, facts, want) => {
  expect(isTransientFailure(facts)).toBe(want);
});
