// The EKS token signed in process must be the very token the real aws CLI prints for the same
// request and second, and the emulator's independent verifier must accept it.
import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ProcessRunner } from '../../../shared/src/exec.js';
import type { ExecPlugin } from '../../src/cluster-access.js';
import {
  describeTokenPlan,
  planEksToken,
  signEksToken,
  stsHost,
  type EksTokenRequest
} from '../../src/cluster/eks-token.js';
import { ExecCredentialSource, parseExecCredential } from '../../src/cluster/exec-credential.js';
import { planTokenSource } from '../../src/credentials.js';
import { timeBudget } from '../../src/budget.js';
import { verifyEksToken } from '../../../../test/emulator/auth/eks-token.js';
import { captureStdout } from './capture-stdout.js';

const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const KEYS = { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET };

/** The seed's exec user: aws eks get-token with the keys in the exec env. */
function awsExec(args: string[], env: Record<string, string> = KEYS): ExecPlugin {
  return {
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    command: 'aws',
    args,
    env
  };
}

const SEED_ARGS = ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'basickapp'];

describe('planEksToken', () => {
  test.each<[string, ExecPlugin, NodeJS.ProcessEnv, Partial<EksTokenRequest>]>([
    ['the seed: keys and region in the exec env', awsExec(SEED_ARGS), {}, { region: 'eu-west-1' }],
    [
      'keys from the runner env (configure-aws-credentials)',
      awsExec(['eks', 'get-token', '--cluster-name', 'basickapp'], {}),
      { ...KEYS, AWS_REGION: 'us-east-2', AWS_SESSION_TOKEN: 'session' },
      { region: 'us-east-2', sessionToken: 'session' }
    ],
    [
      'the exec env wins over the runner env',
      awsExec(['eks', 'get-token', '--cluster-name', 'basickapp'], {
        ...KEYS,
        AWS_DEFAULT_REGION: 'ap-south-1'
      }),
      {
        AWS_ACCESS_KEY_ID: 'AKIARUNNER',
        AWS_SECRET_ACCESS_KEY: 'runner',
        AWS_REGION: 'ap-south-1'
      },
      { accessKeyId: KEY_ID, region: 'ap-south-1' }
    ],
    [
      '--option=value forms and --output json',
      awsExec([
        'eks',
        'get-token',
        '--cluster-name=basickapp',
        '--region=cn-north-1',
        '--output',
        'json'
      ]),
      {},
      { clusterName: 'basickapp', region: 'cn-north-1' }
    ],
    [
      'legacy AWS_SECURITY_TOKEN',
      awsExec(SEED_ARGS, { ...KEYS, AWS_SECURITY_TOKEN: 'legacy' }),
      {},
      { sessionToken: 'legacy' }
    ]
  ])('%s: signed here', (_, exec, env, expected) => {
    const plan = planEksToken(exec, env);
    expect(plan).toEqual({ sign: expect.objectContaining(expected), keysFrom: expect.any(String) });
  });

  test.each<[string, ExecPlugin, NodeJS.ProcessEnv, RegExp]>([
    ['another plugin', { ...awsExec([]), command: 'kubelogin' }, KEYS, /"kubelogin", not aws/],
    ['a profile', awsExec([...SEED_ARGS, '--profile', 'prod']), {}, /passes --profile/],
    [
      'an assumed role',
      awsExec([...SEED_ARGS, '--role-arn', 'arn:aws:iam::1:role/x']),
      {},
      /--role-arn/
    ],
    [
      'another aws command',
      awsExec(['sts', 'get-caller-identity']),
      {},
      /runs "aws sts get-caller-identity"/
    ],
    [
      'no cluster name',
      awsExec(['eks', 'get-token', '--region', 'eu-west-1']),
      {},
      /no --cluster-name/
    ],
    [
      'an option without its value',
      awsExec([...SEED_ARGS, '--region']),
      {},
      /--region has no value/
    ],
    ['text output', awsExec([...SEED_ARGS, '--output', 'text']), {}, /--output text/],
    [
      'no keys anywhere (SSO, profile, instance role)',
      awsExec(SEED_ARGS, {}),
      {},
      /no AWS_ACCESS_KEY_ID/
    ],
    [
      'only the key id',
      awsExec(SEED_ARGS, { AWS_ACCESS_KEY_ID: KEY_ID }),
      {},
      /no AWS_ACCESS_KEY_ID/
    ],
    [
      'an STS endpoint override',
      awsExec(SEED_ARGS),
      { AWS_ENDPOINT_URL_STS: 'https://x' },
      /AWS_ENDPOINT_URL_STS is set/
    ],
    [
      'FIPS endpoints',
      awsExec(SEED_ARGS, { ...KEYS, AWS_USE_FIPS_ENDPOINT: 'true' }),
      {},
      /AWS_USE_FIPS_ENDPOINT/
    ],
    [
      'two different regions in the env',
      awsExec(['eks', 'get-token', '--cluster-name', 'c']),
      { ...KEYS, AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-east-1' },
      /differ/
    ],
    ['no region', awsExec(['eks', 'get-token', '--cluster-name', 'c']), KEYS, /no --region/],
    [
      'an ISO partition region',
      awsExec(['eks', 'get-token', '--cluster-name', 'c', '--region', 'us-iso-east-1']),
      KEYS,
      /partitions/
    ]
  ])('%s: the aws CLI runs', (_, exec, env, why) => {
    const plan = planEksToken(exec, env);
    expect('runCli' in plan && plan.runCli).toMatch(why);
  });

  test('a timeout longer than a token lives: helm and the action both run aws', () => {
    expect('sign' in planTokenSource(awsExec(SEED_ARGS), {}, timeBudget(5 * 60_000))).toBe(true);
    const long = planTokenSource(awsExec(SEED_ARGS), {}, timeBudget(10 * 60_000));
    expect('runCli' in long && long.runCli).toMatch(/timeout is longer than one token lives/);
  });

  test.each<[string, ExecPlugin, NodeJS.ProcessEnv, string | undefined, string]>([
    ['exec env keys', awsExec(SEED_ARGS), {}, undefined, "the kubeconfig user's exec env"],
    [
      'ambient keys',
      awsExec(SEED_ARGS, {}),
      KEYS,
      undefined,
      'the environment (AWS_ACCESS_KEY_ID)'
    ],
    [
      "an assumed role's keys in the runner env",
      awsExec(SEED_ARGS, {}),
      KEYS,
      'role arn:aws:iam::111122223333:role/deploy (session GitHubActions, OIDC)',
      'role arn:aws:iam::111122223333:role/deploy'
    ],
    [
      'exec env keys win over the role',
      awsExec(SEED_ARGS),
      { AWS_ACCESS_KEY_ID: 'ASIAROLE', AWS_SECRET_ACCESS_KEY: 'role' },
      'role arn:aws:iam::111122223333:role/deploy (session GitHubActions, OIDC)',
      "the kubeconfig user's exec env"
    ]
  ])('the log line says where the keys came from: %s', (_, exec, env, from, says) => {
    const plan = planEksToken(exec, env, from);
    expect(describeTokenPlan(plan, exec)).toContain(`with the credentials from ${says}`);
  });

  test('the log line names cluster and region, never a key', () => {
    const plan = planEksToken(awsExec(SEED_ARGS), {});
    const line = describeTokenPlan(plan, awsExec(SEED_ARGS));
    expect(line).toMatch(/cluster "basickapp" \(eu-west-1\) is signed here/);
    expect(line).not.toContain(SECRET);
    expect(line).not.toContain(KEY_ID);
    const kubelogin = { ...awsExec([]), command: 'kubelogin' };
    expect(describeTokenPlan(planEksToken(kubelogin, {}), kubelogin)).toBe(
      'kubeconfig: the exec plugin "kubelogin" makes the tokens'
    );
  });
});

test.each([
  ['eu-west-1', 'sts.eu-west-1.amazonaws.com'],
  ['us-gov-west-1', 'sts.us-gov-west-1.amazonaws.com'],
  ['cn-northwest-1', 'sts.cn-northwest-1.amazonaws.com.cn'],
  ['us-iso-east-1', undefined],
  ['EU-WEST-1', undefined]
])('stsHost(%s) = %s', (region, host) => {
  expect(stsHost(region)).toBe(host);
});

const execFileAsync = promisify(execFile);

/** The real `aws eks get-token`, in an environment holding nothing but the request. */
async function awsGetToken(
  request: EksTokenRequest
): Promise<{ token: string; expiresAt: number }> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'eks-token-home-'));
  try {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: home,
      AWS_ACCESS_KEY_ID: request.accessKeyId,
      AWS_SECRET_ACCESS_KEY: request.secretAccessKey
    };
    if (request.sessionToken) env.AWS_SESSION_TOKEN = request.sessionToken;
    const { stdout } = await execFileAsync(
      'aws',
      ['eks', 'get-token', '--cluster-name', request.clusterName, '--region', request.region],
      { env }
    );
    const credential = parseExecCredential('aws', stdout);
    return { token: credential.token as string, expiresAt: credential.expiresAt as number };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function signedAt(token: string): Date {
  const url = new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString());
  const amzDate = url.searchParams.get('X-Amz-Date') ?? '';
  return new Date(
    amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z')
  );
}

