// EKS DescribeCluster (REST JSON, GET /clusters/<name>): the API server's URL and CA, which
// is all a kubeconfig needs besides the token signed in process.
import { ActionError } from '../errors.js';
import { AwsApiError, callAws, type AwsContext } from './api.js';
import type { AwsCredentials } from './sigv4.js';

export interface EksCluster {
  name: string;
  arn: string;
  /** https://<id>.<gr>.<region>.eks.amazonaws.com */
  endpoint: string;
  /** PEM, decoded from certificateAuthority.data. */
  caPem: string;
  status: string;
}

export interface EksClient {
  describeCluster(name: string, credentials: AwsCredentials): Promise<EksCluster>;
}

/** DescribeCluster's refusals, as the fix the user must make. Pure. */
export function explainDescribeCluster(
  error: AwsApiError,
  cluster: string,
  region: string,
  principal?: string
): ActionError | AwsApiError {
  const who = principal ? `"${principal}"` : 'the AWS identity';
  if (error.code === 'AccessDeniedException' || error.code === 'AccessDenied') {
    return new ActionError(
      `cluster-name: ${who} may not call eks:DescribeCluster on cluster "${cluster}" in ${region} (${error.code}).`,
      `Allow the IAM action eks:DescribeCluster on arn:aws:eks:${region}:<account>:cluster/${cluster} in the role's permissions policy.`
    );
  }
  if (error.code === 'ResourceNotFoundException') {
    return new ActionError(
      `cluster-name: there is no EKS cluster "${cluster}" in region ${region} (${error.detail || error.code}).`,
      'Check cluster-name and region (aws eks list-clusters --region <region> lists the names).'
    );
  }
  return error;
}

export function eksClient(context: AwsContext, region: string): EksClient {
  return {
    async describeCluster(name, credentials) {
      const response = await callAws(context, {
        service: 'eks',
        operation: 'EKS DescribeCluster',
        region,
        method: 'GET',
        path: `/clusters/${encodeURIComponent(name)}`,
        credentials
      });
      const cluster = (JSON.parse(response.body) as { cluster?: Record<string, unknown> }).cluster;
      const ca = (cluster?.certificateAuthority as { data?: unknown } | undefined)?.data;
      if (!cluster || typeof cluster.endpoint !== 'string' || typeof ca !== 'string') {
        throw new ActionError(
          `cluster-name: EKS cluster "${name}" has no endpoint or certificate authority yet (status ${String(cluster?.status ?? 'unknown')}).`,
          'Wait until the cluster is ACTIVE, then re-run.'
        );
      }
      return {
        name,
        arn: String(cluster.arn ?? ''),
        endpoint: cluster.endpoint,
        caPem: Buffer.from(ca, 'base64').toString('utf8'),
        status: String(cluster.status ?? '')
      };
    }
  };
}
