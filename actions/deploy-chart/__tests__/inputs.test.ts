import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DEFAULT_HELM_VERSION,
  parseChart,
  parseDryRun,
  CONNECTION_FLAGS,
  MAX_TIMEOUT_MS,
  parseExtraArgs,
  parseGoDuration,
  parseHelmVersion,
  parseKubeconfigInput,
  parseMirror,
  parseNamespace,
  parseRelease,
  parseSetLines,
  parseTimeout,
  parseInputs,
  parseValuesFiles
} from '../src/inputs.js';
import { splitArgs } from '../src/split-args.js';
import { hostPathFs, type Where } from '../../shared/src/workspace-path.js';

/** A workspace at /ws where every path exists as written: for inputs that name no real file. */
const flat: Where = { roots: { workspace: '/ws' }, fs: { realpath: (file) => path.resolve(file) } };

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

  test.each([
    ['', 300_000],
    ['6h', MAX_TIMEOUT_MS],
    ['360m', MAX_TIMEOUT_MS],
    ['21600s', MAX_TIMEOUT_MS],
    ['5h59m59.999s', MAX_TIMEOUT_MS - 1]
  ])('the timeout input takes %j (at most 6h)', (text, ms) =>
    expect(parseTimeout(text).timeoutMs).toBe(ms)
  );

  // 298 h and more overflowed Node's timer: helm was stopped after about a second.
  test.each(['6h0m0.001s', '6h1m', '7h', '24h', '298h', '299h', '1000h', '99999999999999999999h'])(
    'refuses a timeout of %s, saying why',
    (text) =>
      expect(() => parseTimeout(text)).toThrow(
        `timeout: "${text}" is longer than 6h, the most a GitHub Actions job may run before GitHub ends it; write at most 6h`
      )
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
    ['ftp://mirror/helm', /must be an http\(s\) URL/],
    ['https://ci:s3cr3t@mirror.example/helm', /must not hold a user name or password/],
    ['ftp://ci:s3cr3t@mirror.example', /must not hold a user name or password/],
    ['https://mirror.example/helm?token=abc', /without \?query or #fragment/],
    ['https://mirror.example/helm#v4', /without \?query or #fragment/]
  ])('refuses %s', (text, message) =>
    expect(() => parseMirror('helm-mirror', text, 'https://get.helm.sh')).toThrow(message)
  );
  test('a password in the URL is not repeated in the message', () =>
    expect(() => parseMirror('aws-cli-mirror', 'https://ci:s3cr3t@m.example', 'https://x')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cr3t') })
    ));
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
  ])('splits %j without a shell', (text, want) => expect(parseExtraArgs(text, flat)).toEqual(want));

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
    ['--dry-run', '--dry-run', 'use the dry-run input'],
    // pflag's one-letter chains: -i and -h take no value, so the next letter is a flag too
    ['-if extra.yaml', '-i', 'the action always runs upgrade --install'],
    ['-hn other', '-n', 'use the namespace input'],
    ['-hfextra.yaml', '-f', 'use the values input']
  ])('refuses %j (a flag the action manages)', (text, flag, use) =>
    expect(() => parseExtraArgs(text, flat)).toThrow(`extra-args: must not contain ${flag}: ${use}`)
  );

  // Every flag of helm 3.17 and 4.1 that changes where or as whom helm connects (the list is
  // checked against real helm in extra-args-helm.test.ts), in each form pflag takes; the value
  // (a token!) is never repeated.
  const SECRET = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu';
  test.each(
    CONNECTION_FLAGS.flatMap((flag) => [
      [flag, `${flag}=${SECRET}`],
      [flag, `${flag} ${SECRET}`],
      [flag, `--description x ${flag}=${SECRET} --history-max 3`],
      [flag, `"${flag}=${SECRET}"`]
    ])
  )('refuses %s in %j, naming the kubeconfig input, never the value', (flag, text) => {
    expect(() => parseExtraArgs(text, flat)).toThrow(
      `extra-args: must not contain ${flag}: use the kubeconfig input: helm connects to the cluster, and as the user, that its current-context names`
    );
    expect(() => parseExtraArgs(text, flat)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(SECRET) })
    );
  });

  test.each([
    '--kube-insecure-skip-tls-verify',
    '--kube-insecure-skip-tls-verify=false',
    '--kube-as-group a --kube-as-group b'
  ])('refuses the boolean and repeated forms: %j', (text) =>
    expect(() => parseExtraArgs(text, flat)).toThrow(/^extra-args: must not contain --kube-/)
  );

  test('allows the flags that only pace requests, and anything after --', () =>
    expect(parseExtraArgs('--burst-limit 200 --qps 50 -- --kube-token', flat)).toEqual([
      '--burst-limit',
      '200',
      '--qps',
      '50',
      '--',
      '--kube-token'
    ]));

  test('allows flags that merely share a prefix with a managed one', () =>
    expect(parseExtraArgs('--set-json x={} --force --wait-for-jobs', flat)).toEqual([
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
    expect(() => parseExtraArgs(text, flat)).toThrow(message);
    expect(() => splitArgs(text)).toThrow();
  });
});

