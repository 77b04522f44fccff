// The one SigV4 signer, checked two independent ways: AWS's published test-suite vectors
// (sigv4-suite.json, its source noted there) and the real aws CLI as an oracle. The CLI sends
// its signed requests to a loopback capture server; each is signed again here with the CLI's
// own X-Amz-Date and headers, and the Authorization headers must be identical.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import {
  canonicalRequest,
  presignUrl,
  sha256Hex,
  signRequest,
  uriEncode,
  type AwsCredentials
} from '../../src/aws/sigv4.js';

interface SuiteCase {
  name: string;
  method: string;
  path: string;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  body?: string;
  sessionToken?: string;
  creq?: string;
  authorization: string;
}
const suite = JSON.parse(readFileSync(new URL('./sigv4-suite.json', import.meta.url), 'utf8')) as {
  region: string;
  service: string;
  credentials: AwsCredentials;
  signingDate: string;
  cases: SuiteCase[];
};

function suiteUrl(c: SuiteCase): string {
  const query = c.query.map(([n, v]) => `${uriEncode(n)}=${uriEncode(v)}`).join('&');
  return `https://example.amazonaws.com${c.path}${query ? `?${query}` : ''}`;
}

describe('AWS SigV4 test suite', () => {
  test.each(suite.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const signed = signRequest(
      { method: c.method, url: suiteUrl(c), headers: c.headers, body: c.body },
      {
        credentials: { ...suite.credentials, sessionToken: c.sessionToken },
        service: suite.service,
        region: suite.region,
        now: new Date(suite.signingDate)
      }
    );
    expect(signed.headers.authorization).toBe(c.authorization);
    expect(signed.headers['x-amz-date']).toBe('20150830T123600Z');
    if (c.sessionToken) expect(signed.headers['x-amz-security-token']).toBe(c.sessionToken);
    if (c.creq) {
      const url = new URL(suiteUrl(c));
      const { text } = canonicalRequest({
        method: c.method,
        url,
        headers: { host: url.host, 'x-amz-date': '20150830T123600Z', ...c.headers },
        query: [...url.searchParams],
        payloadHash: sha256Hex(c.body ?? '')
      });
      expect(text).toBe(c.creq);
    }
  });
});

// The aws CLI as the oracle.
const KEYS: AwsCredentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
};
const SESSION = { ...KEYS, sessionToken: 'FwoGZXIvYXdzEXAMPLE//session+token/==' };

