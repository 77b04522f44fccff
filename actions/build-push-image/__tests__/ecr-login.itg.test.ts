// ECR images log in with ECR's own token, from the same AWS credentials as deploy-chart,
// against the loopback OIDC and AWS rigs.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parseRoleInputs } from '../../shared/src/aws/credentials.js';
import { stsClient } from '../../shared/src/aws/sts.js';
import { fetchClient } from '../../shared/src/http.js';
import { ECR_PUSH_ROLE, startAwsRig, type AwsRig } from '../../../test/harness/rigs/aws/aws-api.js';
import { startOidcRig, type OidcRig } from '../../../test/harness/rigs/aws/oidc.js';
import { ecrRegistryOf, missingEcrRepository, registryCredentials } from '../src/ecr-login.js';
import { explainFailure } from '../src/errors.js';
import { parseInputs, type GitHubContext } from '../src/inputs.js';
import { flatWorkspace } from './fakes.js';

test.each([
  ['111122223333.dkr.ecr.eu-west-1.amazonaws.com', { region: 'eu-west-1' }],
  ['111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn', { region: 'cn-north-1' }],
  ['111122223333.dkr.ecr-fips.us-gov-west-1.amazonaws.com', { region: 'us-gov-west-1' }],
  ['public.ecr.aws', 'public'],
  ['ghcr.io', undefined],
  ['127.0.0.1:5000', undefined],
  ['dkr.ecr.eu-west-1.amazonaws.com', undefined]
])('ecrRegistryOf(%s)', (host, want) => expect(ecrRegistryOf(host)).toEqual(want));

const github: GitHubContext = {
  repository: 'o/r',
  sha: '0123456789abcdef0123456789abcdef01234567',
  actor: 'octocat',
  serverUrl: 'https://github.com',
  eventName: 'push'
};
const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';

test('an ECR image needs no password input; role-arn is read', () => {
  const inputs = parseInputs(
    reader({
      image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/app',
      'role-arn': 'arn:aws:iam::111122223333:role/push'
    }),
    github,
    flatWorkspace
  );
  expect(inputs.password).toBe('');
  expect(inputs.role).toEqual({
    roleArn: 'arn:aws:iam::111122223333:role/push',
    sessionName: 'GitHubActions'
  });
  expect(() => parseInputs(reader({ image: 'ghcr.io/o/r' }), github, flatWorkspace)).toThrow(
    /^password: is empty/
  );
});

describe('registryCredentials', () => {
  let oidc: OidcRig;
  let aws: AwsRig;
  const masked: string[] = [];

  beforeAll(async () => {
    oidc = await startOidcRig();
    aws = await startAwsRig({
      providers: [{ issuer: oidc.issuer, publicKey: oidc.publicKey }],
      roles: [ECR_PUSH_ROLE],
      registryPassword: () => `ecr-password-${aws.registryPasswords.length}`
    });
  });
  afterAll(async () => {
    await aws?.stop();
    await oidc?.stop();
  });

  function edges() {
    const context = {
      http: fetchClient(),
      env: { ...aws.env, ...oidc.env },
      now: () => new Date()
    };
    const idToken = async (audience: string) =>
      oidc.sign({ ...oidc.claims(audience), exp: Date.now() / 1000 + 60 });
    return {
      context,
      credentials: {
        idToken,
        sts: stsClient(context, 'eu-west-1'),
        mask: (v: string) => masked.push(v)
      }
    };
  }
  const role = parseRoleInputs('arn:aws:iam::111122223333:role/push', '');

  test.each([
    [
      'a private ECR registry',
      '111122223333.dkr.ecr.eu-west-1.amazonaws.com',
      'ECR GetAuthorizationToken → 200'
    ],
    ['ECR Public', 'public.ecr.aws', 'ECR Public GetAuthorizationToken → 200']
  ])(
    '%s: the default GITHUB_TOKEN is passed over for ECR’s token, masked',
    async (_, registry, call) => {
      const login = await registryCredentials(
        { image: { registry }, username: 'octocat', password: 'ghs_default_github_token', role },
        edges()
      );
      expect(login).toEqual({ username: 'AWS', password: aws.registryPasswords.at(-1) });
      expect(aws.calls.slice(-2)).toEqual(['STS AssumeRoleWithWebIdentity → 200', call]);
      expect(masked).toContain(login.password);
    }
  );

  test.each([
    ['another registry', 'ghcr.io', 'octocat'],
    [
      'ECR with username AWS and a password (aws ecr get-login-password)',
      '111122223333.dkr.ecr.eu-west-1.amazonaws.com',
      'AWS'
    ]
  ])('%s: the inputs log in, AWS is not asked', async (_, registry, username) => {
    const before = aws.calls.length;
    const login = await registryCredentials(
      { image: { registry }, username, password: 'given', role },
      edges()
    );
    expect(login).toEqual({ username, password: 'given' });
    expect(aws.calls.length).toBe(before);
  });
});

describe('missingEcrRepository', () => {
  const PRIVATE = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/app';
  test.each<[string, string, string, string | undefined]>([
    [
      'docker push, private ECR',
      PRIVATE,
      "name unknown: The repository with name 'team/app' does not exist in the registry with id '111122223333'",
      'aws ecr create-repository --repository-name team/app --region eu-west-1'
    ],
    [
      "the registry's code",
      PRIVATE,
      'NAME_UNKNOWN: repository not found',
      'aws ecr create-repository --repository-name team/app --region eu-west-1'
    ],
    [
      "ECR's API",
      '111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/app',
      'RepositoryNotFoundException: The repository with name app does not exist',
      'aws ecr create-repository --repository-name app --region cn-north-1'
    ],
    [
      'ECR Public: the alias is not part of the repository name',
      'public.ecr.aws/myalias/app',
      'name unknown: The repository with name app does not exist',
      'aws ecr-public create-repository --repository-name app --region us-east-1'
    ],
    ['another registry', 'ghcr.io/o/app', 'name unknown: repository name not known', undefined],
    ['another ECR failure', PRIVATE, 'denied: not authorized', undefined]
  ])('%s', (_, name, text, command) => {
    const hint = missingEcrRepository(name, text);
    if (command === undefined) expect(hint).toBeUndefined();
    else expect(hint).toContain(`create it once: ${command}`);
  });

  test('explainFailure names the command instead of the generic hints', () => {
    const error = explainFailure(
      'push 111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:v1',
      "name unknown: The repository with name 'app' does not exist in the registry with id '111122223333'",
      {
        registry: '111122223333.dkr.ecr.eu-west-1.amazonaws.com',
        name: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/app',
        eventName: 'push'
      },
      'push'
    );
    expect(error.hint).toMatch(
      /^- The ECR repository does not exist .*aws ecr create-repository --repository-name app --region eu-west-1$/
    );
  });
});
