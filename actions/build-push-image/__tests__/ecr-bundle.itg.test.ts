// The bundle pushing to ECR as a runner runs it: the image is named by ECR's own hosts
// (`111122223333.dkr.ecr.eu-west-1.amazonaws.com`, `public.ecr.aws`), which resolve to a real
// registry on loopback only inside the ECR rig's namespace (test/harness/rigs/aws/ecr-registry.ts), with
// TLS from a CA made for the run. The step and a real dockerd run there; the credentials come
// from the OIDC rig (role-arn) or ambient keys, the registry password from the AWS rig's ECR
// GetAuthorizationToken (AWS_ENDPOINT_URL_ECR), docker logs in with it and pushes; a re-run of
// the commit is skipped (ECR's immutable tags would refuse a second push).
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ECR_PUSH_ROLE, startAwsRig, type AwsRig } from '../../../test/harness/rigs/aws/aws-api.js';
import {
  startEcrRegistry,
  type EcrRegistryRig
} from '../../../test/harness/rigs/aws/ecr-registry.js';
import { startOidcRig, type OidcRig } from '../../../test/harness/rigs/aws/oidc.js';
import { ensureBaseImage } from '../../../test/harness/rigs/base-image.js';
import { startEngine, type EngineRig } from '../../../test/harness/rigs/engine.js';
import type { RunnerJob } from '../../../test/harness/runner.js';
import { MANIFEST_ACCEPT } from '../src/registry.js';
import { buildStep, expectNoSecretAnywhere, type Step } from './bundle-step.js';

const REGION = 'eu-west-1';
const USER = {
  name: 'ci',
  accessKeyId: 'AKIAI44QH8DHBEXAMPLE',
  secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  allow: ['ecr:GetAuthorizationToken', 'ecr-public:GetAuthorizationToken']
};
let oidc: OidcRig | undefined;
let aws: AwsRig | undefined;
let ecr: EcrRegistryRig | undefined;
let engine: EngineRig | undefined;
const jobs: RunnerJob[] = [];

beforeAll(async () => {
  oidc = await startOidcRig();
  aws = await startAwsRig({
    providers: [{ issuer: oidc.issuer, publicKey: oidc.publicKey }],
    roles: [ECR_PUSH_ROLE],
    users: [USER],
    registryPassword: () => rig().ecr.registry.password
  });
  ecr = await startEcrRegistry({
    region: REGION,
    reach: [aws.url, oidc.env.ACTIONS_ID_TOKEN_REQUEST_URL]
  });
  engine = await startEngine({ namespace: ecr.namespace });
  await ensureBaseImage(engine);
}, 600_000);

afterAll(async () => {
  await engine?.stop();
  await ecr?.stop();
  await aws?.stop();
  await oidc?.stop();
  for (const job of jobs) rmSync(job.dir, { recursive: true, force: true });
});

function rig() {
  if (!oidc || !aws || !ecr || !engine) throw new Error('the rig did not start; see beforeAll');
  return { oidc, aws, ecr, engine };
}

type Credentials = 'role' | 'keys';

/** The step inside the namespace, with no password input: ECR's token is the only way in. */
function step(options: {
  host: string;
  repository: string;
  sha: string;
  credentials: Credentials;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
}): Promise<Step> {
  const { oidc, aws, ecr, engine } = rig();
  const credentials: { inputs: Record<string, string>; env: Record<string, string> } =
    options.credentials === 'role'
      ? { inputs: { 'role-arn': aws.roleArn(ECR_PUSH_ROLE.name) }, env: oidc.env }
      : {
          inputs: {},
          env: { AWS_ACCESS_KEY_ID: USER.accessKeyId, AWS_SECRET_ACCESS_KEY: USER.secretAccessKey }
        };
  return buildStep(
    {
      registry: ecr.registry,
      host: options.host,
      repository: options.repository,
      sha: options.sha,
      inputs: { username: '', password: '', ...credentials.inputs, ...options.inputs },
      env: {
        ...engine.env,
        ...ecr.env,
        ...credentials.env,
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL_ECR: aws.url,
        AWS_ENDPOINT_URL_ECR_PUBLIC: aws.url,
        AWS_ENDPOINT_URL_STS: aws.url,
        ...options.env
      },
      inside: ecr.namespace.inside,
      timeoutMs: 300_000
    },
    jobs
  );
}

