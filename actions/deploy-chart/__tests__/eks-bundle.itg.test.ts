// dist/deploy-chart by cluster name, no kubeconfig secret, as the runner runs it: the job's
// OIDC token (rig) → STS AssumeRoleWithWebIdentity (rig) → EKS DescribeCluster (rig) → the EKS
// emulator, whose token check accepts only keys the STS rig issued or knows. Real helm 3 and 4.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { rmSync } from 'node:fs';
import { startCluster, type Cluster } from '../../../test/emulator/index.js';
import { verifyEksToken } from '../../../test/emulator/auth/eks-token.js';
import { seedKubeconfig } from '../../../test/emulator/auth/kubeconfig.js';
import { parse, stringify } from 'yaml';
import { startAwsRig, type AwsRig } from '../../../test/harness/rigs/aws/aws-api.js';
import { startOidcRig, type OidcRig } from '../../../test/harness/rigs/aws/oidc.js';
import { startHelmMirror, type HelmMirror } from '../../../test/harness/rigs/helm-mirror.js';
import { HELM_VERSIONS } from '../../../test/harness/rigs/helm.js';
import {
  newRunnerJob,
  runAction,
  type ActionRun,
  type RunnerJob
} from '../../../test/harness/runner.js';
import { runnerLog } from '../../../test/harness/runner-log.js';
import { findSecrets } from '../../../test/reliability/support/secrets.js';
import { principalArn } from '../../shared/src/aws/credentials.js';
import { execCredentialJson } from '../src/exec-credential-plugin.js';

const USER = {
  name: 'ci',
  accessKeyId: 'AKIAI44QH8DHBEXAMPLE',
  secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  allow: ['eks:DescribeCluster']
};
const STRANGER = {
  name: 'stranger',
  accessKeyId: 'AKIAJ7STRANGEREXAMPLE',
  secretAccessKey: 'strangerSecretKeyEXAMPLE/0123456789abcdef'
};
const ACCESS_ENTRIES = [
  'arn:aws:iam::111122223333:role/deploy',
  'arn:aws:iam::111122223333:user/ci'
];
let oidc: OidcRig;
let aws: AwsRig;
let cluster: Cluster;
let mirror: HelmMirror;
const jobs: RunnerJob[] = [];
const tokensSeen: string[] = [];

/** The access key a token was signed with (the cluster asks the rig for its secret). */
function accessKeyOf(token: string): string {
  const url = new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString());
  return (url.searchParams.get('X-Amz-Credential') ?? '').split('/')[0];
}

beforeAll(async () => {
  oidc = await startOidcRig();
  cluster = await startCluster({
    podReadyDelayMs: 200,
    loadBalancerDelayMs: 200,
    verifyToken: (token, clusterName) => {
      const principal = aws.principalOf(accessKeyOf(token));
      // The cluster's access entries: an assumed role is its role's ARN.
      if (!principal || !ACCESS_ENTRIES.includes(principalArn(principal.arn))) return false;
      tokensSeen.push(principal.arn);
      const credentials = {
        accessKeyId: accessKeyOf(token),
        secretAccessKey: principal.secretAccessKey
      };
      return verifyEksToken(token, { clusterName, credentials, arn: principal.arn }).ok;
    }
  });
  aws = await startAwsRig({
    providers: [{ issuer: oidc.issuer, publicKey: oidc.publicKey }],
    roles: [
      {
        name: 'deploy',
        trustSub: 'repo:omer-avner/basickapp:ref:refs/heads/main',
        allow: ['eks:DescribeCluster']
      },
      { name: 'tags-only', trustSub: 'repo:omer-avner/basickapp:ref:refs/tags/*', allow: [] },
      { name: 'no-entry', trustSub: 'repo:omer-avner/basickapp:*', allow: ['eks:DescribeCluster'] },
      { name: 'no-eks', trustSub: 'repo:omer-avner/basickapp:*', allow: [] }
    ],
    users: [USER, { ...STRANGER, allow: ['eks:DescribeCluster'] }],
    clusters: [
      { name: 'basickapp', region: 'eu-west-1', endpoint: cluster.url, caPem: cluster.caPem }
    ]
  });
  mirror = await startHelmMirror();
});
afterAll(async () => {
  await cluster?.stop();
  await aws?.stop();
  await oidc?.stop();
  await mirror?.stop();
  for (const job of jobs) rmSync(job.dir, { recursive: true, force: true });
});