describe('signEksToken', () => {
  test.each<[string, EksTokenRequest]>([
    [
      'the seed',
      {
        clusterName: 'basickapp',
        region: 'eu-west-1',
        accessKeyId: KEY_ID,
        secretAccessKey: SECRET
      }
    ],
    [
      'a session token with characters to escape',
      {
        clusterName: 'prod',
        region: 'us-east-1',
        accessKeyId: 'ASIAEXAMPLE',
        secretAccessKey: SECRET,
        sessionToken: 'IQoJb3/+=x'
      }
    ],
    [
      'a China region',
      { clusterName: 'cn-app', region: 'cn-north-1', accessKeyId: KEY_ID, secretAccessKey: 'x/y+z' }
    ]
  ])('%s: identical to the token the real aws CLI prints', async (_, request) => {
    const real = await awsGetToken(request);
    const ours = signEksToken(request, signedAt(real.token));
    expect(ours.token).toBe(real.token);
    expect(ours.expiresAt).toBe(real.expiresAt);
  });

  test('the emulator verifier accepts it for its cluster and refuses it for another', () => {
    const now = new Date();
    const request = {
      clusterName: 'basickapp',
      region: 'eu-west-1',
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET
    };
    const { token } = signEksToken(request, now);
    const credentials = { accessKeyId: KEY_ID, secretAccessKey: SECRET };
    expect(
      verifyEksToken(token as string, { clusterName: 'basickapp', credentials, now })
    ).toMatchObject({ ok: true });
    expect(
      verifyEksToken(token as string, { clusterName: 'other', credentials, now })
    ).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/signature does not match/)
    });
  });
});

