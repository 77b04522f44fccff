// Bad inputs to both bundles, run as the runner runs them (step debug on). Each must end the
// step with exit code 1 and exactly one ::error:: that names the input and says how to fix it,
// with no stack trace in what users see and no secret anywhere. Most fail while the inputs are
// read, before any network; the few that get further meet loopback rigs only (the EKS
// emulator with a static token, the helm mirror, a closed port standing in for a dead mirror).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCluster, type Cluster } from '../emulator/index.js';
import { startHelmMirror, type HelmMirror } from '../harness/rigs/helm-mirror.js';
import {
  FIXTURE_TOKEN,
  base64,
  broken,
  execUser,
  kubeconfigDoc,
  yamlOf
} from './support/kubeconfigs.js';
import { expectNothingLeaked, runStep, STACK_FRAME } from './support/step.js';
import { pathWithout, REPO_ROOT } from '../harness/runner.js';

const REGISTRY_PASSWORD = 'bad-inputs-registry-password-93e1';
/** A loopback port nothing listens on: a download from it fails at once, never leaves the host. */
const CLOSED_PORT_URL = 'http://127.0.0.1:9';

let cluster: Cluster;
let mirror: HelmMirror;
let toolCache: string;
/**
 * A workspace whose files are symlinks to files outside it (<links>/ws → <links>/outside): a
 * values file, a chart and a Dockerfile a user linked in, which must not be read.
 */
let links: string;
const linked = (...parts: string[]) => path.join(links, ...parts);
/** The token a user put in extra-args: it must appear nowhere. */
const EXTRA_ARGS_TOKEN = 'k8s-aws-v1.aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS9leHRyYS1hcmdzLXRva2Vu';

beforeAll(async () => {
  [cluster, mirror] = await Promise.all([startCluster({ podReadyDelayMs: 50 }), startHelmMirror()]);
  toolCache = mkdtempSync(path.join(os.tmpdir(), 'bad-inputs-toolcache-'));
  links = mkdtempSync(path.join(os.tmpdir(), 'bad-inputs-links-'));
  mkdirSync(linked('outside', 'chart'), { recursive: true });
  mkdirSync(linked('ws'));
  writeFileSync(linked('outside', 'secret.yaml'), 'password: from-outside\n');
  writeFileSync(
    linked('outside', 'chart', 'Chart.yaml'),
    'apiVersion: v2\nname: x\nversion: 1.0.0\n'
  );
  writeFileSync(linked('outside', 'Dockerfile'), 'FROM scratch\nCOPY . /\n');
  symlinkSync(linked('outside', 'secret.yaml'), linked('ws', 'values.yaml'));
  symlinkSync(linked('outside', 'chart'), linked('ws', 'chart'));
  symlinkSync(linked('outside', 'Dockerfile'), linked('ws', 'Dockerfile'));
  // A real chart and a values file whose pythonApp is a plain value, for set to meet.
  cpSync(path.join(REPO_ROOT, 'charts', 'python-application'), linked('ws', 'python-application'), {
    recursive: true
  });
  writeFileSync(linked('ws', 'flat.yaml'), 'pythonApp: web\n');
});

afterAll(async () => {
  await Promise.all([cluster?.stop(), mirror?.stop()]);
  rmSync(toolCache, { recursive: true, force: true });
  if (links) rmSync(links, { recursive: true, force: true });
});

interface Rigs {
  /** A kubeconfig the emulator accepts (static token user), base64. */
  kubeconfig: string;
  mirror: string;
}

type Inputs = Record<string, string>;
interface Case {
  action: 'deploy-chart' | 'build-push-image';
  inputs: Inputs | ((rigs: Rigs) => Inputs);
  /** The input the error must name. */
  input: string;
  /** What the fix in the message must say. */
  fix: RegExp;
  env?: Record<string, string> | (() => Record<string, string>);
  /** More values that must appear nowhere (log, files, outputs). */
  secrets?: string[];
}

