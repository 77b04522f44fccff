// reviewToken: what the rig's TokenReview webhook answers, over tokens signed the way the
// action (and `aws eks get-token`) signs them.
import { expect, test } from '@jest/globals';
import { signEksToken } from '../../../actions/deploy-chart/src/cluster/eks-token.js';
import { adminUser, reviewToken, type AccessEntry, type Review } from './eks-authenticator.js';

const now = new Date('2026-12-01T09:00:00Z');
const admin = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
};
const deploy = {
  accessKeyId: 'AKIAI44QH8DHBEXAMPLE',
  secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY'
};
const entries: AccessEntry[] = [
  { arn: 'arn:aws:iam::111122223333:user/admin', credentials: admin, groups: ['system:masters'] },
  {
    arn: 'arn:aws:iam::111122223333:user/github-deploy',
    credentials: deploy,
    groups: ['basickapp:deployers'],
    username: 'github-deploy'
  }
];
const staticTokens = new Map([['static-token', { ...adminUser('rig-admin'), uid: 'u1' }]]);

const sign = (credentials: typeof admin, clusterName = 'basickapp', at = now) =>
  signEksToken({ clusterName, region: 'eu-west-1', ...credentials }, at).token ?? '';

const who = (review: Review) =>
  review.authenticated
    ? `${review.user.username} [${review.user.groups.join(',')}]`
    : `refused: ${review.error}`;

test.each([
  ['the admin key', sign(admin), 'arn:aws:iam::111122223333:user/admin [system:masters]'],
  [
    'the deploy key, its entry naming the user',
    sign(deploy),
    'github-deploy [basickapp:deployers]'
  ],
  ['a static token of the rig', 'static-token', 'rig-admin [system:masters]'],
  [
    'an unknown key',
    sign({ ...deploy, accessKeyId: 'AKIAUNKNOWNEXAMPLE00' }),
    'refused: no access entry of this cluster has the access key that signed the token'
  ],
  [
    'the admin key with a wrong secret',
    sign({ ...admin, secretAccessKey: 'x'.repeat(40) }),
    'refused: signature does not match: the token was signed for another cluster than "basickapp" or with another secret key'
  ],
  [
    'a token for another cluster',
    sign(admin, 'other'),
    'refused: signature does not match: the token was signed for another cluster than "basickapp" or with another secret key'
  ],
  [
    'a token signed 16 minutes ago',
    sign(admin, 'basickapp', new Date(now.getTime() - 16 * 60_000)),
    'refused: token expired: signed at 20261201T084400Z, valid for 15 minutes'
  ],
  [
    'a bearer token nobody issued',
    'some-token',
    'refused: not an EKS token and not a token of this cluster'
  ]
])('%s', (_, token, want) => {
  expect(who(reviewToken(token, { clusterName: 'basickapp', entries, staticTokens, now }))).toBe(
    want
  );
});

test('an EKS user carries the uid and extra fields EKS gives it', () => {
  const review = reviewToken(sign(deploy), {
    clusterName: 'basickapp',
    entries,
    staticTokens,
    now
  });
  expect(review).toEqual({
    authenticated: true,
    user: {
      username: 'github-deploy',
      uid: 'aws-iam-authenticator:111122223333:AKIAI44QH8DHBEXAMPLE',
      groups: ['basickapp:deployers'],
      extra: {
        accessKeyId: ['AKIAI44QH8DHBEXAMPLE'],
        arn: ['arn:aws:iam::111122223333:user/github-deploy'],
        canonicalArn: ['arn:aws:iam::111122223333:user/github-deploy']
      }
    }
  });
});
