import { beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { testIdentityArn, tokenPrefix, verifyEksToken } from '../eks-token.js';

const execFileAsync = promisify(execFile);
// Real AWS secret keys carry '/' and '+', which the canonical query must encode.
const credentials = {
  accessKeyId: 'AKIAEMULATOR0000TEST',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEMULATORKEY'
};
const clusterName = 'basickapp';

/** A token from the real `aws eks get-token`, isolated from any local AWS configuration. */
async function awsGetToken(region: string, extraEnv: Record<string, string> = {}): Promise<string> {
  const { stdout } = await execFileAsync(
    'aws',
    ['--region', region, 'eks', 'get-token', '--cluster-name', clusterName],
    { env: { ...isolatedAwsEnv(), ...extraEnv }, timeout: 60_000 }
  );
  return JSON.parse(stdout).status.token;
}

/**
 * A validly signed GetCallerIdentity token that does NOT sign x-k8s-aws-id, as a client
 * unaware of EKS would make it: presigned by botocore itself, the library the aws CLI uses.
 */
async function botocoreTokenWithoutClusterHeader(region: string): Promise<string> {
  const script = [
    'import base64, botocore.session',
    `client = botocore.session.get_session().create_client('sts', region_name='${region}')`,
    "url = client.generate_presigned_url('get_caller_identity', Params={}, ExpiresIn=60, HttpMethod='GET')",
    `print('${tokenPrefix}' + base64.urlsafe_b64encode(url.encode()).decode().rstrip('='))`
  ].join('\n');
  const { stdout } = await execFileAsync('python3', ['-c', script], {
    env: isolatedAwsEnv(),
    timeout: 60_000
  });
  return stdout.trim();
}

function isolatedAwsEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey
  };
}

const decode = (token: string) =>
  new URL(Buffer.from(token.slice(tokenPrefix.length), 'base64url').toString());
const encode = (url: URL | string) =>
  tokenPrefix + Buffer.from(url.toString()).toString('base64url');
/** The fresh eu-west-1 token with its presigned URL rewritten (signature left as it was). */
const editUrl = (edit: (url: URL) => void) => () => {
  const url = decode(tokens.euWest1);
  edit(url);
  return encode(url);
};
const signedAt = (token: string) => {
  const d = decode(token).searchParams.get('X-Amz-Date') ?? '';
  return Date.parse(
    `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`
  );
};
const minutes = (n: number) => n * 60 * 1000;

const tokens: Record<'euWest1' | 'usEast1' | 'session' | 'unsignedCluster', string> = {
  euWest1: '',
  usEast1: '',
  session: '',
  unsignedCluster: ''
};

