// The AWS edges (credentials, STS, EKS, ECR) over the real HTTP edge against the loopback
// rigs, which verify the JWT, the trust policy and every SigV4 signature; every error a user
// can act on, and no credential unmasked.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { AwsApiError, awsErrorOf, type AwsContext } from '../../src/aws/api.js';
import {
  explainAssumeRoleRefusal,
  jwtClaims,
  obtainCredentials,
  parseRoleInputs,
  planCredentials,
  principalArn,
  roleSessionSeconds,
  type CredentialEdges
} from '../../src/aws/credentials.js';
import { ecrClient } from '../../src/aws/ecr.js';
import { eksClient, explainDescribeCluster } from '../../src/aws/eks.js';
import { stsClient } from '../../src/aws/sts.js';
import { fetchClient } from '../../src/http.js';
import { ACCOUNT, startAwsRig, type AwsRig } from '../../../../test/harness/rigs/aws/aws-api.js';
import { startOidcRig, type OidcRig } from '../../../../test/harness/rigs/aws/oidc.js';
import { startRegistry, type RegistryRig } from '../../../../test/harness/rigs/registry.js';

const REPO_MAIN = 'repo:omer-avner/basickapp:ref:refs/heads/main';
const USER = {
  name: 'ci',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  allow: ['ecr-public:GetAuthorizationToken']
};

let oidc: OidcRig;
let aws: AwsRig;
let registry: RegistryRig;
const REGISTRY_PASSWORD = 'ecr-token-the-registry-accepts';

beforeAll(async () => {
  oidc = await startOidcRig();
  // ECR answers Basic auth.
  registry = await startRegistry({ auth: 'basic', username: 'AWS', password: REGISTRY_PASSWORD });
  aws = await startAwsRig({
    providers: [{ issuer: oidc.issuer, publicKey: oidc.publicKey }],
    roles: [
      {
        name: 'deploy',
        trustSub: REPO_MAIN,
        allow: ['eks:DescribeCluster', 'ecr:GetAuthorizationToken']
      },
      { name: 'tags-only', trustSub: 'repo:omer-avner/basickapp:ref:refs/tags/*', allow: [] },
      { name: 'no-eks', trustSub: 'repo:omer-avner/*', allow: [] },
      { name: 'long', trustSub: REPO_MAIN, allow: [], maxSessionSeconds: 12 * 3600 }
    ],
    users: [USER],
    clusters: [
      {
        name: 'basickapp',
        region: 'eu-west-1',
        endpoint: 'https://127.0.0.1:6443',
        caPem: '-----BEGIN CERTIFICATE-----\nrig\n-----END CERTIFICATE-----\n'
      }
    ],
    registryPassword: () => REGISTRY_PASSWORD
  });
});
afterAll(async () => {
  await aws?.stop();
  await oidc?.stop();
  await registry?.stop();
});

const context = (): AwsContext => ({ http: fetchClient(), env: aws.env, now: () => new Date() });

