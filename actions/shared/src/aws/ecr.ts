// ECR GetAuthorizationToken (JSON 1.1): a registry password valid 12 hours, from the same
// credentials as everything else, for `<account>.dkr.ecr.<region>.amazonaws.com` and, through
// ECR Public's own API in us-east-1, for public.ecr.aws.
import { callAws, type AwsContext } from './api.js';
import { ECR_PUBLIC_REGION } from './endpoints.js';
import type { AwsCredentials } from './sigv4.js';

export interface RegistryLogin {
  username: string;
  password: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface EcrClient {
  /** `region` for a private registry; `public` for public.ecr.aws. */
  getAuthorizationToken(
    registry: { region: string } | 'public',
    credentials: AwsCredentials
  ): Promise<RegistryLogin>;
}

const TARGETS = {
  ecr: 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken',
  'ecr-public': 'SpencerFrontendService.GetAuthorizationToken'
};

/** `base64(AWS:<password>)` → its user and password. Pure. */
export function decodeAuthorizationToken(token: string, expiresAt: number): RegistryLogin {
  const text = Buffer.from(token, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0)
    throw new Error('ECR GetAuthorizationToken: the token is not base64 of user:password');
  return { username: text.slice(0, colon), password: text.slice(colon + 1), expiresAt };
}

export function ecrClient(context: AwsContext): EcrClient {
  return {
    async getAuthorizationToken(registry, credentials) {
      const service = registry === 'public' ? 'ecr-public' : 'ecr';
      const response = await callAws(context, {
        service,
        operation: `${registry === 'public' ? 'ECR Public' : 'ECR'} GetAuthorizationToken`,
        region: registry === 'public' ? ECR_PUBLIC_REGION : registry.region,
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': TARGETS[service] },
        body: '{}',
        credentials
      });
      const doc = JSON.parse(response.body) as { authorizationData?: unknown };
      // ECR answers a list (one entry per registry asked for), ECR Public one object.
      const data = (
        Array.isArray(doc.authorizationData) ? doc.authorizationData[0] : doc.authorizationData
      ) as { authorizationToken?: unknown; expiresAt?: unknown } | undefined;
      if (typeof data?.authorizationToken !== 'string') {
        throw new Error(`${service} GetAuthorizationToken: the answer has no authorizationToken`);
      }
      // JSON 1.1 timestamps are epoch seconds.
      const expiresAt =
        typeof data.expiresAt === 'number' ? data.expiresAt * 1000 : context.now().getTime();
      return decodeAuthorizationToken(data.authorizationToken, expiresAt);
    }
  };
}