describe('set lines', () => {
  test.each([
    ['pythonApp.tag=abc', [['pythonApp.tag', 'abc']]],
    ['a=b,c=d', [['a', 'b,c=d']]],
    ['# comment\n\nlist[0].name=x', [['list[0].name', 'x']]],
    ['svc\\.beta\\.io/type=nlb', [['svc\\.beta\\.io/type', 'nlb']]],
    [
      'a=1\nb=2\na=3',
      [
        ['b', '2'],
        ['a', '3']
      ]
    ]
  ])('%j', (text, want) =>
    expect(parseSetLines(text).map(({ key, text: value }) => [key, value])).toEqual(want)
  );
  test.each([
    ['novalue', /^set: line 1 "novalue" is not KEY=VALUE/],
    ['a..b=1', /^set: key "a..b" has an empty part/],
    ['a[x]=1', /^set: key "a\[x\]" has a list index that is not \[N\]/]
  ])('refuses %j', (text, message) => expect(() => parseSetLines(text)).toThrow(message));
});

describe('files in the workspace', () => {
  // <top>/ws is the workspace, <top>/temp RUNNER_TEMP, <top>/outside neither.
  let top: string;
  let workspace: string;
  let where: Where;
  beforeAll(() => {
    top = mkdtempSync(path.join(os.tmpdir(), 'inputs-ws-'));
    workspace = path.join(top, 'ws');
    const at = (...parts: string[]) => path.join(top, ...parts);
    for (const dir of ['ws/charts/app', 'ws/charts/empty', 'temp', 'outside/chart']) {
      mkdirSync(at(dir), { recursive: true });
    }
    writeFileSync(at('ws/charts/app/Chart.yaml'), 'name: app\n');
    writeFileSync(at('outside/chart/Chart.yaml'), 'name: elsewhere\n');
    writeFileSync(at('ws/prod.yaml'), 'a: 1\n');
    writeFileSync(at('temp/generated.yaml'), 'b: 2\n');
    writeFileSync(at('outside/secret.yaml'), 'password: x\n');
    symlinkSync(at('outside/secret.yaml'), at('ws/linked.yaml'));
    symlinkSync(at('outside/chart'), at('ws/charts/linked'));
    symlinkSync(at('ws/prod.yaml'), at('ws/alias.yaml'));
    where = { roots: { workspace, runnerTemp: at('temp') }, fs: hostPathFs };
  });
  afterAll(() => {
    rmSync(top, { recursive: true, force: true });
  });

  test('a chart directory resolves against the workspace', () =>
    expect(parseChart('charts/app', where)).toBe(path.join(workspace, 'charts', 'app')));
  test('an oci:// chart is passed through', () =>
    expect(parseChart('oci://ghcr.io/o/charts/app', where)).toBe('oci://ghcr.io/o/charts/app'));
  test.each([
    [
      'charts/missing',
      /^chart: "charts\/missing" does not exist in the workspace .*actions\/checkout/
    ],
    ['charts/empty', /^chart: "charts\/empty" has no Chart.yaml/],
    [
      '../outside/chart',
      /^chart: "\.\.\/outside\/chart" resolves to .*\/outside\/chart, outside the workspace/
    ],
    ['charts/linked', /^chart: "charts\/linked" is a symlink to .*\/outside\/chart, outside/],
    ['/', /^chart: "\/" resolves to \/, outside the workspace/]
  ])('refuses %s', (chart, message) => expect(() => parseChart(chart, where)).toThrow(message));

  test('values files resolve (symlinks too), in the workspace or RUNNER_TEMP, and must exist', () => {
    expect(
      parseValuesFiles(`prod.yaml\nalias.yaml\n${path.join(top, 'temp', 'generated.yaml')}`, where)
    ).toEqual([
      path.join(workspace, 'prod.yaml'),
      path.join(workspace, 'prod.yaml'),
      path.join(top, 'temp', 'generated.yaml')
    ]);
    expect(() => parseValuesFiles('prod.yaml\nstaging.yaml', where)).toThrow(
      /^values: file "staging.yaml" does not exist/
    );
    expect(() => parseValuesFiles('charts', where)).toThrow(
      /^values: "charts" is a directory \(.*\/ws\/charts\); list values files/
    );
  });

  test.each([
    [
      'linked.yaml',
      /^values: "linked\.yaml" is a symlink to .*\/outside\/secret\.yaml, outside the workspace \(.*\) and RUNNER_TEMP/
    ],
    ['../outside/secret.yaml', /^values: "\.\.\/outside\/secret\.yaml" resolves to/],
    ['/etc/hostname', /^values: "\/etc\/hostname" resolves to \/etc\/hostname, outside/],
    ['../outside/none.yaml', /^values: .* resolves to .*outside\/none\.yaml, outside/]
  ])('refuses the values file %s', (file, message) =>
    expect(() => parseValuesFiles(`prod.yaml\n${file}`, where)).toThrow(message)
  );

  test.each([
    ['--set-file cfg=linked.yaml', /^extra-args: "linked\.yaml" is a symlink to .*outside/],
    [
      '--set-file=cfg=/etc/passwd',
      /^extra-args: "\/etc\/passwd" resolves to \/etc\/passwd, outside/
    ],
    [
      '--set-file a=prod.yaml,b=../outside/secret.yaml',
      /^extra-args: "\.\.\/outside\/secret\.yaml"/
    ]
  ])('refuses %j: a file outside would reach the cluster', (text, message) =>
    expect(() => parseExtraArgs(text, where)).toThrow(message)
  );

  test.each([
    ['--ca-file linked.yaml', /^extra-args: --ca-file "linked\.yaml" is a symlink to .*outside/],
    [
      '--cert-file=../outside/secret.yaml',
      /^extra-args: --cert-file "\.\.\/outside\/secret\.yaml" resolves to/
    ],
    [
      '--key-file /etc/ssl/private/k.pem',
      /^extra-args: --key-file "\/etc\/ssl\/private\/k\.pem" resolves to/
    ],
    [
      '--keyring=/root/.gnupg/pubring.gpg',
      /^extra-args: --keyring "\/root\/.gnupg\/pubring\.gpg" resolves to/
    ],
    ['--repository-config /etc/helm/repositories.yaml', /^extra-args: --repository-config /],
    ['--repository-cache /var/cache/helm', /^extra-args: --repository-cache /],
    ['--registry-config=/root/.docker/config.json', /^extra-args: --registry-config /],
    ['--content-cache /var/cache/helm', /^extra-args: --content-cache /],
    [
      '--post-renderer /usr/bin/kustomize',
      /^extra-args: --post-renderer "\/usr\/bin\/kustomize" resolves to/
    ],
    [
      '--post-renderer ./linked.yaml',
      /^extra-args: --post-renderer "\.\/linked\.yaml" is a symlink/
    ],
    [
      '--post-renderer kustomize',
      /^extra-args: --post-renderer "kustomize" is not a path: helm would run a program of that name from PATH .*e\.g\. \.\/kustomize/
    ],
    [
      '--post-renderer ./missing.sh',
      /^extra-args: --post-renderer "\.\/missing\.sh" does not exist in the workspace/
    ],
    ['--ca-file=', /^extra-args: --ca-file has no value; give a path/]
  ])('refuses the path flag in %j', (text, message) =>
    expect(() => parseExtraArgs(text, where)).toThrow(message)
  );

  test('takes path flags in the workspace (relative or absolute) or RUNNER_TEMP', () => {
    const temp = path.join(top, 'temp', 'generated.yaml');
    const text = `--ca-file prod.yaml --cert-file=${temp} --post-renderer ./alias.yaml --repository-cache=${path.join(top, 'temp', 'new-cache')} -- --ca-file /etc/passwd`;
    expect(parseExtraArgs(text, where)).toEqual(splitArgs(text));
  });

  test('takes a --set-file in the workspace or RUNNER_TEMP, and a URL', () => {
    const text = `--set-file a=prod.yaml,b=${path.join(top, 'temp', 'generated.yaml')} --set-file c=https://example.com/c.txt`;
    expect(parseExtraArgs(text, where)).toHaveLength(4);
  });

  /** The inputs a workflow gives, read as rawInput reads the runner's INPUT_* variables. */
  const given =
    (inputs: Record<string, string>) =>
    (name: string): string =>
      inputs[name] ?? '';

  test('parseInputs: every default of action.yml, from the kubeconfig alone', () => {
    const inputs = parseInputs(given({ kubeconfig: b64, chart: 'charts/app' }), {}, where);
    expect({ ...inputs, kubeconfig: inputs.kubeconfig?.encoding }).toEqual({
      mode: 'deploy',
      githubToken: '', // the runner fills in github.token
      kubeconfig: 'base64',
      workspace,
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
      recoverPending: true,
      warnings: []
    });
  });

  test.each([
    [
      { 'dry-run': 'client', 'rollback-on-failure': 'true' },
      /^rollback-on-failure: is ignored for a dry run \(dry-run: client\)/
    ],
    [
      { 'dry-run': 'server', 'recover-pending': 'false' },
      /^recover-pending: is ignored for a dry run/
    ],
    [{ 'dry-run': 'true', 'fail-fast': 'false' }, /^fail-fast: is ignored for a dry run/],
    [
      { wait: 'false', 'rollback-on-failure': 'true' },
      /^wait: false is overridden by rollback-on-failure: true/
    ]
  ])('parseInputs warns about an input the chosen path ignores: %j', (more, warning) => {
    const inputs = parseInputs(given({ kubeconfig: b64, chart: 'charts/app', ...more }), {}, where);
    expect(inputs.warnings).toEqual([expect.stringMatching(warning)]);
  });

  test('parseInputs warns that aws-cli-mirror means nothing by cluster-name', () => {
    const read = given({
      'cluster-name': 'prod',
      region: 'eu-west-1',
      chart: 'charts/app',
      'aws-cli-mirror': 'https://mirror.example/aws'
    });
    expect(parseInputs(read, {}, where).warnings).toEqual([
      expect.stringMatching(/^aws-cli-mirror: is ignored when deploying by cluster-name/)
    ]);
  });

  test.each<Record<string, string>>([
    { 'dry-run': 'client' },
    { wait: 'false' },
    { 'rollback-on-failure': 'true' }
  ])('parseInputs has no warning when nothing is ignored: %j', (more) =>
    expect(
      parseInputs(given({ kubeconfig: b64, chart: 'charts/app', ...more }), {}, where).warnings
    ).toEqual([])
  );

  test('parseInputs: a missing kubeconfig is the first error', () => {
    expect(() => parseInputs(given({}), {}, where)).toThrow(/^kubeconfig: is required but empty/);
  });
});