function deploy(
  inputs: Record<string, string>,
  env: Record<string, string>,
  version: string = HELM_VERSIONS[1]
) {
  const runner = newRunnerJob();
  jobs.push(runner);
  const release = `eks-${jobs.length}`;
  return runAction(runner, 'deploy-chart', 'index', {
    inputs: {
      release,
      'cluster-name': 'basickapp',
      region: 'eu-west-1',
      namespace: 'omer',
      'helm-version': version,
      'helm-mirror': mirror.url,
      timeout: '60s',
      set: `pythonApp.name=${release}\npythonApp.image=registry.local/python-app\npythonApp.tag=v1`,
      ...inputs
    },
    env: { ...aws.env, ...env }
  });
}

/** Everything a user could see, minus the ::add-mask:: commands the runner consumes. */
function visible(run: ActionRun): string {
  const log = (run.stdout + run.stderr)
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  return [log, run.summary, JSON.stringify(run.outputs)].join('\n');
}

/**
 * What a user could find, with step debug on: the log as the runner renders it (masked), the
 * summary, the outputs and the saved state; searched for each secret in every encoding, any
 * EKS token, and any JWT (the job's OIDC token).
 */
function leaks(run: ActionRun, secrets: Record<string, string | undefined>) {
  const log = runnerLog({ debug: true });
  const texts = {
    log: [...log.write(run.stdout + run.stderr), ...log.flush()].join('\n'),
    summary: run.summary,
    outputs: JSON.stringify(run.outputs),
    state: JSON.stringify(run.state)
  };
  const fixtures = Object.entries(secrets).flatMap(([name, value]) =>
    value ? [{ name, value }] : []
  );
  const jwts = Object.entries(texts)
    .filter(([, text]) => /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/.test(text))
    .map(([where]) => ({ where, secret: 'a JWT', form: 'value' }));
  return [...findSecrets(texts, fixtures), ...jwts];
}

/** The keys STS issued last, as secrets to look for. */
const lastIssued = () => {
  const { accessKeyId, secretAccessKey, sessionToken } = aws.issued.at(-1)!;
  return { accessKeyId, secretAccessKey, sessionToken };
};