/** What core.getIDToken does (GET the URL with &audience=, bearer request token), without process.env. */
async function rigIdToken(audience: string): Promise<string> {
  const url = `${oidc.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${encodeURIComponent(audience)}`;
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${oidc.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` }
  });
  if (!response.ok) throw new Error(`Failed to get ID Token. Error Code : ${response.status}`);
  return ((await response.json()) as { value: string }).value;
}

function edges(masked: string[]): CredentialEdges {
  return {
    idToken: rigIdToken,
    sts: stsClient(context(), 'eu-west-1'),
    mask: (value) => masked.push(value)
  };
}

const jobEnv = () => ({ ...aws.env, ...oidc.env });

async function assume(role: string, env: NodeJS.ProcessEnv = jobEnv(), masked: string[] = []) {
  const plan = planCredentials(parseRoleInputs(aws.roleArn(role), ''), env);
  return obtainCredentials(plan, env, edges(masked));
}

describe('role session length', () => {
  test.each([
    [5 * 60_000, 3600],
    [90 * 60_000, 5400],
    [24 * 3600_000, 43200]
  ])('roleSessionSeconds(%i ms) = %i s', (ms, seconds) =>
    expect(roleSessionSeconds(ms)).toBe(seconds)
  );

  const obtainFor = (role: string, seconds: number) => {
    const env = jobEnv();
    const plan = planCredentials(parseRoleInputs(aws.roleArn(role), ''), env);
    return obtainCredentials(plan, env, edges([]), seconds);
  };

  test('a role that allows 12 h: the session covers the step', async () => {
    const before = Date.now();
    const obtained = await obtainFor('long', 5 * 3600);
    expect(obtained.warning).toBeUndefined();
    expect(obtained.expiresAt! - before).toBeGreaterThan(5 * 3600_000 - 2000);
    expect(aws.issued.at(-1)!.expiresAt).toBe(obtained.expiresAt);
  });

  test("a role whose MaxSessionDuration is 1 h: STS's hour, and a warning with the fix", async () => {
    const before = Date.now();
    const obtained = await obtainFor('deploy', 2 * 3600);
    expect(obtained.expiresAt! - before).toBeLessThanOrEqual(3600_000 + 1000);
    expect(obtained.warning).toBe(
      `role-arn: ${aws.roleArn('deploy')} allows sessions shorter than the 2 h this step may take, so its session lasts 1 h and AWS calls after that are refused. Raise the role's maximum session: aws iam update-role --role-name deploy --max-session-duration 7200`
    );
    expect(aws.calls.slice(-2)).toEqual([
      'STS AssumeRoleWithWebIdentity → ValidationError',
      'STS AssumeRoleWithWebIdentity → 200'
    ]);
  });
});