describe('ExecCredentialSource with a signed token', () => {
  const stdout = captureStdout();
  const noProcesses: ProcessRunner = {
    run: () => Promise.reject(new Error('no process may run'))
  } as unknown as ProcessRunner;

  test('signs without running aws, caches until 30 s before expiry, then signs again', async () => {
    let now = Date.parse('2026-11-25T12:00:00Z');
    const plan = planEksToken(awsExec(SEED_ARGS), {});
    const source = new ExecCredentialSource(awsExec(SEED_ARGS), plan, noProcesses, {
      now: () => now
    });
    const first = await source.get();
    expect(first.cached).toBe(false);
    expect(first.credential.expiresAt).toBe(now + 14 * 60_000);
    now += 13 * 60_000;
    expect(await source.get()).toEqual({ credential: first.credential, cached: true });
    now += 31_000;
    const renewed = await source.get();
    expect(renewed.cached).toBe(false);
    expect(renewed.credential.token).not.toBe(first.credential.token);
    // Each minted token is masked before anything could print it.
    expect(stdout.text()).toContain(`::add-mask::${renewed.credential.token}`);
  });

  test('a plan to run the CLI runs the plugin', async () => {
    const source = new ExecCredentialSource(awsExec(SEED_ARGS), { runCli: 'test' }, noProcesses);
    await expect(source.get()).rejects.toThrow(/"aws" could not be started \(no process may run\)/);
  });
});
