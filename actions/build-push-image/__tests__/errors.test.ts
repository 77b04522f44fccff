import { describe, expect, test } from '@jest/globals';
import {
  classifyFailure,
  explainFailure,
  isRetryableKind,
  type FailureKind,
  type RegistryStep
} from '../src/errors.js';

describe('classifyFailure', () => {
  test.each<[string, FailureKind]>([
    ['denied: installation not allowed to Create organization package', 'denied'],
    ['denied: permission_denied: write_package', 'denied'],
    ['unexpected status from PUT request: 403 Forbidden', 'denied'],
    ['unauthorized: authentication required', 'auth'],
    ['Error response from daemon: login attempt failed with status: 401 Unauthorized', 'auth'],
    ['no basic auth credentials', 'auth'],
    // podman 4.3 / buildah 1.28, as they answered a real registry
    ['Error: logging into "127.0.0.1:5000": invalid username/password', 'auth'],
    [
      'Error: authenticating creds for "127.0.0.1:5000": pinging container registry 127.0.0.1:5000: invalid status code from registry 503 (Service Unavailable)',
      'server'
    ],
    [
      'Error: writing manifest: uploading manifest t to 127.0.0.1:5000/o/a: StatusCode: 429, ',
      'rate-limited'
    ],
    ['toomanyrequests: retry later', 'rate-limited'],
    ['received unexpected HTTP status: 429 Too Many Requests', 'rate-limited'],
    ['received unexpected HTTP status: 503 Service Unavailable', 'server'],
    ['error parsing HTTP 502 response body', 'server'],
    ['Put "http://127.0.0.1:5000/v2/": dial tcp: connection refused', 'network'],
    ['write tcp: broken pipe', 'network'],
    ['net/http: TLS handshake timeout', 'network'],
    ['unexpected EOF', 'network'],
    ['manifest invalid: manifest invalid', 'other'],
    // The shared rule (shared/src/transient.ts): a name that does not resolve, or 501, is no outage.
    ['dial tcp: lookup ghcr.example: no such host', 'other'],
    ['received unexpected HTTP status: 501 Not Implemented', 'other'],
    ['dial tcp 10.0.0.1:443: connect: connection timed out', 'network']
  ])('%s → %s', (text, kind) => expect(classifyFailure(text)).toBe(kind));

  test.each<[FailureKind, boolean]>([
    ['rate-limited', true],
    ['server', true],
    ['network', true],
    ['auth', false],
    ['denied', false],
    ['other', false]
  ])('%s retryable: %s', (kind, want) => expect(isRetryableKind(kind)).toBe(want));
});

describe('explainFailure', () => {
  const ghcr = { registry: 'ghcr.io', name: 'ghcr.io/o/app', eventName: 'push' };
  const other = { registry: 'r.example', name: 'r.example/a', eventName: 'push' };
  test.each<[string, typeof ghcr, RegistryStep, RegExp[]]>([
    [
      'denied: installation not allowed to Write organization package',
      ghcr,
      'push',
      [
        /Workflow permissions/,
        /Manage Actions access/,
        /GitHub App installation token/,
        /packages: write/
      ]
    ],
    [
      'denied: permission_denied: write_package',
      ghcr,
      'push',
      [
        /^- Give the job write access to packages: add permissions: \{ contents: read, packages: write \} to the job/m,
        /Manage Actions access/
      ]
    ],
    [
      'unauthorized: authentication required',
      ghcr,
      'login',
      [/rejected the username and password for ghcr.io/, /secrets.GITHUB_TOKEN/]
    ],
    [
      // the login went through with the same credentials: they may not write, nothing more
      'unauthorized: authentication required',
      ghcr,
      'push',
      [
        /accepted the login but refused the push: .* lack push rights \(packages: write\)/,
        /packages: write \} to the job/
      ]
    ],
    [
      'received unexpected HTTP status: 401 Unauthorized',
      other,
      'push',
      [/accepted the login but refused the push/, /may not push to r.example\/a/]
    ],
    [
      'denied: requested access to the resource is denied',
      { ...ghcr, eventName: 'pull_request' },
      'push',
      [/read-only GITHUB_TOKEN/]
    ],
    ['denied: no', other, 'push', [/may not push to r.example\/a/]],
    [
      'received unexpected HTTP status: 503 Service Unavailable',
      ghcr,
      'push',
      [/kept failing after retries/]
    ]
  ])('%s at %s', (text, context, step, hints) => {
    const label = step === 'push' ? 'push ghcr.io/o/app:1' : 'docker login to ghcr.io';
    const error = explainFailure(label, `Preparing\n${text}`, context, step);
    expect(error.message).toMatch(
      new RegExp(`^${label} failed: Preparing / ${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)
    );
    for (const hint of hints) expect(error.message).toMatch(hint);
    if (step === 'push') expect(error.message).not.toMatch(/rejected the username and password/);
  });

  test('an unknown failure carries no made-up hint', () => {
    expect(
      explainFailure(
        'push',
        'manifest invalid',
        { registry: 'ghcr.io', name: 'n', eventName: 'push' },
        'push'
      ).message
    ).toBe('push failed: manifest invalid');
  });
});