describe('credentials', () => {
  test('role-arn: the OIDC token is exchanged for temporary credentials, each masked, and they sign', async () => {
    const masked: string[] = [];
    const obtained = await assume('deploy', jobEnv(), masked);
    const issued = aws.issued.at(-1)!;
    expect(obtained).toEqual({
      credentials: {
        accessKeyId: issued.accessKeyId,
        secretAccessKey: issued.secretAccessKey,
        sessionToken: issued.sessionToken
      },
      source: `role ${aws.roleArn('deploy')} (session GitHubActions, OIDC)`,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/GitHubActions`,
      expiresAt: issued.expiresAt
    });
    expect(masked).toEqual(
      expect.arrayContaining([issued.accessKeyId, issued.secretAccessKey, issued.sessionToken])
    );
    expect(masked[0].split('.')).toHaveLength(3); // the JWT, masked before it is sent
    expect(oidc.requests.at(-1)).toBe('sts.amazonaws.com');
    const identity = await stsClient(context(), 'eu-west-1').getCallerIdentity(
      obtained.credentials
    );
    expect(identity).toMatchObject({ arn: obtained.arn, account: ACCOUNT });
    expect(principalArn(identity.arn)).toBe(`arn:aws:iam::${ACCOUNT}:role/deploy`);
  });

  test('ambient keys (configure-aws-credentials) are used as they are, masked', async () => {
    const masked: string[] = [];
    const env = {
      AWS_ACCESS_KEY_ID: USER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: USER.secretAccessKey,
      AWS_SESSION_TOKEN: 'session'
    };
    const obtained = await obtainCredentials(planCredentials(undefined, env), env, edges(masked));
    expect(obtained.credentials).toEqual({
      accessKeyId: USER.accessKeyId,
      secretAccessKey: USER.secretAccessKey,
      sessionToken: 'session'
    });
    expect(masked).toEqual([USER.accessKeyId, USER.secretAccessKey, 'session']);
  });

  test('neither: the error says both ways', async () => {
    await expect(obtainCredentials(planCredentials(undefined, {}), {}, edges([]))).rejects.toThrow(
      /no role-arn, and no AWS_ACCESS_KEY_ID[\s\S]*configure-aws-credentials/
    );
  });

  test('no id-token: write (no ACTIONS_ID_TOKEN_REQUEST_URL): named, and GitHub is not asked', async () => {
    const before = oidc.requests.length;
    await expect(assume('deploy', { ...aws.env })).rejects.toThrow(
      /ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set[\s\S]*permissions: id-token: write/
    );
    expect(oidc.requests.length).toBe(before);
  });

  test('GitHub refuses the token request', async () => {
    oidc.failWith = 403;
    try {
      await expect(assume('deploy')).rejects.toThrow(
        /GitHub refused the token request: .*403[\s\S]*id-token: write/
      );
    } finally {
      oidc.failWith = undefined;
    }
  });

  test("the trust policy refuses: the error names the job's sub claim, never the token", async () => {
    const masked: string[] = [];
    const error = (await assume('tags-only', jobEnv(), masked).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(
      `STS refused to let this job assume ${aws.roleArn('tags-only')}`
    );
    expect(error.message).toContain(`"token.actions.githubusercontent.com:sub": "${REPO_MAIN}"`);
    expect(error.message).toContain(
      `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`
    );
    expect(error.message).toContain('"repo:omer-avner/basickapp:*"');
    expect(error.message).not.toContain(masked[0]);
  });

  test('an issuer the account has no OIDC provider for', async () => {
    const other = await startOidcRig({ issuer: 'https://token.actions.example' });
    try {
      const env = { ...aws.env, ...other.env };
      const plan = planCredentials(parseRoleInputs(aws.roleArn('deploy'), 'deploy-1'), env);
      const token = async (audience: string) => other.sign(other.claims(audience));
      await expect(obtainCredentials(plan, env, { ...edges([]), idToken: token })).rejects.toThrow(
        /did not accept the job's OIDC token[\s\S]*InvalidIdentityToken: No OpenIDConnect provider found[\s\S]*oidc-provider\/token.actions.example/
      );
    } finally {
      await other.stop();
    }
  });
});

describe('EKS DescribeCluster', () => {
  test('endpoint and CA, signed with the assumed role', async () => {
    const { credentials } = await assume('deploy');
    const cluster = await eksClient(context(), 'eu-west-1').describeCluster(
      'basickapp',
      credentials
    );
    expect(cluster).toEqual({
      name: 'basickapp',
      arn: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/basickapp`,
      endpoint: 'https://127.0.0.1:6443',
      caPem: '-----BEGIN CERTIFICATE-----\nrig\n-----END CERTIFICATE-----\n',
      status: 'ACTIVE'
    });
    expect(aws.calls.at(-1)).toBe('EKS DescribeCluster → 200');
  });

  test.each<[string, string, string, string, RegExp]>([
    [
      'AccessDenied',
      'no-eks',
      'basickapp',
      'eu-west-1',
      /may not call eks:DescribeCluster on cluster "basickapp" in eu-west-1[\s\S]*Allow the IAM action eks:DescribeCluster on arn:aws:eks:eu-west-1:<account>:cluster\/basickapp/
    ],
    [
      'ResourceNotFound: the name',
      'deploy',
      'basick4pp',
      'eu-west-1',
      /there is no EKS cluster "basick4pp" in region eu-west-1 \(No cluster found for name: basick4pp\.\)[\s\S]*Check cluster-name and region/
    ],
    [
      'ResourceNotFound: the region',
      'deploy',
      'basickapp',
      'eu-central-1',
      /no EKS cluster "basickapp" in region eu-central-1/
    ]
  ])('%s is explained', async (_, role, name, region, why) => {
    const { credentials, arn } = await assume(role);
    const error = await eksClient(context(), region)
      .describeCluster(name, credentials)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsApiError);
    const explained = explainDescribeCluster(error as AwsApiError, name, region, arn);
    expect(explained.message).toMatch(why);
    if (role === 'no-eks') expect(explained.message).toContain(`"${arn}"`);
  });

  test('a wrong secret and expired credentials get AWS codes', async () => {
    const { credentials } = await assume('deploy');
    const eks = eksClient(context(), 'eu-west-1');
    await expect(
      eks.describeCluster('basickapp', { ...credentials, secretAccessKey: 'wrong' })
    ).rejects.toMatchObject({ code: 'InvalidSignatureException', status: 403 });
    aws.clockSkewMs = 2 * 3600_000;
    try {
      await expect(
        eksClient(
          { ...context(), now: () => new Date(Date.now() + aws.clockSkewMs) },
          'eu-west-1'
        ).describeCluster('basickapp', credentials)
      ).rejects.toMatchObject({ code: 'ExpiredTokenException' });
    } finally {
      aws.clockSkewMs = 0;
    }
  });
});

