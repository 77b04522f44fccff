import { describe, expect, test } from '@jest/globals';
import {
  awsEndpoint,
  partitionOf,
  resolveRegion,
  type AwsEndpoint,
  type AwsService
} from '../../src/aws/endpoints.js';

describe('awsEndpoint', () => {
  test.each<[string, AwsService, string, NodeJS.ProcessEnv, AwsEndpoint]>([
    [
      'STS, regional',
      'sts',
      'eu-west-1',
      {},
      { url: 'https://sts.eu-west-1.amazonaws.com', signingRegion: 'eu-west-1', signingName: 'sts' }
    ],
    [
      'STS in us-east-1 is regional too',
      'sts',
      'us-east-1',
      {},
      { url: 'https://sts.us-east-1.amazonaws.com', signingRegion: 'us-east-1', signingName: 'sts' }
    ],
    [
      'EKS',
      'eks',
      'ap-southeast-2',
      {},
      {
        url: 'https://eks.ap-southeast-2.amazonaws.com',
        signingRegion: 'ap-southeast-2',
        signingName: 'eks'
      }
    ],
    [
      'ECR',
      'ecr',
      'eu-central-1',
      {},
      {
        url: 'https://api.ecr.eu-central-1.amazonaws.com',
        signingRegion: 'eu-central-1',
        signingName: 'ecr'
      }
    ],
    [
      'ECR Public is us-east-1 whatever the region',
      'ecr-public',
      'eu-west-1',
      {},
      {
        url: 'https://api.ecr-public.us-east-1.amazonaws.com',
        signingRegion: 'us-east-1',
        signingName: 'ecr-public'
      }
    ],
    [
      'China: EKS',
      'eks',
      'cn-north-1',
      {},
      {
        url: 'https://eks.cn-north-1.amazonaws.com.cn',
        signingRegion: 'cn-north-1',
        signingName: 'eks'
      }
    ],
    [
      'China: STS',
      'sts',
      'cn-northwest-1',
      {},
      {
        url: 'https://sts.cn-northwest-1.amazonaws.com.cn',
        signingRegion: 'cn-northwest-1',
        signingName: 'sts'
      }
    ],
    [
      'China: ECR',
      'ecr',
      'cn-north-1',
      {},
      {
        url: 'https://api.ecr.cn-north-1.amazonaws.com.cn',
        signingRegion: 'cn-north-1',
        signingName: 'ecr'
      }
    ],
    [
      'GovCloud: EKS',
      'eks',
      'us-gov-west-1',
      {},
      {
        url: 'https://eks.us-gov-west-1.amazonaws.com',
        signingRegion: 'us-gov-west-1',
        signingName: 'eks'
      }
    ],
    [
      'GovCloud: STS',
      'sts',
      'us-gov-east-1',
      {},
      {
        url: 'https://sts.us-gov-east-1.amazonaws.com',
        signingRegion: 'us-gov-east-1',
        signingName: 'sts'
      }
    ],
    [
      'AWS_ENDPOINT_URL for every service',
      'eks',
      'eu-west-1',
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:9000/' },
      { url: 'http://127.0.0.1:9000', signingRegion: 'eu-west-1', signingName: 'eks' }
    ],
    [
      'AWS_ENDPOINT_URL_EKS wins over AWS_ENDPOINT_URL',
      'eks',
      'eu-west-1',
      { AWS_ENDPOINT_URL: 'http://a', AWS_ENDPOINT_URL_EKS: 'http://b' },
      { url: 'http://b', signingRegion: 'eu-west-1', signingName: 'eks' }
    ],
    [
      'AWS_ENDPOINT_URL_STS only for STS',
      'eks',
      'eu-west-1',
      { AWS_ENDPOINT_URL_STS: 'http://sts' },
      { url: 'https://eks.eu-west-1.amazonaws.com', signingRegion: 'eu-west-1', signingName: 'eks' }
    ],
    [
      'AWS_ENDPOINT_URL_STS (a VPC endpoint)',
      'sts',
      'eu-west-1',
      { AWS_ENDPOINT_URL_STS: 'https://vpce-1.sts.eu-west-1.vpce.amazonaws.com' },
      {
        url: 'https://vpce-1.sts.eu-west-1.vpce.amazonaws.com',
        signingRegion: 'eu-west-1',
        signingName: 'sts'
      }
    ],
    [
      'AWS_ENDPOINT_URL_ECR',
      'ecr',
      'eu-west-1',
      { AWS_ENDPOINT_URL_ECR: 'http://127.0.0.1:1' },
      { url: 'http://127.0.0.1:1', signingRegion: 'eu-west-1', signingName: 'ecr' }
    ],
    [
      'AWS_ENDPOINT_URL_ECR_PUBLIC, still signed for us-east-1',
      'ecr-public',
      'eu-west-1',
      { AWS_ENDPOINT_URL_ECR_PUBLIC: 'http://127.0.0.1:2' },
      { url: 'http://127.0.0.1:2', signingRegion: 'us-east-1', signingName: 'ecr-public' }
    ],
    [
      'an override reaches regions outside the known partitions',
      'sts',
      'us-iso-east-1',
      { AWS_ENDPOINT_URL_STS: 'https://sts.iso' },
      { url: 'https://sts.iso', signingRegion: 'us-iso-east-1', signingName: 'sts' }
    ]
  ])('%s', (_, service, region, env, want) => {
    expect(awsEndpoint(service, region, env)).toEqual(want);
  });

  test.each<[AwsService, string, RegExp]>([
    ['eks', 'us-iso-east-1', /outside the partitions.*AWS_ENDPOINT_URL_EKS/],
    ['sts', 'mars-1', /outside the partitions.*AWS_ENDPOINT_URL_STS/],
    ['ecr-public', 'cn-north-1', /only in the aws partition, not in aws-cn/],
    ['ecr-public', 'us-gov-west-1', /not in aws-us-gov/]
  ])('%s in %s is refused', (service, region, why) => {
    expect(() => awsEndpoint(service, region, {})).toThrow(why);
  });
});

test.each([
  ['eu-west-1', 'aws'],
  ['cn-north-1', 'aws-cn'],
  ['us-gov-west-1', 'aws-us-gov'],
  ['us-iso-east-1', undefined],
  ['EU-WEST-1', undefined]
])('partition of %s is %s', (region, want) => expect(partitionOf(region)).toBe(want));

test.each<[string, string | undefined, NodeJS.ProcessEnv, string | undefined]>([
  ['the input first', 'eu-west-1', { AWS_REGION: 'us-east-1' }, 'eu-west-1'],
  [
    'then AWS_REGION',
    '',
    { AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-2' },
    'us-east-1'
  ],
  ['then AWS_DEFAULT_REGION', undefined, { AWS_DEFAULT_REGION: 'us-east-2' }, 'us-east-2'],
  ['none', '', {}, undefined]
])('region: %s', (_, input, env, want) => expect(resolveRegion(input, env)).toBe(want));
