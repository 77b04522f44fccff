// The AWS rigs against the real clients: the aws CLI (botocore) drives STS, EKS and ECR on the
// rig, and @actions/core's getIDToken fetches the OIDC rig's token. What the real clients accept
// and the rig verifies is what the actions' own edges are then tested against.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createVerify } from 'node:crypto';
import { promisify } from 'node:util';
import { ACCOUNT, startAwsRig, type AwsRig } from './aws-api.js';
import { GITHUB_ISSUER, startOidcRig, type OidcRig } from './oidc.js';

const run = promisify(execFile);
const USER = {
  name: 'ci',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  allow: ['eks:DescribeCluster']
};

let oidc: OidcRig;
let aws: AwsRig;

beforeAll(async () => {
  oidc = await startOidcRig();
  aws = await startAwsRig({
    providers: [{ issuer: oidc.issuer, publicKey: oidc.publicKey }],
    roles: [
      {
        name: 'deploy',
        trustSub: 'repo:omer-avner/basickapp:ref:refs/heads/main',
        allow: ['eks:DescribeCluster', 'ecr:GetAuthorizationToken']
      },
      { name: 'release-only', trustSub: 'repo:omer-avner/basickapp:ref:refs/tags/*', allow: [] }
    ],
    users: [USER],
    clusters: [
      { name: 'basickapp', region: 'eu-west-1', endpoint: 'https://127.0.0.1:6443', caPem: 'PEM' }
    ]
  });
});
afterAll(async () => {
  await aws?.stop();
  await oidc?.stop();
});

/** The real aws CLI against the rig, with only the given keys (no config files). */
async function cli(
  args: string[],
  keys: { accessKeyId?: string; secretAccessKey?: string; sessionToken?: string } = {}
): Promise<{ ok: boolean; out: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: '/nonexistent',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    ...aws.env
  };
  if (keys.accessKeyId) env.AWS_ACCESS_KEY_ID = keys.accessKeyId;
  if (keys.secretAccessKey) env.AWS_SECRET_ACCESS_KEY = keys.secretAccessKey;
  if (keys.sessionToken) env.AWS_SESSION_TOKEN = keys.sessionToken;
  try {
    const { stdout } = await run('aws', [...args, '--output', 'json'], { env });
    return { ok: true, out: stdout };
  } catch (error) {
    return { ok: false, out: String((error as { stderr?: string }).stderr) };
  }
}

/** What @actions/core's getIDToken gets from the OIDC rig (run in its own process: it reads process.env). */
async function coreIdToken(audience: string, env = oidc.env): Promise<string> {
  const script = `import * as core from '@actions/core'; process.stderr.write(await core.getIDToken(${JSON.stringify(audience)}));`;
  // The token goes to stderr: stdout carries getIDToken's own ::debug:: and ::add-mask:: lines.
  const { stderr } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, ...env }
  });
  return stderr;
}

const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;

