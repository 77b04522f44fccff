import { expect, test } from '@jest/globals';
import { isSameSite, toolCacheName } from '../src/tool-site.js';

const AWS = 'https://awscli.amazonaws.com';

test.each([
  [AWS, true],
  ['https://AWSCLI.amazonaws.com/', true],
  ['http://awscli.amazonaws.com', true],
  ['https://awscli.amazonaws.com/v2', false],
  ['https://awscli.amazonaws.com:8443', false],
  ['https://awscli.amazonaws.com?x=1', false],
  ['not a url', false]
])('%s is the site %s names: %s', (mirror, want) => expect(isSameSite(mirror, AWS)).toBe(want));

test.each([
  [AWS, 'aws-cli-from-awscli.amazonaws.com'],
  ['https://awscli.amazonaws.com/', 'aws-cli-from-awscli.amazonaws.com'],
  ['http://127.0.0.1:9000/aws', /^aws-cli-from-127\.0\.0\.1-9000-[0-9a-f]{12}$/]
])('aws-cli from %s is cached as %s', (mirror, want) =>
  expect(toolCacheName('aws-cli', mirror, AWS)).toMatch(want)
);