describe('deploy by cluster name', () => {
  test('role-arn + OIDC, helm 4: the role deploys, and no credential or token is visible', async () => {
    const run = await deploy(
      { 'role-arn': aws.roleArn('deploy') },
      { ...oidc.env, RUNNER_DEBUG: '1' }
    );
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ revision: '1', status: 'deployed' });
    expect(run.stdout).toContain(
      `aws: credentials from role ${aws.roleArn('deploy')} (session GitHubActions, OIDC)`
    );
    expect(run.stdout).toContain(`eks: cluster "basickapp" (eu-west-1) → ${cluster.url}`);
    expect(run.stdout).toContain(
      `is signed here, as aws eks get-token signs it, with the credentials from role ${aws.roleArn('deploy')}`
    );
    const issued = aws.issued.at(-1)!;
    expect(tokensSeen).toContain(issued.arn);
    const text = visible(run);
    for (const secret of [issued.accessKeyId, issued.secretAccessKey, issued.sessionToken]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/); // no JWT
    expect(text).not.toMatch(/k8s-aws-v1\.[\w-]{20}/); // no EKS token
  });

  test('a timeout longer than a token lives, helm 3: helm runs the action itself as its exec plugin', async () => {
    const run = await deploy(
      { 'role-arn': aws.roleArn('deploy'), timeout: '20m' },
      { ...oidc.env, RUNNER_DEBUG: '1' },
      HELM_VERSIONS[0]
    );
    expect(leaks(run, lastIssued())).toEqual([]);
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).not.toContain('helm reuses the token');
    // 20m: the step may take 91 min, more than the role's 1 h MaxSessionDuration allows.
    expect(run.stdout).toContain(
      `::warning::role-arn: ${aws.roleArn('deploy')} allows sessions shorter than the 1.5 h this step may take`
    );
  });

  test('ambient keys (configure-aws-credentials), no role', async () => {
    const run = await deploy(
      {},
      { AWS_ACCESS_KEY_ID: USER.accessKeyId, AWS_SECRET_ACCESS_KEY: USER.secretAccessKey }
    );
    expect(run.errors).toEqual([]);
    expect(run.stdout).toContain('aws: credentials from the environment');
    expect(visible(run)).not.toContain(USER.secretAccessKey);
  });

  test.each<[string, Record<string, string>, () => Record<string, string>, RegExp]>([
    [
      'no id-token: write',
      { 'role-arn': 'arn:aws:iam::111122223333:role/deploy' },
      () => ({}),
      /ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set.*permissions: id-token: write/s
    ],
    [
      'the trust policy refuses the sub',
      { 'role-arn': 'arn:aws:iam::111122223333:role/tags-only' },
      () => oidc.env,
      /STS refused to let this job assume .*"token.actions.githubusercontent.com:sub": "repo:omer-avner\/basickapp:ref:refs\/heads\/main"/s
    ],
    [
      'DescribeCluster AccessDenied',
      { 'role-arn': 'arn:aws:iam::111122223333:role/no-eks' },
      () => oidc.env,
      /may not call eks:DescribeCluster on cluster "basickapp" in eu-west-1.*Allow the IAM action eks:DescribeCluster/s
    ],
    [
      'ResourceNotFound: another region',
      { 'role-arn': 'arn:aws:iam::111122223333:role/deploy', region: 'eu-north-1' },
      () => oidc.env,
      /there is no EKS cluster "basickapp" in region eu-north-1.*Check cluster-name and region/s
    ],
    [
      'the API server refuses a role without an access entry',
      { 'role-arn': 'arn:aws:iam::111122223333:role/no-entry' },
      () => oidc.env,
      /refused arn:aws:iam::111122223333:role\/no-entry \(401 Unauthorized\): it has no EKS access entry.*aws eks create-access-entry --cluster-name basickapp --region eu-west-1 --principal-arn arn:aws:iam::111122223333:role\/no-entry/s
    ],
    [
      'ambient keys without an access entry: the principal comes from GetCallerIdentity',
      {},
      () => ({
        AWS_ACCESS_KEY_ID: STRANGER.accessKeyId,
        AWS_SECRET_ACCESS_KEY: STRANGER.secretAccessKey
      }),
      /refused arn:aws:iam::111122223333:user\/stranger \(401 Unauthorized\).*--principal-arn arn:aws:iam::111122223333:user\/stranger/s
    ],
    [
      'no credentials at all',
      {},
      () => ({}),
      /AWS credentials: no role-arn, and no AWS_ACCESS_KEY_ID/
    ],
    [
      'both kubeconfig and cluster-name',
      { kubeconfig: 'x' },
      () => ({}),
      /^cluster-name: and kubeconfig are both set/
    ]
  ])('%s: one ::error:: that says what to fix', async (_, inputs, env, why) => {
    const run = await deploy(inputs, env());
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(why);
  });
});

/**
 * The seed's kubeconfig (aws eks get-token exec user) with no keys in its exec env. The exec
 * env blanks AWS_ENDPOINT_URL: it exists only so the action reaches the STS rig, and in a real
 * job the exec user, like the action, sees no override.
 */
function keylessSeedKubeconfig(): string {
  const doc = parse(
    seedKubeconfig({
      url: cluster.url,
      caPem: cluster.caPem,
      clusterName: 'basickapp',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }
    })
  ) as { users: Array<{ user: { exec: { env: unknown } } }> };
  doc.users[0].user.exec.env = [
    { name: 'AWS_DEFAULT_REGION', value: 'eu-west-1' },
    { name: 'AWS_ENDPOINT_URL', value: '' }
  ];
  return Buffer.from(stringify(doc)).toString('base64');
}