describe('OIDC rig', () => {
  test("@actions/core's getIDToken gets an RS256 JWT with GitHub's claims, signed by the rig's issuer", async () => {
    const jwt = await coreIdToken('sts.amazonaws.com');
    const [header, payload, signature] = jwt.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({
      alg: 'RS256',
      typ: 'JWT'
    });
    expect(
      createVerify('RSA-SHA256')
        .update(`${header}.${payload}`)
        .verify(oidc.publicKey, Buffer.from(signature, 'base64url'))
    ).toBe(true);
    const claims = claimsOf(jwt);
    expect(claims).toMatchObject({
      iss: GITHUB_ISSUER,
      aud: 'sts.amazonaws.com',
      sub: 'repo:omer-avner/basickapp:ref:refs/heads/main',
      repository: 'omer-avner/basickapp',
      ref: 'refs/heads/main',
      workflow: 'deploy-chart',
      job_workflow_ref: 'omer-avner/basickapp/.github/workflows/deploy-chart.yml@refs/heads/main'
    });
    expect(claims.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(Number(claims.exp)).toBeGreaterThan(Date.now() / 1000);
    expect(oidc.requests.at(-1)).toBe('sts.amazonaws.com');
  });

  test('a wrong request token gets 401, which getIDToken reports', async () => {
    await expect(
      coreIdToken('sts.amazonaws.com', { ...oidc.env, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong' })
    ).rejects.toThrow(/401/);
  });
});

describe('AWS rig with the real aws CLI', () => {
  test('AssumeRoleWithWebIdentity: the CLI parses the issued credentials, which then sign GetCallerIdentity, DescribeCluster and GetAuthorizationToken', async () => {
    const jwt = await coreIdToken('sts.amazonaws.com');
    const assumed = await cli([
      'sts',
      'assume-role-with-web-identity',
      '--role-arn',
      aws.roleArn('deploy'),
      '--role-session-name',
      'GitHubActions',
      '--web-identity-token',
      jwt
    ]);
    expect(assumed.ok).toBe(true);
    const doc = JSON.parse(assumed.out) as {
      Credentials: {
        AccessKeyId: string;
        SecretAccessKey: string;
        SessionToken: string;
        Expiration: string;
      };
      AssumedRoleUser: { Arn: string };
      SubjectFromWebIdentityToken: string;
    };
    expect(doc.AssumedRoleUser.Arn).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/GitHubActions`
    );
    expect(doc.SubjectFromWebIdentityToken).toBe('repo:omer-avner/basickapp:ref:refs/heads/main');
    expect(doc.Credentials.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    const keys = {
      accessKeyId: doc.Credentials.AccessKeyId,
      secretAccessKey: doc.Credentials.SecretAccessKey,
      sessionToken: doc.Credentials.SessionToken
    };
    const identity = await cli(['sts', 'get-caller-identity'], keys);
    expect(JSON.parse(identity.out)).toMatchObject({
      Arn: doc.AssumedRoleUser.Arn,
      Account: ACCOUNT
    });
    const cluster = await cli(['eks', 'describe-cluster', '--name', 'basickapp'], keys);
    expect(JSON.parse(cluster.out)).toMatchObject({
      cluster: {
        endpoint: 'https://127.0.0.1:6443',
        certificateAuthority: { data: Buffer.from('PEM').toString('base64') }
      }
    });
    const ecr = await cli(['ecr', 'get-authorization-token'], keys);
    const token = (
      JSON.parse(ecr.out) as { authorizationData: Array<{ authorizationToken: string }> }
    ).authorizationData[0].authorizationToken;
    expect(Buffer.from(token, 'base64').toString()).toBe(`AWS:${aws.registryPasswords.at(-1)}`);
    // Without the session token the issued key is refused.
    const noSession = await cli(['sts', 'get-caller-identity'], {
      ...keys,
      sessionToken: undefined
    });
    expect(noSession.out).toMatch(/InvalidClientTokenId/);
  });

  test.each<[string, () => Promise<string>, RegExp]>([
    [
      'a role whose trust policy does not allow the sub',
      async () => aws.roleArn('release-only'),
      /AccessDenied.*sts:AssumeRoleWithWebIdentity/
    ],
    ['a role that does not exist', async () => aws.roleArn('nope'), /AccessDenied/]
  ])('AssumeRoleWithWebIdentity refused: %s', async (_, role, why) => {
    const jwt = await coreIdToken('sts.amazonaws.com');
    const result = await cli([
      'sts',
      'assume-role-with-web-identity',
      '--role-arn',
      await role(),
      '--role-session-name',
      's1',
      '--web-identity-token',
      jwt
    ]);
    expect(result).toEqual({ ok: false, out: expect.stringMatching(why) });
  });

  test.each<[string, () => Promise<string>, RegExp]>([
    [
      'another audience',
      () => coreIdToken('https://github.com/omer-avner'),
      /InvalidIdentityToken.*audience/
    ],
    [
      'an expired token',
      async () =>
        oidc.sign({ ...oidc.claims('sts.amazonaws.com'), exp: Math.floor(Date.now() / 1000) - 60 }),
      /ExpiredTokenException/
    ],
    [
      'a token of another issuer',
      async () => oidc.sign({ ...oidc.claims('sts.amazonaws.com'), iss: 'https://evil.example' }),
      /No OpenIDConnect provider found/
    ],
    [
      'a tampered token',
      async () => {
        const [h, , s] = (await coreIdToken('sts.amazonaws.com')).split('.');
        return `${h}.${Buffer.from(JSON.stringify({ ...oidc.claims('sts.amazonaws.com'), exp: 4102444800 })).toString('base64url')}.${s}`;
      },
      /InvalidIdentityToken/
    ]
  ])('the JWT is verified: %s', async (_, token, why) => {
    const result = await cli([
      'sts',
      'assume-role-with-web-identity',
      '--role-arn',
      aws.roleArn('deploy'),
      '--role-session-name',
      's1',
      '--web-identity-token',
      await token()
    ]);
    expect(result).toEqual({ ok: false, out: expect.stringMatching(why) });
  });

  test.each<[string, string[], typeof USER, RegExp]>([
    [
      'STS, a wrong secret',
      ['sts', 'get-caller-identity'],
      { ...USER, secretAccessKey: 'wrong' },
      /SignatureDoesNotMatch/
    ],
    [
      'EKS, a wrong secret',
      ['eks', 'describe-cluster', '--name', 'basickapp'],
      { ...USER, secretAccessKey: 'wrong' },
      /InvalidSignatureException/
    ],
    [
      'EKS, an unknown key',
      ['eks', 'describe-cluster', '--name', 'basickapp'],
      { ...USER, accessKeyId: 'AKIAUNKNOWN' },
      /UnrecognizedClientException/
    ],
    [
      'EKS, a missing cluster',
      ['eks', 'describe-cluster', '--name', 'other'],
      USER,
      /ResourceNotFoundException.*No cluster found for name: other/
    ],
    [
      'EKS, another region',
      ['eks', 'describe-cluster', '--name', 'basickapp', '--region', 'us-east-1'],
      USER,
      /ResourceNotFoundException/
    ],
    [
      'ECR, not allowed',
      ['ecr', 'get-authorization-token'],
      USER,
      /AccessDeniedException.*ecr:GetAuthorizationToken/
    ]
  ])('SigV4 and permissions are verified: %s', async (_, args, user, why) => {
    const result = await cli(args, user);
    expect(result).toEqual({ ok: false, out: expect.stringMatching(why) });
  });

  test('the user keys sign DescribeCluster', async () => {
    const result = await cli(['eks', 'describe-cluster', '--name', 'basickapp'], USER);
    expect(JSON.parse(result.out)).toMatchObject({
      cluster: { name: 'basickapp', status: 'ACTIVE' }
    });
  });
});