interface Captured {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What each service answers, enough for the CLI to accept it and not retry. */
function answer(request: IncomingMessage, body: string): { type: string; body: string } {
  const target = String(request.headers['x-amz-target'] ?? '');
  if (target.endsWith('GetAuthorizationToken')) {
    return {
      type: 'application/x-amz-json-1.1',
      // ECR answers a list, ECR Public (SpencerFrontendService) one object.
      body: JSON.stringify({ authorizationData: target.startsWith('Spencer') ? {} : [] })
    };
  }
  if (request.url?.startsWith('/clusters/')) {
    return { type: 'application/json', body: JSON.stringify({ cluster: { name: 'c' } }) };
  }
  const action = /Action=(\w+)/.exec(body)?.[1] ?? '';
  return {
    type: 'text/xml',
    body: `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result><Arn>arn:aws:iam::1:user/x</Arn><UserId>x</UserId><Account>1</Account></${action}Result></${action}Response>`
  };
}

let server: Server;
let endpoint: string;
const captured: Captured[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      captured.push({
        method: request.method ?? '',
        url: `${endpoint}${request.url ?? ''}`,
        headers: Object.fromEntries(
          Object.entries(request.headers).map(([k, v]) => [k, String(v)])
        ),
        body
      });
      const reply = answer(request, body);
      response.writeHead(200, { 'content-type': reply.type }).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Runs the aws CLI with only these credentials (no config or credentials file) and captures its request. */
async function viaCli(args: string[], credentials: AwsCredentials): Promise<Captured> {
  const before = captured.length;
  await promisify(execFile)('aws', [...args, '--endpoint-url', endpoint, '--output', 'json'], {
    env: {
      PATH: process.env.PATH,
      HOME: '/nonexistent',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
      AWS_MAX_ATTEMPTS: '1',
      AWS_EC2_METADATA_DISABLED: 'true'
    }
  });
  expect(captured.length).toBe(before + 1);
  return captured[before];
}

/** The CLI's signed header names, minus those the signer adds itself. */
function callerHeaders(request: Captured): Record<string, string> {
  const signed = /SignedHeaders=([^,]+)/.exec(request.headers.authorization)?.[1] ?? '';
  const own = new Set(['host', 'x-amz-date', 'x-amz-security-token']);
  return Object.fromEntries(
    signed
      .split(';')
      .filter((name) => !own.has(name))
      .map((name) => [name, request.headers[name]])
  );
}

function parseAmzDate(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) throw new Error(`not an X-Amz-Date: ${value}`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
}

describe('the real aws CLI signs as we do', () => {
  test.each<[string, string[], string, string, AwsCredentials]>([
    ['STS GetCallerIdentity (query API)', ['sts', 'get-caller-identity'], 'sts', 'eu-west-1', KEYS],
    ['STS with a session token', ['sts', 'get-caller-identity'], 'sts', 'us-east-2', SESSION],
    [
      'EKS DescribeCluster (REST JSON)',
      ['eks', 'describe-cluster', '--name', 'basickapp'],
      'eks',
      'eu-west-1',
      SESSION
    ],
    [
      'ECR GetAuthorizationToken (JSON 1.1)',
      ['ecr', 'get-authorization-token'],
      'ecr',
      'eu-central-1',
      KEYS
    ],
    [
      'ECR Public GetAuthorizationToken',
      ['ecr-public', 'get-authorization-token'],
      'ecr-public',
      'us-east-1',
      SESSION
    ],
    ['a China region', ['sts', 'get-caller-identity'], 'sts', 'cn-north-1', KEYS],
    ['a GovCloud region', ['eks', 'describe-cluster', '--name', 'x'], 'eks', 'us-gov-west-1', KEYS]
  ])('%s', async (_, args, service, region, credentials) => {
    const request = await viaCli([...args, '--region', region], credentials);
    const ours = signRequest(
      {
        method: request.method,
        url: request.url,
        headers: callerHeaders(request),
        body: request.body
      },
      { credentials, service, region, now: parseAmzDate(request.headers['x-amz-date']) }
    );
    expect(ours.headers.authorization).toBe(request.headers.authorization);
    if (credentials.sessionToken) {
      expect(request.headers['x-amz-security-token']).toBe(credentials.sessionToken);
    }
  });
});

describe('presignUrl', () => {
  const scope = {
    credentials: SESSION,
    service: 'sts',
    region: 'eu-west-1',
    now: new Date('2026-11-25T10:00:00Z')
  };

  test("keeps botocore's parameter order: the URL's own, X-Amz-*, the session token, the signature", () => {
    const url = new URL(
      presignUrl(
        'https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15',
        scope,
        {
          expiresSeconds: 60,
          headers: { 'X-K8s-Aws-Id': 'basickapp' }
        }
      )
    );
    expect([...url.searchParams.keys()]).toEqual([
      'Action',
      'Version',
      'X-Amz-Algorithm',
      'X-Amz-Credential',
      'X-Amz-Date',
      'X-Amz-Expires',
      'X-Amz-SignedHeaders',
      'X-Amz-Security-Token',
      'X-Amz-Signature'
    ]);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(url.searchParams.get('X-Amz-Credential')).toBe(
      'AKIAIOSFODNN7EXAMPLE/20261125/eu-west-1/sts/aws4_request'
    );
  });

  test('the signature covers the signed header: another value signs differently', () => {
    const sign = (cluster: string) =>
      new URL(
        presignUrl('https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity', scope, {
          expiresSeconds: 60,
          headers: { 'x-k8s-aws-id': cluster }
        })
      ).searchParams.get('X-Amz-Signature');
    expect(sign('a')).toMatch(/^[0-9a-f]{64}$/);
    expect(sign('a')).not.toBe(sign('b'));
  });
});
