import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { grant, libtrustKeyId, parseScope, signToken, type Account } from './token-server.js';

describe('parseScope', () => {
  test.each([
    ['repository:org/app:pull', { type: 'repository', name: 'org/app', actions: ['pull'] }],
    [
      'repository:org/app:pull,push',
      { type: 'repository', name: 'org/app', actions: ['pull', 'push'] }
    ],
    ['registry:catalog:*', { type: 'registry', name: 'catalog', actions: ['*'] }],
    ['repository:org/app', undefined],
    ['nonsense', undefined]
  ])('%s', (scope, want) => expect(parseScope(scope)).toEqual(want));
});

describe('grant', () => {
  const pusher: Account = { username: 'u', password: 'p', rights: 'push' };
  const reader: Account = { ...pusher, rights: 'pull' };
  const wants = [
    { type: 'repository', name: 'org/app', actions: ['pull', 'push', 'delete'] },
    { type: 'registry', name: 'catalog', actions: ['*'] }
  ];
  test.each([
    [pusher, ['pull', 'push']],
    [reader, ['pull']]
  ])('%o gets repository actions %o, never the catalog or delete', (account, actions) =>
    expect(grant(account, wants)).toEqual([{ type: 'repository', name: 'org/app', actions }])
  );
});

describe('libtrustKeyId and signToken', () => {
  test('the key ID is 12 groups of 4 base32 characters of the key sha256', () => {
    expect(libtrustKeyId(Buffer.from('key'))).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    expect(libtrustKeyId(Buffer.from('key'))).not.toBe(libtrustKeyId(Buffer.from('other')));
  });

  test('an ES256 JWT with the claims the registry reads, verifiable with the public key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const now = new Date('2026-01-01T00:00:00Z');
    const access = [{ type: 'repository', name: 'org/app', actions: ['pull'] }];
    const jwt = signToken(
      { kid: 'KID', privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() },
      { issuer: 'iss', service: 'svc', subject: 'octocat', access },
      now,
      300
    );
    const [header, payload, signature] = jwt.split('.');
    const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    expect(decode(header)).toEqual({ typ: 'JWT', alg: 'ES256', kid: 'KID' });
    expect(decode(payload)).toMatchObject({
      iss: 'iss',
      aud: 'svc',
      sub: 'octocat',
      iat: 1767225600,
      exp: 1767225900,
      access
    });
    const ok = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      {
        key: createPublicKey(publicKey.export({ format: 'pem', type: 'spki' })),
        dsaEncoding: 'ieee-p1363'
      },
      Buffer.from(signature, 'base64url')
    );
    expect(ok).toBe(true);
  });
});