const deploy = (inputs: Case['inputs'], input: string, fix: RegExp, env?: Case['env']): Case => ({
  action: 'deploy-chart',
  inputs,
  input,
  fix,
  env
});
const build = (inputs: Case['inputs'], input: string, fix: RegExp, env?: Case['env']): Case => ({
  action: 'build-push-image',
  inputs,
  input,
  fix,
  env
});
/** The symlinked workspace as GITHUB_WORKSPACE. */
const inLinkedWorkspace = () => ({ GITHUB_WORKSPACE: linked('ws') });
const OUTSIDE = /outside the workspace .* and RUNNER_TEMP; use a path inside the repository/;

const KUBECONFIG_FIX = /base64 -w0|kubeconfig: \$\{\{ secrets\.KUBECONFIG \}\}/;
const good = base64(yamlOf(kubeconfigDoc()));
/** The README's exec user with the AWS keys in its env, as users add them by hand. */
const withKeys = yamlOf({
  ...kubeconfigDoc(),
  users: [{ name: 'ci', user: execUser('client.authentication.k8s.io/v1beta1') }]
});
const YAML_FIX = /is not valid YAML at line \d+, column \d+ of the .*spaces, not tabs/;

const CASES: Array<[string, Case]> = [
  // kubeconfig: encoding and document
  ['kubeconfig empty', deploy({ kubeconfig: '' }, 'kubeconfig', KUBECONFIG_FIX)],
  [
    'kubeconfig neither base64 nor YAML',
    deploy({ kubeconfig: '%%% not: [valid' }, 'kubeconfig', KUBECONFIG_FIX)
  ],
  [
    'kubeconfig base64 of plain text',
    deploy({ kubeconfig: base64('hello world, no kubeconfig') }, 'kubeconfig', KUBECONFIG_FIX)
  ],
  [
    'kubeconfig base64 cut short',
    deploy(
      { kubeconfig: good.slice(0, Math.floor(good.length / 2)) },
      'kubeconfig',
      /truncated|cut short|incomplete|base64 -w0/
    )
  ],
  [
    'kubeconfig base64 with a stray character',
    deploy({ kubeconfig: `${good.slice(0, 40)}*${good.slice(40)}` }, 'kubeconfig', KUBECONFIG_FIX)
  ],
  [
    'kubeconfig YAML that is not a kubeconfig',
    deploy({ kubeconfig: 'name: demo\nreplicas: 2\n' }, 'kubeconfig', KUBECONFIG_FIX)
  ],
  [
    'kubeconfig YAML list',
    deploy({ kubeconfig: base64('- clusters\n- contexts\n') }, 'kubeconfig', KUBECONFIG_FIX)
  ],
  [
    'kubeconfig base64, a tab before the hand-added AWS secret key',
    deploy(
      { kubeconfig: base64(withKeys.replace(/\n( +)value: /, '\n\t$1value: ')) },
      'kubeconfig',
      YAML_FIX
    )
  ],
  [
    'kubeconfig base64, the hand-added env entry indented one column less',
    deploy(
      { kubeconfig: base64(withKeys.replace(/\n( +)- name: AWS_/, '\n $1- name: AWS_')) },
      'kubeconfig',
      YAML_FIX
    )
  ],
  [
    'kubeconfig raw YAML, a value with ": " in it',
    deploy({ kubeconfig: withKeys.replace(/(\n +value: \S+)/, '$1: x') }, 'kubeconfig', YAML_FIX)
  ],
  [
    'kubeconfig tokenFile that is not on the runner',
    deploy(
      {
        kubeconfig: broken((d) => {
          (d.users as Array<{ user: unknown }>)[0].user = { tokenFile: '/var/run/eks/token' };
        })
      },
      'kubeconfig',
      /put the token itself in token: instead/
    )
  ],
  [
    'kubeconfig insecure-skip-tls-verify together with CA data',
    deploy(
      {
        kubeconfig: broken((d) => {
          (d.clusters as Array<{ cluster: Record<string, unknown> }>)[0].cluster[
            'insecure-skip-tls-verify'
          ] = true;
        })
      },
      'kubeconfig',
      /remove insecure-skip-tls-verify \(the CA then verifies the server\)/
    )
  ],
  [
    'kubeconfig insecure-skip-tls-verify in quotes',
    deploy(
      {
        kubeconfig: broken((d) => {
          const { cluster } = (d.clusters as Array<{ cluster: Record<string, unknown> }>)[0];
          delete cluster['certificate-authority-data'];
          cluster['insecure-skip-tls-verify'] = 'true';
        })
      },
      'kubeconfig',
      /must be true or false, without quotes/
    )
  ],
  [
    'kubeconfig with a second YAML document',
    deploy({ kubeconfig: base64(`${withKeys}---\nkind: Config\n`) }, 'kubeconfig', YAML_FIX)
  ],
  [
    'kubeconfig no current-context, two contexts',
    deploy(
      {
        kubeconfig: broken((d) => {
          delete d['current-context'];
          (d.contexts as unknown[]).push({
            name: 'other',
            context: { cluster: 'eks', user: 'ci' }
          });
        })
      },
      'kubeconfig',
      /set current-context to one of: eks, other/
    )
  ],
  [
    'kubeconfig current-context names no context',
    deploy(
      {
        kubeconfig: broken((d) => {
          d['current-context'] = 'prod';
        })
      },
      'kubeconfig',
      /contexts are: eks/
    )
  ],
  [
    'kubeconfig context names a missing cluster',
    deploy(
      {
        kubeconfig: broken((d) => {
          (d.contexts as Array<{ context: Inputs }>)[0].context.cluster = 'gone';
        })
      },
      'kubeconfig',
      /clusters are: eks/
    )
  ],
  [
    'kubeconfig context names a missing user',
    deploy(
      {
        kubeconfig: broken((d) => {
          (d.contexts as Array<{ context: Inputs }>)[0].context.user = 'nobody';
        })
      },
      'kubeconfig',
      /users are: ci/
    )
  ],
  [
    'kubeconfig cluster without server',
    deploy(
      {
        kubeconfig: broken((d) => {
          delete (d.clusters as Array<{ cluster: Inputs }>)[0].cluster.server;
        })
      },
      'kubeconfig',
      /set server: https:\/\//
    )
  ],
  [
    'kubeconfig CA data that is not PEM',
    deploy(
      {
        kubeconfig: broken((d) => {
          (d.clusters as Array<{ cluster: Inputs }>)[0].cluster['certificate-authority-data'] =
            base64('not a certificate');
        })
      },
      'kubeconfig',
      /base64 -w0/
    )
  ],
  [
    'kubeconfig user without credentials',
    deploy(
      {
        kubeconfig: broken((d) => {
          (d.users as Array<{ user: Inputs }>)[0].user = { username: 'ci' } as unknown as Inputs;
        })
      },
      'kubeconfig',
      /token, client certificate, exec plugin/
    )
  ],
  [
    'kubeconfig unknown exec apiVersion',
    deploy(
      {
        kubeconfig: broken((d) => {
          (d.users as Array<{ user: unknown }>)[0].user = execUser(
            'client.authentication.k8s.io/v2'
          );
        })
      },
      'kubeconfig',
      /v1beta1|v1\b/
    )
  ],
  [
    // With a short timeout the token is signed in process and aws is never run; a longer one
    // makes helm renew tokens with aws, so the action needs it.
    'kubeconfig runs aws, the timeout outlives a token, and aws is not on PATH',
    deploy(
      (rigs) => ({
        kubeconfig: base64(cluster.kubeconfig),
        timeout: '10m',
        'aws-cli-mirror': CLOSED_PORT_URL,
        'helm-mirror': rigs.mirror
      }),
      'aws-cli-mirror',
      /Install the AWS CLI v2 in an earlier step/,
      () => ({ PATH: pathWithout('aws') })
    )
  ],
  // release, namespace, chart, values, set
  [
    'release name of 54 characters',
    deploy({ kubeconfig: good, release: 'a'.repeat(54) }, 'release', /at most 53/)
  ],
  [
    'release name with upper case and _',
    deploy({ kubeconfig: good, release: 'My_App' }, 'release', /lowercase letters, digits/)
  ],
  [
    'namespace with upper case',
    deploy({ kubeconfig: good, namespace: 'Prod' }, 'namespace', /lowercase letters, digits/)
  ],
  [
    'chart path that does not exist',
    deploy(
      { kubeconfig: good, chart: 'charts/no-such-chart' },
      'chart',
      /actions\/checkout|fix the path/
    )
  ],
  [
    'chart directory without Chart.yaml',
    deploy({ kubeconfig: good, chart: 'charts' }, 'chart', /Chart\.yaml/)
  ],
  [
    'values file that does not exist',
    deploy({ kubeconfig: good, values: 'values/prod.yaml' }, 'values', /one values file per line/)
  ],
  // paths that leave the workspace (and RUNNER_TEMP)
  [
    'values file above the workspace',
    deploy({ kubeconfig: good, values: '../prod.yaml' }, 'values', OUTSIDE)
  ],
  [
    'values file /etc/passwd',
    deploy({ kubeconfig: good, values: '/etc/passwd' }, 'values', OUTSIDE)
  ],
  [
    'values file that is a symlink to a file outside',
    deploy(
      { kubeconfig: good, chart: 'oci://127.0.0.1:9/charts/app', values: 'values.yaml' },
      'values',
      /is a symlink to .*outside\/secret\.yaml/,
      inLinkedWorkspace
    )
  ],
  [
    'chart directory above the workspace',
    deploy({ kubeconfig: good, chart: '..' }, 'chart', OUTSIDE)
  ],
  [
    'chart that is a symlink to a directory outside',
    deploy({ kubeconfig: good, chart: 'chart' }, 'chart', /is a symlink to/, inLinkedWorkspace)
  ],
  ...[
    '--ca-file /etc/ssl/certs/ca-certificates.crt',
    '--cert-file=../../client.pem',
    '--key-file /etc/ssl/private/client.key',
    '--keyring /root/.gnupg/pubring.gpg',
    '--repository-config=/root/.config/helm/repositories.yaml',
    '--registry-config /root/.docker/config.json',
    '--repository-cache /tmp',
    '--content-cache=/tmp',
    '--post-renderer /bin/sh'
  ].map((args): [string, Case] => [
    `extra-args ${args.split(/[ =]/)[0]} outside the workspace`,
    deploy({ kubeconfig: good, 'extra-args': args }, 'extra-args', OUTSIDE)
  ]),
  [
    'extra-args --post-renderer by name (a program from PATH, or a helm 4 plugin)',
    deploy(
      { kubeconfig: good, 'extra-args': '--post-renderer kustomize' },
      'extra-args',
      /--post-renderer "kustomize" is not a path: .*e\.g\. \.\/kustomize/
    )
  ],
  [
    'extra-args --post-renderer that does not exist',
    deploy(
      { kubeconfig: good, 'extra-args': '--post-renderer ./bin/render' },
      'extra-args',
      /--post-renderer "\.\/bin\/render" does not exist in the workspace/
    )
  ],
  [
    'extra-args --set-file of a file outside',
    deploy(
      { kubeconfig: good, 'extra-args': '--set-file config=/etc/hostname' },
      'extra-args',
      OUTSIDE
    )
  ],
  ['set line without =', deploy({ kubeconfig: good, set: 'pythonApp.tag' }, 'set', /KEY=VALUE/)],
  [
    'set key with an empty part',
    deploy({ kubeconfig: good, set: 'pythonApp..tag=v1' }, 'set', /write e\.g\./)
  ],
  [
    'set key with a bad list index',
    deploy({ kubeconfig: good, set: 'pythonApp.imagePullSecrets[x].name=a' }, 'set', /\[N\]/)
  ],
  [
    'set key under a key a values file sets to a plain value',
    deploy(
      (rigs) => ({
        kubeconfig: rigs.kubeconfig,
        'helm-mirror': rigs.mirror,
        namespace: 'omer',
        chart: 'python-application',
        values: 'flat.yaml',
        set: 'pythonApp.tag=v1',
        wait: 'false'
      }),
      'set',
      /a values file sets to a plain value, where the line needs a map/,
      inLinkedWorkspace
    )
  ],
  [
    'set value with a quote that no line closes',
    deploy(
      { kubeconfig: good, set: 'pythonApp.tag="v1\npythonApp.replicas=2' },
      'set',
      /end the value with "/
    )
  ],
  [
    'set quoted value followed by a comment',
    deploy(
      { kubeconfig: good, set: 'pythonApp.tag="v1" # release\npythonApp.image="x"' },
      'set',
      /no comment: write pythonApp\.tag="v1"/
    )
  ],
  [
    'set key under a value an earlier line set',
    deploy(
      { kubeconfig: good, set: 'pythonApp=web\npythonApp.tag=v1' },
      'set',
      /pythonApp is already a value/
    )
  ],
  [
    'set value the chart schema refuses',
    deploy(
      (rigs) => ({
        kubeconfig: rigs.kubeconfig,
        'helm-mirror': rigs.mirror,
        namespace: 'omer',
        set: 'pythonApp.tag=v1\npythonApp.replicas=many',
        wait: 'false'
      }),
      'set',
      /pythonApp\.replicas/
    )
  ],
  // timing and switches
  ['timeout without a unit', deploy({ kubeconfig: good, timeout: '300' }, 'timeout', /300s or 5m/)],
  [
    'timeout in words',
    deploy({ kubeconfig: good, timeout: 'five minutes' }, 'timeout', /5m, 90s or 1h30m/)
  ],
  ['timeout of zero', deploy({ kubeconfig: good, timeout: '0s' }, 'timeout', /longer than zero/)],
  // 298 h and more overflowed Node's timer: helm was stopped after a second
  ['timeout of 298h', deploy({ kubeconfig: good, timeout: '298h' }, 'timeout', /at most 6h/)],
  ['timeout of 6h1m', deploy({ kubeconfig: good, timeout: '6h1m' }, 'timeout', /GitHub ends it/)],
  ['wait: yes', deploy({ kubeconfig: good, wait: 'yes' }, 'wait', /true or false/)],
  ['fail-fast: on', deploy({ kubeconfig: good, 'fail-fast': 'on' }, 'fail-fast', /true or false/)],
  [
    'rollback-on-failure: 1',
    deploy({ kubeconfig: good, 'rollback-on-failure': '1' }, 'rollback-on-failure', /true or false/)
  ],
  [
    'dry-run: maybe',
    deploy(
      { kubeconfig: good, 'dry-run': 'maybe' },
      'dry-run',
      /false, true \(= client\), client or server/
    )
  ],
  [
    'extra-args with an open quote',
    deploy(
      { kubeconfig: good, 'extra-args': '--description "first deploy' },
      'extra-args',
      /quote like a shell/
    )
  ],
  [
    'extra-args setting the namespace',
    deploy(
      { kubeconfig: good, 'extra-args': '--namespace other' },
      'extra-args',
      /use the namespace input/
    )
  ],
  [
    'extra-args setting the namespace in a shorthand chain (-hn)',
    deploy({ kubeconfig: good, 'extra-args': '-hn other' }, 'extra-args', /use the namespace input/)
  ],
  // where and as whom helm connects: only the kubeconfig input says that
  ...[
    `--kube-token=${EXTRA_ARGS_TOKEN}`,
    `--kube-token ${EXTRA_ARGS_TOKEN}`,
    '--kube-apiserver https://127.0.0.1:9',
    '--kube-as-user admin',
    '--kube-as-group system:masters',
    '--kube-ca-file /tmp/ca.crt',
    '--kube-insecure-skip-tls-verify',
    '--kube-tls-server-name other.example',
    '--kube-context other',
    '--kubeconfig=/tmp/other'
  ].map((args): [string, Case] => [
    `extra-args ${args.replace(EXTRA_ARGS_TOKEN, '<token>')}`,
    {
      ...deploy({ kubeconfig: good, 'extra-args': args }, 'extra-args', /use the kubeconfig input/),
      secrets: [EXTRA_ARGS_TOKEN]
    }
  ]),
  // helm
  [
    'helm-version that is not a version',
    deploy({ kubeconfig: good, 'helm-version': 'stable' }, 'helm-version', /v3\.17\.2 or latest/)
  ],
  [
    'helm-version helm 2',
    deploy({ kubeconfig: good, 'helm-version': 'v2.17.0' }, 'helm-version', /helm 3 or 4/)
  ],
  [
    'helm-version no mirror has',
    deploy(
      (rigs) => ({
        kubeconfig: rigs.kubeconfig,
        'helm-mirror': rigs.mirror,
        'helm-version': 'v3.99.0'
      }),
      'helm-version',
      /v3\.99\.0/
    )
  ],
  [
    'helm-mirror not http(s)',
    deploy(
      { kubeconfig: good, 'helm-mirror': 'ftp://mirror.example' },
      'helm-mirror',
      /http\(s\) URL/
    )
  ],
  [
    'helm-mirror with a password in it',
    deploy(
      { kubeconfig: good, 'helm-mirror': `https://ci:${FIXTURE_TOKEN}@mirror.example/helm` },
      'helm-mirror',
      /serves the files without credentials/
    )
  ],
  [
    'helm-mirror with a query the downloads would drop',
    deploy(
      { kubeconfig: good, 'helm-mirror': 'https://mirror.example/helm?channel=stable' },
      'helm-mirror',
      /without \?query or #fragment/
    )
  ],
  [
    'aws-cli-mirror with a password in it',
    deploy(
      { kubeconfig: good, 'aws-cli-mirror': `https://ci:${FIXTURE_TOKEN}@mirror.example/aws` },
      'aws-cli-mirror',
      /serves the files without credentials/
    )
  ],
  // build-push-image
  [
    'image with a tag',
    build({ image: 'ghcr.io/o/app:v1' }, 'image', /put the tag in the tag or tags input/)
  ],
  [
    'image with a digest',
    build({ image: `ghcr.io/o/app@sha256:${'a'.repeat(64)}` }, 'image', /give the name only/)
  ],
  [
    'image with a space',
    build({ image: 'ghcr.io/o/my app' }, 'image', /lower-case letters and digits/)
  ],
  ['image with a bad registry host', build({ image: '-ghcr.io/o/app' }, 'image', /registry host/)],
  ['tag starting with -', build({ tag: '-v1' }, 'tag', /use 1-128 of A-Z a-z 0-9 _ \. -/)],
  ['tag of 129 characters', build({ tag: 'a'.repeat(129) }, 'tag', /128|\{0,127\}/)],
  [
    'tags with a slash',
    build({ tags: 'latest\nfeature/x' }, 'tags', /use 1-128 of A-Z a-z 0-9 _ \. -/)
  ],
  ['password empty', build({ password: '' }, 'password', /secrets\.GITHUB_TOKEN/)],
  ['push: yes', build({ push: 'yes' }, 'push', /true or false/)],
  ['force: 1', build({ force: '1' }, 'force', /true or false/)],
  [
    'build-args line without =',
    build({ 'build-args': 'PYTHON_VERSION' }, 'build-args', /KEY=VALUE/)
  ],
  ['labels line starting with =', build({ labels: '=orphan' }, 'labels', /KEY=VALUE/)],
  ['platforms without an os', build({ platforms: 'amd64' }, 'platforms', /linux\/amd64/)],
  [
    'context that does not exist',
    build({ push: 'false', context: 'no-such-dir' }, 'context', /context|checkout/)
  ],
  [
    'Dockerfile that does not exist',
    build({ push: 'false', file: 'image/Nope.Dockerfile' }, 'file', /file|Dockerfile/)
  ],
  // an outside file would be sent to the builder and could be baked into the image
  ['context above the workspace', build({ push: 'false', context: '..' }, 'context', OUTSIDE)],
  ['context /etc', build({ push: 'false', context: '/etc' }, 'context', OUTSIDE)],
  ['Dockerfile /etc/hostname', build({ push: 'false', file: '/etc/hostname' }, 'file', OUTSIDE)],
  [
    'Dockerfile that is a symlink to a file outside',
    build(
      { push: 'false', context: '.', file: 'Dockerfile' },
      'file',
      /is a symlink to .*outside\/Dockerfile/,
      inLinkedWorkspace
    )
  ]
];