describe('the kubeconfig input: its aws exec user gains the OIDC or ambient credentials', () => {
  const byKubeconfig = (inputs: Record<string, string>) => ({
    'cluster-name': '',
    region: '',
    kubeconfig: keylessSeedKubeconfig(),
    ...inputs
  });

  test.each(HELM_VERSIONS.map((version, i) => [version, i === 0 ? '20m' : '60s']))(
    'role-arn + OIDC, helm %s (timeout %s): the role deploys, nothing secret is visible',
    async (version, timeout) => {
      const run = await deploy(
        byKubeconfig({ 'role-arn': aws.roleArn('deploy'), timeout }),
        { ...oidc.env, RUNNER_DEBUG: '1' },
        version
      );
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(run.outputs).toMatchObject({ revision: '1', status: 'deployed' });
      const issued = aws.issued.at(-1)!;
      expect(run.stdout).toContain(
        `aws: credentials from role ${aws.roleArn('deploy')} (session GitHubActions, OIDC), for the kubeconfig's aws exec user`
      );
      if (timeout === '60s') {
        expect(run.stdout).toContain(
          `with the credentials from role ${aws.roleArn('deploy')} (session GitHubActions, OIDC)`
        );
      } else {
        // helm runs the real `aws eks get-token` with the role's keys from its environment.
        expect(run.stdout).toMatch(
          /the exec plugin "aws" makes the tokens \(the timeout is longer/
        );
      }
      expect(tokensSeen.at(-1)).toBe(issued.arn);
      expect(leaks(run, lastIssued())).toEqual([]);
      const text = visible(run);
      for (const secret of [issued.accessKeyId, issued.secretAccessKey, issued.sessionToken]) {
        expect(text).not.toContain(secret);
      }
      expect(text).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/); // no JWT
      expect(text).not.toMatch(/k8s-aws-v1\.[\w-]{20}/); // no EKS token
    }
  );

  test('no role-arn: the ambient keys sign, exactly as before', async () => {
    const assumed = aws.issued.length;
    const run = await deploy(byKubeconfig({}), {
      AWS_ACCESS_KEY_ID: USER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: USER.secretAccessKey,
      RUNNER_DEBUG: '1'
    });
    expect(run.errors).toEqual([]);
    expect(run.stdout).toContain('with the credentials from the environment (AWS_ACCESS_KEY_ID)');
    expect(aws.issued).toHaveLength(assumed);
    expect(tokensSeen.at(-1)).toBe('arn:aws:iam::111122223333:user/ci');
    expect(
      leaks(run, { accessKeyId: USER.accessKeyId, secretAccessKey: USER.secretAccessKey })
    ).toEqual([]);
    expect(visible(run)).not.toContain(USER.secretAccessKey);
  });

  test('role-arn beside a token user: the input is refused', async () => {
    const token = Buffer.from(
      stringify({
        ...parse(Buffer.from(keylessSeedKubeconfig(), 'base64').toString()),
        users: [{ name: 'basickapp-aws', user: { token: 'a-static-token-0123456789' } }]
      })
    ).toString('base64');
    const run = await deploy(
      byKubeconfig({ kubeconfig: token, 'role-arn': aws.roleArn('deploy') }),
      oidc.env
    );
    expect(run.errors).toEqual([
      expect.stringMatching(/^role-arn: is set, but the kubeconfig's user has no exec plugin/)
    ]);
  });
});

describe('--exec-credential', () => {
  test('prints an ExecCredential the cluster accepts, from the keys in its environment', () => {
    const now = new Date();
    const doc = JSON.parse(
      execCredentialJson(
        ['--cluster-name', 'basickapp', '--region', 'eu-west-1'],
        { AWS_ACCESS_KEY_ID: USER.accessKeyId, AWS_SECRET_ACCESS_KEY: USER.secretAccessKey },
        now
      )
    ) as {
      kind: string;
      apiVersion: string;
      status: { token: string; expirationTimestamp: string };
    };
    expect(doc).toMatchObject({
      kind: 'ExecCredential',
      apiVersion: 'client.authentication.k8s.io/v1beta1'
    });
    expect(Date.parse(doc.status.expirationTimestamp)).toBeGreaterThan(now.getTime() + 13 * 60_000);
    expect(
      verifyEksToken(doc.status.token, { clusterName: 'basickapp', credentials: USER, now }).ok
    ).toBe(true);
  });

  test('without keys it says so', () => {
    expect(() =>
      execCredentialJson(['--cluster-name', 'c', '--region', 'eu-west-1'], {}, new Date())
    ).toThrow(/no AWS keys to sign the EKS token with/);
  });
});
