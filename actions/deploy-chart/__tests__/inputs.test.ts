import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DEFAULT_HELM_VERSION,
  parseChart,
  parseDryRun,
  parseExtraArgs,
  parseGoDuration,
  parseHelmVersion,
  parseKubeconfigInput,
  parseMirror,
  parseNamespace,
  parseRelease,
  parseSetLines,
  parseValuesFiles,
  readInputs
} from '../src/inputs.js';
import { splitArgs } from '../src/split-args.js';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - name: c
    cluster: { server: https://127.0.0.1:6443 }
contexts:
  - name: ctx
    context: { cluster: c, user: u }
current-context: ctx
users:
  - name: u
    user: { token: abc }
`;
const b64 = Buffer.from(KUBECONFIG).toString('base64');

describe('kubeconfig input', () => {
  test.each([
    ['base64 on one line', b64, 'base64'],
    ['base64 wrapped at 76 columns', b64.replace(/(.{76})/g, '$1\n'), 'base64'],
    [
      'base64 with spaces and a trailing newline',
      ` ${b64.slice(0, 10)} ${b64.slice(10)}\n`,
      'base64'
    ],
    ['raw YAML', KUBECONFIG, 'yaml'],
    ['raw JSON', JSON.stringify({ clusters: [], contexts: [] }), 'yaml']
  ])('detects %s', (_name, raw, encoding) => {
    const source = parseKubeconfigInput(raw);
    expect(source.encoding).toBe(encoding);
    expect(source.raw).toBe(raw);
    if (encoding === 'base64') expect(source.yaml).toBe(KUBECONFIG);
  });

  test.each([
    [
      'base64 of something else',
      Buffer.from('hello: world').toString('base64'),
      /looks like base64 but does not decode to a kubeconfig/
    ],
    ['plain text', 'not a kubeconfig at all!', /is neither base64 nor a kubeconfig YAML/],
    ['a YAML list', '- a\n- b', /is neither base64 nor a kubeconfig YAML/]
  ])('refuses %s, naming the input and the fix', (_name, raw, message) => {
    expect(() => parseKubeconfigInput(raw)).toThrow(message);
    expect(() => parseKubeconfigInput(raw)).toThrow(/^kubeconfig: .*base64 -w0/);
  });

  test('never quotes the value in its error', () => {
    const secret = 'sUpErSeCrEt token value!';
    expect(() => parseKubeconfigInput(secret)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('sUpEr') })
    );
  });
});

describe('release', () => {
  test.each([
    ['', 'python-application'],
    ['web', 'web'],
    ['my-app.v2', 'my-app.v2'],
    ['a'.repeat(53), 'a'.repeat(53)]
  ])('accepts "%s"', (text, want) => expect(parseRelease(text)).toBe(want));

  test.each(['My-App', 'app_1', '-app', 'app-', 'a'.repeat(54), 'app name'])(
    'refuses "%s"',
    (text) =>
      expect(() => parseRelease(text)).toThrow(
        /^release: ".*" is not a valid release name: use at most 53/
      )
  );
});

describe('namespace', () => {
  test.each([
    ['', undefined],
    ['omer', 'omer'],
    ['team-1', 'team-1']
  ])('accepts "%s"', (text, want) => expect(parseNamespace(text)).toBe(want));
  test.each(['Omer', 'a.b', 'a'.repeat(64)])('refuses "%s"', (text) =>
    expect(() => parseNamespace(text)).toThrow(/^namespace: /)
  );
});

describe('timeout', () => {
  test.each([
    ['5m', 300_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['1.5m', 90_000],
    ['500ms', 500],
    ['2m30s', 150_000]
  ])('%s is %d ms', (text, ms) => expect(parseGoDuration('timeout', text)).toBe(ms));

  test.each([
    ['300', /has no unit; write it as a Go duration such as 300s/],
    ['5 minutes', /is not a Go duration/],
    ['m5', /is not a Go duration/],
    ['0s', /must be longer than zero/]
  ])('refuses %s', (text, message) =>
    expect(() => parseGoDuration('timeout', text)).toThrow(message)
  );
});

describe('dry-run', () => {
  test.each([
    ['', 'none'],
    ['false', 'none'],
    ['true', 'client'],
    ['client', 'client'],
    ['server', 'server']
  ])('"%s" → %s', (text, want) => expect(parseDryRun(text)).toBe(want));
  test('refuses anything else', () =>
    expect(() => parseDryRun('yes')).toThrow(/^dry-run: "yes" is not one of/));
});

describe('helm-version', () => {
  test.each([
    ['', DEFAULT_HELM_VERSION],
    ['latest', 'latest'],
    ['LATEST', 'latest'],
    ['v3.17.2', 'v3.17.2'],
    ['3.17.2', 'v3.17.2'],
    ['v4.1.4', 'v4.1.4'],
    ['v4.0.0-rc.1', 'v4.0.0-rc.1']
  ])('"%s" → %s', (text, want) => expect(parseHelmVersion(text)).toBe(want));
  test.each(['v2.17.0', 'v3.17', '4', 'v5.0.0', 'stable'])('refuses "%s"', (text) =>
    expect(() => parseHelmVersion(text)).toThrow(
      /^helm-version: ".*" is not an exact helm 3 or 4 release; write e.g. v4.1.4/
    )
  );
});

describe('mirrors', () => {
  test.each([
    ['', 'https://get.helm.sh'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
    ['https://mirror.example/helm/', 'https://mirror.example/helm']
  ])('"%s" → %s', (text, want) =>
    expect(parseMirror('helm-mirror', text, 'https://get.helm.sh')).toBe(want)
  );
  test.each([
    ['get.helm.sh', /is not a URL/],
    ['ftp://mirror/helm', /must be an http\(s\) URL/]
  ])('refuses %s', (text, message) =>
    expect(() => parseMirror('helm-mirror', text, 'https://get.helm.sh')).toThrow(message)
  );
});

describe('extra-args', () => {
  test.each([
    ['', []],
    ['--description "first deploy"', ['--description', 'first deploy']],
    ["--description 'it''s'", ['--description', 'its']],
    ['--labels team=web,tier=front --force', ['--labels', 'team=web,tier=front', '--force']],
    [
      '--description "a \\"quoted\\" word" --debug',
      ['--description', 'a "quoted" word', '--debug']
    ],
    ['--post-renderer-args $HOME --x=`id`', ['--post-renderer-args', '$HOME', '--x=`id`']],
    ['  --debug\n  --history-max 3 ', ['--debug', '--history-max', '3']],
    ['--description ""', ['--description', '']]
  ])('splits %j without a shell', (text, want) => expect(parseExtraArgs(text)).toEqual(want));

  test.each([
    ['--namespace other', '--namespace', 'use the namespace input'],
    ['-n other', '-n', 'use the namespace input'],
    ['-nother', '-n', 'use the namespace input'],
    ['--wait=false', '--wait', 'use the wait input'],
    ['--atomic', '--atomic', 'use the rollback-on-failure input'],
    ['--rollback-on-failure', '--rollback-on-failure', 'use the rollback-on-failure input'],
    ['--timeout 10m', '--timeout', 'use the timeout input'],
    ['-f extra.yaml', '-f', 'use the values input'],
    ['--set a=b', '--set', 'use the set input'],
    ['--kubeconfig /tmp/x', '--kubeconfig', 'use the kubeconfig input'],
    ['--dry-run', '--dry-run', 'use the dry-run input']
  ])('refuses %j (a flag the action manages)', (text, flag, use) =>
    expect(() => parseExtraArgs(text)).toThrow(`extra-args: must not contain ${flag}: ${use}`)
  );

  test('allows flags that merely share a prefix with a managed one', () =>
    expect(parseExtraArgs('--set-json x={} --force --wait-for-jobs')).toEqual([
      '--set-json',
      'x={}',
      '--force',
      '--wait-for-jobs'
    ]));

  test.each([
    ['--description "open', /unterminated double quote/],
    ["--description 'open", /unterminated single quote/],
    ['--x \\', /lone backslash/]
  ])('refuses %j with the quoting problem', (text, message) => {
    expect(() => parseExtraArgs(text)).toThrow(message);
    expect(() => splitArgs(text)).toThrow();
  });
});

describe('set lines', () => {
  test.each([
    ['pythonApp.tag=abc', [['pythonApp.tag', 'abc']]],
    ['a=b,c=d', [['a', 'b,c=d']]],
    ['# comment\n\nlist[0].name=x', [['list[0].name', 'x']]],
    ['svc\\.beta\\.io/type=nlb', [['svc\\.beta\\.io/type', 'nlb']]]
  ])('%j', (text, want) => expect(parseSetLines(text)).toEqual(want));
  test.each([
    ['novalue', /^set: line 1 "novalue" is not KEY=VALUE/],
    ['a..b=1', /^set: key "a..b" has an empty part/],
    ['a[x]=1', /^set: key "a\[x\]" has a list index that is not \[N\]/]
  ])('refuses %j', (text, message) => expect(() => parseSetLines(text)).toThrow(message));
});

describe('files in the workspace', () => {
  let workspace: string;
  const saved = process.env.GITHUB_WORKSPACE;
  beforeAll(() => {
    workspace = mkdtempSync(path.join(os.tmpdir(), 'inputs-ws-'));
    mkdirSync(path.join(workspace, 'charts', 'app'), { recursive: true });
    writeFileSync(path.join(workspace, 'charts', 'app', 'Chart.yaml'), 'name: app\n');
    mkdirSync(path.join(workspace, 'charts', 'empty'));
    writeFileSync(path.join(workspace, 'prod.yaml'), 'a: 1\n');
    process.env.GITHUB_WORKSPACE = workspace;
  });
  afterAll(() => {
    process.env.GITHUB_WORKSPACE = saved;
    rmSync(workspace, { recursive: true, force: true });
  });

  test('a chart directory resolves against the workspace', () =>
    expect(parseChart('charts/app')).toBe(path.join(workspace, 'charts', 'app')));
  test('an oci:// chart is passed through', () =>
    expect(parseChart('oci://ghcr.io/o/charts/app')).toBe('oci://ghcr.io/o/charts/app'));
  test.each([
    [
      'charts/missing',
      /^chart: "charts\/missing" does not exist in the workspace .*actions\/checkout/
    ],
    ['charts/empty', /^chart: "charts\/empty" has no Chart.yaml/]
  ])('refuses %s', (chart, message) => expect(() => parseChart(chart)).toThrow(message));

  test('values files resolve and must exist', () => {
    expect(parseValuesFiles('prod.yaml\n')).toEqual([path.join(workspace, 'prod.yaml')]);
    expect(() => parseValuesFiles('prod.yaml\nstaging.yaml')).toThrow(
      /^values: file "staging.yaml" does not exist/
    );
  });

  test('readInputs: every default of action.yml, from the kubeconfig alone', () => {
    const env = { INPUT_KUBECONFIG: b64, INPUT_CHART: 'charts/app' };
    Object.assign(process.env, env);
    try {
      const inputs = readInputs();
      expect({ ...inputs, kubeconfig: inputs.kubeconfig.encoding }).toEqual({
        mode: 'deploy',
        githubToken: '', // the runner fills in github.token
        kubeconfig: 'base64',
        release: 'python-application',
        chart: path.join(workspace, 'charts', 'app'),
        namespace: undefined,
        valuesFiles: [],
        setValues: [],
        timeout: '5m',
        timeoutMs: 300_000,
        wait: true,
        rollbackOnFailure: false,
        createNamespace: false,
        dryRun: 'none',
        extraArgs: [],
        helmVersion: DEFAULT_HELM_VERSION,
        helmMirror: 'https://get.helm.sh',
        awsCliMirror: 'https://awscli.amazonaws.com',
        failFast: true,
        recoverPending: true
      });
    } finally {
      for (const key of Object.keys(env)) delete process.env[key];
    }
  });

  test('readInputs: a missing kubeconfig is the first error', () => {
    expect(() => readInputs()).toThrow(/^kubeconfig: is required but empty/);
  });
});