const OPEN_FINDING = /\[finding F\d+\]/;

const BUILD_DEFAULTS: Inputs = {
  image: 'ghcr.io/example-org/demo-app',
  tag: 'c0ffee',
  username: 'octocat',
  password: REGISTRY_PASSWORD,
  // A failure that got as far as the registry would reach a closed loopback port, not ghcr.io.
  'skip-existing': 'false'
};

describe('a bad input ends the step with one clear ::error::', () => {
  test('the table has at least 30 cases across both actions', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(CASES.map(([, c]) => c.action)).size).toBe(2);
  });

  const check = async (name: string, c: Case) => {
    const rigs: Rigs = {
      kubeconfig: base64(cluster.tokenKubeconfig(FIXTURE_TOKEN)),
      mirror: mirror.url
    };
    const given = typeof c.inputs === 'function' ? c.inputs(rigs) : c.inputs;
    const inputs: Inputs =
      c.action === 'build-push-image'
        ? { ...BUILD_DEFAULTS, ...given }
        : { 'helm-mirror': CLOSED_PORT_URL, 'aws-cli-mirror': CLOSED_PORT_URL, ...given };
    const step = await runStep(c.action, {
      label: { file: 'bad-inputs', step: name },
      inputs,
      env: {
        RUNNER_TOOL_CACHE: toolCache,
        GITHUB_REPOSITORY: 'example-org/demo-app',
        GITHUB_SHA: 'c0ffee',
        ...(typeof c.env === 'function' ? c.env() : c.env)
      },
      secrets: [
        { name: 'kubeconfig fixture token', value: FIXTURE_TOKEN },
        { name: 'registry password', value: REGISTRY_PASSWORD },
        { name: 'emulator AWS secret key', value: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
        ...(inputs.kubeconfig ? [{ name: 'kubeconfig input', value: inputs.kubeconfig }] : []),
        ...(c.secrets ?? []).map((value) => ({ name: 'secret in an input', value }))
      ],
      timeoutMs: 90_000
    });
    expect({ exitCode: step.main.exitCode, errors: step.main.errors }).toEqual({
      exitCode: 1,
      errors: [expect.stringMatching(new RegExp(`(^|\\W)${c.input}\\W`))]
    });
    expect(step.main.errors[0]).toMatch(c.fix);
    expect(step.log).not.toMatch(STACK_FRAME);
    expectNothingLeaked(step);
  };

  // A case whose name cites an open finding (reliability-findings.md) is expected to fail
  // until that finding is fixed; then it fails as a test.failing and must be renamed.
  const open = CASES.filter(([name]) => OPEN_FINDING.test(name));
  test.concurrent.each(CASES.filter(([name]) => !OPEN_FINDING.test(name)))('%s', check);
  if (open.length > 0) test.concurrent.failing.each(open)('%s', check);
});

