import { describe, expect, test } from '@jest/globals';
import { ActionError } from '../../shared/src/errors.js';
import type { PodFailure } from '../src/cluster/pod-failure.js';
import type { DeployPlan } from '../src/helm-args.js';
import {
  classifyHelmRun,
  explainHelmFailure,
  explainOutcome,
  helmHitTransientClusterError,
  schemaErrorPaths,
  type HelmOutcome,
  type HelmRun
} from '../src/helm-outcome.js';

const HELM3 = `Error: values don't meet the specifications of the schema(s) in the following chart(s):
python-application:
- pythonApp.replicas: Invalid type. Expected: integer, given: string
- pythonApp: Additional property imagee is not allowed
`;
const HELM4 = `Error: values don't meet the specifications of the schema(s) in the following chart(s):
python-application:
- at '/pythonApp/replicas': got string, want integer
`;

describe('schemaErrorPaths', () => {
  test.each([
    [HELM3, ['pythonApp.replicas', 'pythonApp']],
    [HELM4, ['pythonApp.replicas']],
    ["- at '': missing property 'namespace'", ['namespace']],
    ["- at '/pythonApp': missing property 'tag'", ['pythonApp.tag']],
    ['- (root): namespace is required', ['namespace']],
    ['- pythonApp: tag is required', ['pythonApp.tag']],
    ['Error: UPGRADE FAILED: timed out', []]
  ])('reads the value paths helm names', (stderr, want) => {
    expect(schemaErrorPaths(stderr)).toEqual(want);
  });
});

describe('explainHelmFailure', () => {
  test('names the set/values inputs and the refused key under helm 4', () => {
    expect(explainHelmFailure(HELM4)).toEqual({
      message:
        "set/values: the chart's values.schema.json refuses pythonApp.replicas; fix that key in the set input or the values files",
      hint: "- at '/pythonApp/replicas': got string, want integer"
    });
  });

  test('lists every refused key under helm 3', () => {
    expect(explainHelmFailure(HELM3)?.message).toMatch(
      /refuses pythonApp\.replicas, pythonApp; fix those keys/
    );
  });

  test.each([
    'Error: UPGRADE FAILED: context deadline exceeded',
    'Error: namespaces "x" not found'
  ])('leaves other failures to helm: %s', (stderr) => {
    expect(explainHelmFailure(stderr)).toBeUndefined();
  });
});

// helm (3.17.2 and 4.1.4 alike) when a set line meets a values file's key of another shape
describe('a set line that does not fit a values file', () => {
  test.each([
    [
      'Error: failed parsing --set data: unable to parse key: interface conversion: interface {} is float64, not map[string]interface {}\n',
      'a plain value, where the line needs a map'
    ],
    [
      'Error: failed parsing --set-file data: unable to parse key: interface conversion: interface {} is map[string]interface {}, not []interface {}\n',
      'a map, where the line needs a list'
    ]
  ])('%s', (stderr, shapes) => {
    const explained = explainHelmFailure(stderr);
    expect(explained?.message).toBe(
      `set/values: a set line goes into a key that a values file sets to ${shapes} (helm applies set over the values files); change that key in the values file, or the set line`
    );
    expect(explained?.hint).toBe(stderr.trim());
  });

  test('other --set-file failures are left to helm', () =>
    expect(
      explainHelmFailure(
        'Error: failed parsing --set-file data: open /x: no such file or directory\n'
      )
    ).toBeUndefined());
});

const RETRIED_WARNING =
  'W1125 14:41:26.157931 object_status_reporter.go:765] ListAndWatch error (retry expected): failed to list /v1, Kind=Service: the server is currently unable to handle the request';

test.each([
  [
    'helm: a PATCH cut by an API server restart is transient',
    'Release "demo" does not exist. Installing it now.\nError: Patch "https://10.0.0.1/apis/apps/v1/namespaces/web/deployments/demo": read tcp 10.0.0.2:5582->10.0.0.1:443: read: connection reset by peer',
    true
  ],
  [
    'helm: the API server refusing connections is transient',
    'Error: INSTALLATION FAILED: Kubernetes cluster unreachable: Get "https://10.0.0.1/version": dial tcp 10.0.0.1:443: connect: connection refused',
    true
  ],
  [
    'helm: a 503 is transient',
    'Error: UPGRADE FAILED: the server is currently unable to handle the request (get services demo)',
    true
  ],
  [
    'helm: the wait timing out is not transient, even after warnings helm retried past',
    `${RETRIED_WARNING}\nError: INSTALLATION FAILED: context deadline exceeded`,
    false
  ],
  [
    'helm 4: a watcher that lost the API server (every resource Unknown) is transient',
    'Error: resource ConfigMap/web/demo-configmap not ready. status: Unknown, message: \nresource Deployment/web/demo not ready. status: Unknown, message: ',
    true
  ],
  [
    'helm 4: a rollout still in progress at the timeout is not transient',
    'Error: resource Deployment/web/demo not ready. status: InProgress, message: Available: 0/1\nresource Service/web/demo not ready. status: Unknown, message: \ncontext deadline exceeded',
    false
  ],
  [
    'helm 4: only custom resources Unknown (kstatus has no rule, the CRD is new) is not an outage',
    'Error: resource Widget/web/demo not ready. status: Unknown, message: \nresource Gadget/web/demo-2 not ready. status: Unknown, message: \ncontext deadline exceeded',
    false
  ],
  [
    'helm 4: custom and built-in resources all Unknown is an outage',
    'Error: resource Widget/web/demo not ready. status: Unknown, message: \nresource Deployment/web/demo not ready. status: Unknown, message: ',
    true
  ],
  [
    'helm: a GOAWAY from the load balancer in front of the API server is transient',
    'Error: UPGRADE FAILED: Get "https://x/apis/apps/v1/namespaces/web/deployments/demo": http2: server sent GOAWAY and closed the connection',
    true
  ],
  [
    'helm: a schema refusal is not transient',
    "Error: values don't meet the specifications of the schema(s)",
    false
  ],
  ['helm: output without an Error: line is not a failure of helm', RETRIED_WARNING, false]
])('%s', (_case, output, want) => {
  expect(helmHitTransientClusterError(output)).toBe(want);
});