/** The registry's own word on a tag, asked behind the ECR front (plain HTTP on loopback). */
async function registryDigest(repository: string, tag: string): Promise<string | null> {
  const { registry } = rig().ecr;
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { Accept: MANIFEST_ACCEPT, Authorization: await registry.authorization('') }
  });
  return response.status === 200 ? response.headers.get('docker-content-digest') : null;
}

const newSha = () => randomBytes(20).toString('hex');

describe.each([
  ['private ECR', 'private', 'basickapp/app', 'ECR'],
  ['ECR Public', 'public', 'basickapp/web', 'ECR Public']
] as const)('build-push-image bundle to %s', (_, kind, repository, service) => {
  const host = () => (kind === 'private' ? rig().ecr.privateHost : rig().ecr.publicHost);
  const sha = newSha();
  let first: Step;

  beforeAll(async () => {
    await rig().ecr.createRepository(host(), repository);
  });

  test('role-arn + OIDC: an ECR token from GetAuthorizationToken logs docker in, and it pushes', async () => {
    const calls = rig().aws.calls.length;
    first = await step({
      host: host(),
      repository,
      sha,
      credentials: 'role',
      env: { RUNNER_DEBUG: '1' }
    });
    const { main } = first;
    expect(main.errors).toEqual([]);
    expect(main.exitCode).toBe(0);
    expect(main.stdout).toContain('aws: credentials from');
    expect(main.stdout).toContain(`ecr: logged in to ${host()} with an ECR authorization token`);
    expect(rig().aws.calls.slice(calls)).toEqual([
      'STS AssumeRoleWithWebIdentity → 200',
      `${service} GetAuthorizationToken → 200`
    ]);
    expect(main.outputs).toMatchObject({ skipped: 'false', 'image-ref': expect.any(String) });
    expect(main.outputs.digest).toBe(await registryDigest(repository, sha));
    expect(first.post.exitCode).toBe(0);
  });

  test('no registry password, AWS key or session token is in any log (debug on), output or file', () => {
    const { aws } = rig();
    expectNoSecretAnywhere(first, rig().ecr.registry.password);
    const issued = aws.issued[aws.issued.length - 1];
    expectNoSecretAnywhere(first, issued.secretAccessKey);
    expectNoSecretAnywhere(first, issued.sessionToken);
  });

  test('ambient keys: a re-run of the commit finds the tag in ECR and skips, same digest', async () => {
    const again = await step({ host: host(), repository, sha, credentials: 'keys' });
    expect(again.main.errors).toEqual([]);
    expect(again.main.exitCode).toBe(0);
    expect(again.main.stdout).toContain('aws: credentials from');
    expect(again.main.outputs.skipped).toBe('true');
    expect(again.main.outputs.digest).toBe(first.main.outputs.digest);
    expectNoSecretAnywhere(again, USER.secretAccessKey);
  });

  test.each([
    ["before any build (the skip-existing check reads ECR's NAME_UNKNOWN)", {}, false],
    ['at the push with force: true (no check first)', { force: 'true' }, true]
  ])(
    'a repository never created is named with the command that creates it: %s',
    async (_, inputs, builds) => {
      const missing = `${repository}-missing`;
      const run = await step({
        host: host(),
        repository: missing,
        sha: newSha(),
        credentials: 'keys',
        inputs
      });
      expect(run.main.exitCode).toBe(1);
      const [, path] = missing.split(/\/(.*)/);
      const command =
        kind === 'private'
          ? `aws ecr create-repository --repository-name ${missing} --region ${REGION}`
          : `aws ecr-public create-repository --repository-name ${path} --region us-east-1`;
      expect(run.main.errors.join('\n')).toContain(command);
      expect(run.main.stdout.includes('::group::Build')).toBe(builds);
    }
  );
});
