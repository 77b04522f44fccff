// Which URL an AWS call goes to, and which region signs it: the AWS SDKs' rules, as a pure
// function of service + region + environment. Service-specific AWS_ENDPOINT_URL_<SERVICE>
// wins over AWS_ENDPOINT_URL, which wins over the partition's default host, so tests,
// VPC-endpoint, GovCloud and China users can point each call elsewhere.

export type AwsService = 'sts' | 'eks' | 'ecr' | 'ecr-public';

export interface AwsEndpoint {
  /** Origin (and base path, if an override has one) without a trailing slash. */
  url: string;
  /** The region in the credential scope. */
  signingRegion: string;
  /** The service name in the credential scope. */
  signingName: AwsService;
}

/** The SDKs' variable for each service: AWS_ENDPOINT_URL_ + service id upper-cased, `_` for spaces. */
const ENDPOINT_VARIABLE: Record<AwsService, string> = {
  sts: 'AWS_ENDPOINT_URL_STS',
  eks: 'AWS_ENDPOINT_URL_EKS',
  ecr: 'AWS_ENDPOINT_URL_ECR',
  'ecr-public': 'AWS_ENDPOINT_URL_ECR_PUBLIC'
};

/** ECR Public has one API endpoint, in us-east-1, for every registry. */
export const ECR_PUBLIC_REGION = 'us-east-1';

export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov';

/** The region's partition, or undefined outside aws, aws-cn and aws-us-gov (e.g. the ISO ones). */
export function partitionOf(region: string): Partition | undefined {
  if (/^cn-[a-z]+-\d+$/.test(region)) return 'aws-cn';
  if (/^us-gov-[a-z]+-\d+$/.test(region)) return 'aws-us-gov';
  if (/^[a-z]{2}-[a-z]+-\d+$/.test(region)) return 'aws';
  return undefined;
}

/** The partition's DNS suffix, or undefined for regions outside the known partitions. */
export function partitionSuffix(region: string): string | undefined {
  const partition = partitionOf(region);
  return partition && (partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com');
}

/** The region given as an input, else AWS_REGION, else AWS_DEFAULT_REGION. Pure. */
export function resolveRegion(
  input: string | undefined,
  env: NodeJS.ProcessEnv
): string | undefined {
  return input || env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
}

function override(service: AwsService, env: NodeJS.ProcessEnv): string | undefined {
  const value = env[ENDPOINT_VARIABLE[service]] || env.AWS_ENDPOINT_URL;
  return value ? value.replace(/\/+$/, '') : undefined;
}

/** Where `service` is called for `region`, and how the call is signed. Pure; throws for unknown partitions. */
export function awsEndpoint(
  service: AwsService,
  region: string,
  env: NodeJS.ProcessEnv
): AwsEndpoint {
  const signingRegion = service === 'ecr-public' ? ECR_PUBLIC_REGION : region;
  const url = override(service, env);
  if (url) return { url, signingRegion, signingName: service };
  const suffix = partitionSuffix(region);
  if (!suffix) {
    throw new Error(
      `region "${region}" is outside the partitions known here (aws, aws-cn, aws-us-gov); set ${ENDPOINT_VARIABLE[service]} to the ${service} endpoint`
    );
  }
  if (service === 'ecr-public' && partitionOf(region) !== 'aws') {
    throw new Error(
      `ECR Public (public.ecr.aws) is only in the aws partition, not in ${partitionOf(region)} (region "${region}")`
    );
  }
  const host = {
    sts: `sts.${region}.${suffix}`,
    eks: `eks.${region}.${suffix}`,
    ecr: `api.ecr.${region}.${suffix}`,
    'ecr-public': `api.ecr-public.${ECR_PUBLIC_REGION}.amazonaws.com`
  }[service];
  return { url: `https://${host}`, signingRegion, signingName: service };
}