beforeAll(async () => {
  [tokens.euWest1, tokens.usEast1, tokens.session, tokens.unsignedCluster] = await Promise.all([
    awsGetToken('eu-west-1'),
    awsGetToken('us-east-1'),
    awsGetToken('eu-west-1', { AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEMULATED//session+token==' }),
    botocoreTokenWithoutClusterHeader('eu-west-1')
  ]);
});

describe('what the real aws CLI produces', () => {
  test('a k8s-aws-v1 token over a presigned STS GetCallerIdentity URL that signs x-k8s-aws-id', () => {
    const url = decode(tokens.euWest1);
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com');
    expect([...url.searchParams.keys()]).toEqual([
      'Action',
      'Version',
      'X-Amz-Algorithm',
      'X-Amz-Credential',
      'X-Amz-Date',
      'X-Amz-Expires',
      'X-Amz-SignedHeaders',
      'X-Amz-Signature'
    ]);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIAEMULATOR0000TEST\/\d{8}\/eu-west-1\/sts\/aws4_request$/
    );
  });
});

type Case = [
  name: string,
  token: () => string,
  options: {
    clusterName?: string;
    accessKeyId?: string;
    secretAccessKey?: string;
    nowMs?: (signed: number) => number;
  },
  want: RegExp | 'ok'
];

const cases: Case[] = [
  ['a fresh real token', () => tokens.euWest1, {}, 'ok'],
  ['a real token for us-east-1', () => tokens.usEast1, {}, 'ok'],
  [
    'a real token made with temporary credentials (X-Amz-Security-Token)',
    () => tokens.session,
    {},
    'ok'
  ],
  [
    'a real token just before its 15 minutes are up',
    () => tokens.euWest1,
    { nowMs: (t) => t + minutes(15) },
    'ok'
  ],
  [
    'a real token after 15 minutes',
    () => tokens.euWest1,
    { nowMs: (t) => t + minutes(15) + 1000 },
    /^token expired: signed at \d{8}T\d{6}Z, valid for 15 minutes$/
  ],
  [
    'a real token dated 16 minutes ahead of the server clock',
    () => tokens.euWest1,
    { nowMs: (t) => t - minutes(16) },
    /^token is not valid yet/
  ],
  [
    'a real token for another cluster name',
    () => tokens.euWest1,
    { clusterName: 'other-cluster' },
    /^signature does not match: .*another cluster than "other-cluster"/
  ],
  [
    'a real token signed with another secret key',
    () => tokens.euWest1,
    { secretAccessKey: 'not-the-key' },
    /^signature does not match/
  ],
  [
    'a real token from an access key the cluster does not know',
    () => tokens.euWest1,
    { accessKeyId: 'AKIAOTHER' },
    /^access key "AKIAEMULATOR0000TEST" is unknown to this cluster$/
  ],
  [
    'a token without the prefix',
    () => tokens.euWest1.slice(tokenPrefix.length),
    {},
    /^token is missing the "k8s-aws-v1\." prefix$/
  ],
  [
    'a token with another version prefix',
    () => tokens.euWest1.replace('k8s-aws-v1.', 'k8s-aws-v2.'),
    {},
    /missing the "k8s-aws-v1\." prefix/
  ],
  [
    'a token with a character outside base64url',
    () => tokens.euWest1.replace(/(.{40})/, '$1*'),
    {},
    /^token is not unpadded base64url/
  ],
  [
    'a token with base64 padding',
    () => tokens.euWest1 + '=',
    {},
    /^token is not unpadded base64url/
  ],
  [
    'a token longer than 4 KiB',
    () => tokens.euWest1 + 'A'.repeat(4096),
    {},
    /^token is longer than 4096 bytes$/
  ],
  [
    'a token truncated to its first 64 base64 characters',
    () => tokens.euWest1.slice(0, tokenPrefix.length + 64),
    {},
    /^presigned URL action is "GetC", not GetCallerIdentity$/
  ],
  [
    'a token that decodes to something else than a URL',
    () => encode('not a url at all'),
    {},
    /^token does not decode to a URL$/
  ],
  ['a token over http://', editUrl((u) => (u.protocol = 'http:')), {}, /scheme is not https/],
  [
    'a token for a host that is not STS',
    editUrl((u) => (u.host = 'sts.eu-west-1.amazonaws.com.evil.example')),
    {},
    /host "sts\.eu-west-1\.amazonaws\.com\.evil\.example" is not an AWS STS endpoint/
  ],
  [
    'a token with another path',
    editUrl((u) => (u.pathname = '/x')),
    {},
    /^presigned URL path is not "\/"$/
  ],
  [
    'a token for another action',
    editUrl((u) => u.searchParams.set('Action', 'AssumeRole')),
    {},
    /^presigned URL action is "AssumeRole", not GetCallerIdentity$/
  ],
  [
    'a token with an extra query parameter',
    editUrl((u) => u.searchParams.append('Foo', 'bar')),
    {},
    /query parameter "Foo"/
  ],
  [
    'a token with a repeated query parameter',
    editUrl((u) => u.searchParams.append('Action', 'GetCallerIdentity')),
    {},
    /repeats the query parameter "Action"/
  ],
  [
    'a token whose signed headers were edited to drop x-k8s-aws-id',
    editUrl((u) => u.searchParams.set('X-Amz-SignedHeaders', 'host')),
    {},
    /^presigned URL does not sign the x-k8s-aws-id header/
  ],
  [
    'a validly signed botocore token that never signed x-k8s-aws-id',
    () => tokens.unsignedCluster,
    {},
    /^presigned URL does not sign the x-k8s-aws-id header/
  ],
  [
    'a token with X-Amz-Expires over 900',
    editUrl((u) => u.searchParams.set('X-Amz-Expires', '901')),
    {},
    /X-Amz-Expires is not a number of seconds from 0 to 900/
  ],
  [
    'a token with a malformed X-Amz-Date',
    editUrl((u) => u.searchParams.set('X-Amz-Date', '2026-11-25')),
    {},
    /X-Amz-Date "2026-11-25" is not YYYYMMDDTHHMMSSZ/
  ],
  [
    'a token with its signature changed',
    editUrl((u) =>
      u.searchParams.set('X-Amz-Signature', flipHex(u.searchParams.get('X-Amz-Signature') ?? ''))
    ),
    {},
    /^signature does not match/
  ],
  [
    'a token whose URL was edited after signing',
    editUrl((u) => u.searchParams.set('Version', '2011-06-16')),
    {},
    /^signature does not match/
  ],
  [
    'a token signed for eu-west-1 but addressed to the STS endpoint of us-east-1',
    editUrl((u) => (u.host = 'sts.us-east-1.amazonaws.com')),
    {},
    /^presigned URL is signed for region "eu-west-1" but addressed to STS in "us-east-1"$/
  ],
  [
    'a token signed for eu-west-1 but addressed to the global STS endpoint',
    editUrl((u) => (u.host = 'sts.amazonaws.com')),
    {},
    /^presigned URL is signed for region "eu-west-1" but addressed to STS in "us-east-1"$/
  ],
  [
    'a token with a credential scope for another service',
    editUrl((u) =>
      u.searchParams.set(
        'X-Amz-Credential',
        (u.searchParams.get('X-Amz-Credential') ?? '').replace('/sts/', '/s3/')
      )
    ),
    {},
    /X-Amz-Credential is not <key>\/<date>\/<region>\/sts\/aws4_request/
  ]
];

describe('verifyEksToken', () => {
  test.each(cases)('%s', (_name, token, options, want) => {
    const t = token();
    const verdict = verifyEksToken(t, {
      clusterName: options.clusterName ?? clusterName,
      credentials: {
        accessKeyId: options.accessKeyId ?? credentials.accessKeyId,
        secretAccessKey: options.secretAccessKey ?? credentials.secretAccessKey
      },
      now: new Date(options.nowMs ? options.nowMs(signedAt(tokens.euWest1)) : Date.now())
    });
    if (want === 'ok') {
      expect(verdict).toEqual({
        ok: true,
        arn: testIdentityArn,
        accessKeyId: credentials.accessKeyId
      });
    } else {
      expect(verdict.ok).toBe(false);
      expect(verdict.ok ? '' : verdict.reason).toMatch(want);
    }
  });

  test('never echoes the secret key in a reason', () => {
    const verdict = verifyEksToken(tokens.euWest1, {
      clusterName: 'other',
      credentials,
      now: new Date(signedAt(tokens.euWest1))
    });
    expect(JSON.stringify(verdict)).not.toContain(credentials.secretAccessKey);
  });
});

function flipHex(hex: string): string {
  return (hex[0] === '0' ? '1' : '0') + hex.slice(1);
}