describe('ECR GetAuthorizationToken', () => {
  test('private registry: the password it hands out logs in to a real registry', async () => {
    const { credentials } = await assume('deploy');
    const login = await ecrClient(context()).getAuthorizationToken(
      { region: 'eu-west-1' },
      credentials
    );
    expect(login).toMatchObject({ username: 'AWS', password: REGISTRY_PASSWORD });
    expect(login.expiresAt).toBeGreaterThan(Date.now() + 11 * 3600_000);
    const basic = Buffer.from(`${login.username}:${login.password}`).toString('base64');
    const answer = await fetch(`${registry.url}/v2/`, {
      headers: { authorization: `Basic ${basic}` }
    });
    expect(answer.status).toBe(200);
  });

  test('ECR Public: signed for us-east-1 as ecr-public, one object', async () => {
    const login = await ecrClient(context()).getAuthorizationToken('public', USER);
    expect(login.username).toBe('AWS');
    expect(aws.calls.at(-1)).toBe('ECR Public GetAuthorizationToken → 200');
  });

  test('not allowed: AccessDeniedException with the action', async () => {
    await expect(
      ecrClient(context()).getAuthorizationToken({ region: 'eu-west-1' }, USER)
    ).rejects.toThrow(
      /ECR GetAuthorizationToken: AccessDeniedException: .*ecr:GetAuthorizationToken/
    );
  });
});

describe('pure parts', () => {
  test.each<[string, string, string, unknown]>([
    ['no role', '', '', undefined],
    [
      'a role, default session',
      'arn:aws:iam::111122223333:role/deploy',
      '',
      { roleArn: 'arn:aws:iam::111122223333:role/deploy', sessionName: 'GitHubActions' }
    ],
    [
      'a role with a path, GovCloud',
      'arn:aws-us-gov:iam::111122223333:role/ci/deploy',
      'run-42',
      { roleArn: 'arn:aws-us-gov:iam::111122223333:role/ci/deploy', sessionName: 'run-42' }
    ]
  ])('parseRoleInputs: %s', (_, arn, session, want) => {
    expect(parseRoleInputs(arn, session)).toEqual(want);
  });

  test.each<[string, string, RegExp]>([
    ['deploy', '', /role-arn: "deploy" is not an IAM role ARN/],
    ['arn:aws:iam::1:role/x', '', /not an IAM role ARN/],
    ['arn:aws:iam::111122223333:user/x', '', /not an IAM role ARN/],
    ['arn:aws:iam::111122223333:role/x', 'has space', /role-session-name: must be 2 to 64/],
    ['', 'orphan', /role-session-name: is set but role-arn is empty/]
  ])('parseRoleInputs refuses %s / %s', (arn, session, why) => {
    expect(() => parseRoleInputs(arn, session)).toThrow(why);
  });

  test.each([
    [
      'query XML',
      {
        status: 403,
        headers: {},
        body: '<ErrorResponse><Error><Code>AccessDenied</Code><Message>a &amp; b</Message></Error></ErrorResponse>'
      },
      { code: 'AccessDenied', message: 'a & b' }
    ],
    [
      'JSON 1.1',
      {
        status: 400,
        headers: {},
        body: '{"__type":"com.amazon#AccessDeniedException","message":"no"}'
      },
      { code: 'AccessDeniedException', message: 'no' }
    ],
    [
      'REST JSON',
      {
        status: 404,
        headers: { 'x-amzn-errortype': 'ResourceNotFoundException:http://internal' },
        body: '{"message":"gone"}'
      },
      { code: 'ResourceNotFoundException', message: 'gone' }
    ],
    ['no body', { status: 502, headers: {}, body: 'Bad Gateway' }, { code: 'HTTP502', message: '' }]
  ])('awsErrorOf: %s', (_, response, want) => expect(awsErrorOf(response)).toEqual(want));

  test('jwtClaims never throws on garbage', () => {
    expect(jwtClaims('not a jwt')).toEqual({});
    expect(jwtClaims(`x.${Buffer.from('{"sub":"s"}').toString('base64url')}.y`)).toEqual({
      sub: 's'
    });
  });

  test('a refusal without claims still names what to fix', () => {
    const error = new AwsApiError('STS AssumeRoleWithWebIdentity', 403, 'AccessDenied', 'no');
    expect(explainAssumeRoleRefusal(error, 'arn:aws:iam::111122223333:role/r', {}).message).toMatch(
      /the token has no sub claim/
    );
  });
});