// The kubeconfig is read first and its secrets masked before any other input is looked at, so
// no error, warning or debug line about another input can show one (finding: they were masked
// only after every other input was checked).
describe("the kubeconfig's secrets are masked before the first error or warning", () => {
  const encodings: Array<[string, (text: string) => string]> = [
    ['base64', base64],
    ['raw YAML', (text) => text]
  ];
  const badOthers: Array<[string, Inputs]> = [
    ['timeout', { timeout: 'soon' }],
    ['extra-args', { 'extra-args': '--description "open' }],
    ['release', { release: 'Not_A_Release' }]
  ];
  const cases = encodings.flatMap(([encoding, encode]) =>
    badOthers.map(([input, given]) => [`${encoding}, bad ${input}`, encode, input, given] as const)
  );

  test.concurrent.each(cases)('%s', async (name, encode, input, given) => {
    const step = await runStep('deploy-chart', {
      label: { file: 'bad-inputs', step: `masked first: ${name}` },
      inputs: { kubeconfig: encode(yamlOf(kubeconfigDoc())), ...given },
      env: { RUNNER_TOOL_CACHE: toolCache },
      secrets: [{ name: 'kubeconfig fixture token', value: FIXTURE_TOKEN }],
      timeoutMs: 60_000
    });
    const lines = step.main.stdout.split('\n');
    const masked = lines.indexOf(`::add-mask::${FIXTURE_TOKEN}`);
    const firstProblem = lines.findIndex((line) => /^::(error|warning)/.test(line));
    expect(step.main.errors).toEqual([expect.stringMatching(new RegExp(`^${input}: `))]);
    expect(masked).toBeGreaterThanOrEqual(0);
    expect(masked).toBeLessThan(firstProblem);
    expectNothingLeaked(step);
  });
});