const SCHEMA = `Error: values don't meet the specifications of the schema(s) in the following chart(s):
python-application:
- at '/pythonApp/replicas': got string, want integer
`;
const CUT =
  'Error: UPGRADE FAILED: the server is currently unable to handle the request (get services web)';
const crash: PodFailure = {
  pod: 'web-1',
  container: 'app',
  initContainer: false,
  reason: 'CrashLoopBackOff',
  message: 'back-off restarting failed container'
};
const run = (exitCode: number, stderr = '', extra: Partial<HelmRun> = {}): HelmRun => ({
  result: { exitCode, stdout: '', stderr },
  overran: false,
  ...extra
});

describe('classifyHelmRun: one outcome per helm run, in order of precedence', () => {
  test.each<[string, HelmRun, HelmOutcome['kind']]>([
    ['exit 0', run(0), 'deployed'],
    ['exit 0 but the runner cancelled', run(0, '', { signal: 'SIGTERM' }), 'cancelled'],
    [
      'fail-fast saw the rollout fail',
      run(143, CUT, { failure: crash, overran: true }),
      'stopped-early'
    ],
    ['past the deadline', run(143, CUT, { overran: true, signal: 'SIGINT' }), 'overran'],
    ['cancelled', run(143, CUT, { signal: 'SIGTERM' }), 'cancelled'],
    ['the schema refuses the values', run(1, SCHEMA), 'refused-values'],
    ['the API server was unavailable', run(1, CUT), 'cluster-unavailable'],
    ['anything else', run(1, 'Error: UPGRADE FAILED: context deadline exceeded'), 'failed']
  ])('%s → %s', (_case, helmRun, kind) => expect(classifyHelmRun(helmRun).kind).toBe(kind));

  test("an unavailable API server is named by the first line of helm's own error", () => {
    expect(classifyHelmRun(run(1, `warning: retried\n${CUT}\nmore`))).toMatchObject({
      kind: 'cluster-unavailable',
      error: CUT
    });
  });
});

describe('explainOutcome: the error each outcome ends the step with', () => {
  const plan = {
    release: 'web',
    namespace: 'omer',
    timeout: '5m',
    helmDeadlineMs: 630_000
  } as DeployPlan;
  test.each<[string, HelmOutcome, RegExp, RegExp | undefined]>([
    [
      'stopped early',
      { kind: 'stopped-early', failure: crash },
      /^deploy of web stopped early: /,
      /helm was stopped instead of waiting for the timeout/
    ],
    [
      'overran',
      { kind: 'overran' },
      /^deploy of web: helm was still running 630s after it started, past its own --timeout 5m \(twice, for a rollback\)/,
      /check the control plane/
    ],
    [
      'cancelled',
      { kind: 'cancelled', signal: 'SIGINT' },
      /^deploy of web was cancelled \(SIGINT\); helm was stopped and the release is not left pending$/,
      undefined
    ],
    [
      'refused values',
      { kind: 'refused-values', explained: { message: 'set/values: refused', hint: '- at x' } },
      /^set\/values: refused$/,
      /^- at x$/
    ],
    [
      'the API server unavailable twice',
      { kind: 'cluster-unavailable', error: CUT, output: CUT },
      /^deploy of web failed: the Kubernetes API server was unavailable while helm was working .* also when helm ran again/,
      /unable to handle the request/
    ],
    [
      'any other failure',
      { kind: 'failed', exitCode: 1, output: 'a\nError: boom' },
      /^helm upgrade web \(namespace omer\) failed with exit code 1$/,
      /^a\nError: boom$/
    ]
  ])('%s', (_case, outcome, message, hint) => {
    const error = explainOutcome(outcome as Exclude<HelmOutcome, { kind: 'deployed' }>, plan);
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message.split('\n')[0]).toMatch(message);
    if (hint) expect(error.hint).toMatch(hint);
    else expect(error.hint).toBeUndefined();
  });
});
