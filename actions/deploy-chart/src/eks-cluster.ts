// Deploy by cluster name, with no kubeconfig secret: the credentials (role-arn + the job's
// OIDC token, or the ambient keys) call EKS DescribeCluster for the API server's URL and CA,
// and the kubeconfig is built from them. It holds no credential: its user is this action's own
// bundle as the exec credential plugin (`node <bundle> --exec-credential …`), which signs the
// EKS token from the AWS keys helm passes it in the environment. So a deploy longer than one
// token's 15 minutes renews the token without the aws CLI, each time helm's client-go asks.
import * as core from '@actions/core';
import { stringify } from 'yaml';
import { AwsApiError, type AwsContext } from '../../shared/src/aws/api.js';
import {
  obtainCredentials,
  parseRoleInputs,
  planCredentials,
  principalArn,
  type CredentialEdges,
  type ObtainedCredentials,
  type RoleInputs
} from '../../shared/src/aws/credentials.js';
import { eksClient, explainDescribeCluster, type EksCluster } from '../../shared/src/aws/eks.js';
import { partitionOf, resolveRegion } from '../../shared/src/aws/endpoints.js';
import { runnerAwsContext, runnerCredentialEdges } from '../../shared/src/aws/runner.js';
import type { AwsCredentials } from '../../shared/src/aws/sigv4.js';
import { stsClient } from '../../shared/src/aws/sts.js';
import { ActionError, InputError } from '../../shared/src/errors.js';
import { isAwsCommand, type ExecPlugin } from './cluster-access.js';
import type { EksTokenPlan } from './cluster/eks-token.js';
import type { KubeconfigSource } from './kubeconfig-input.js';

export interface EksInputs {
  clusterName: string;
  region: string;
  role?: RoleInputs;
}

/** With the kubeconfig input: the role whose credentials its `aws` exec user gets. */
export interface ExecRoleInputs {
  role: RoleInputs;
  /** Where STS is called: region, else AWS_REGION / AWS_DEFAULT_REGION, else us-east-1. */
  region: string;
}

/** STS's global endpoint signs in us-east-1. */
const STS_DEFAULT_REGION = 'us-east-1';

/** EKS's rule for cluster names. */
const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
export const EXEC_CREDENTIAL_FLAG = '--exec-credential';

/** `cluster-name`, `region`, `role-arn`, `role-session-name`; undefined without a cluster name. Pure. */
export function parseEksInputs(
  read: (name: string) => string,
  env: NodeJS.ProcessEnv
): EksInputs | undefined {
  const clusterName = read('cluster-name');
  const role = parseRoleInputs(read('role-arn'), read('role-session-name'));
  if (!clusterName) {
    if ((role || read('region')) && !read('kubeconfig')) {
      throw new InputError(
        'cluster-name',
        'is empty, but role-arn or region is set; name the EKS cluster to deploy to'
      );
    }
    return undefined;
  }
  if (!CLUSTER_NAME.test(clusterName)) {
    throw new InputError(
      'cluster-name',
      `"${clusterName}" is not an EKS cluster name (letters, digits, - and _, starting with a letter or digit)`
    );
  }
  const region = resolveRegion(read('region'), env);
  if (!region) {
    throw new InputError(
      'region',
      "is empty and neither AWS_REGION nor AWS_DEFAULT_REGION is set; give the cluster's region, e.g. eu-west-1"
    );
  }
  if (!partitionOf(region) && !env.AWS_ENDPOINT_URL_EKS && !env.AWS_ENDPOINT_URL) {
    throw new InputError(
      'region',
      `"${region}" is not an AWS region name such as eu-west-1, cn-north-1 or us-gov-west-1`
    );
  }
  return { clusterName, region, ...(role ? { role } : {}) };
}

/** `role-arn` beside the kubeconfig input; undefined without one. Pure. */
export function parseExecRoleInputs(
  read: (name: string) => string,
  env: NodeJS.ProcessEnv
): ExecRoleInputs | undefined {
  const role = parseRoleInputs(read('role-arn'), read('role-session-name'));
  return role && { role, region: resolveRegion(read('region'), env) ?? STS_DEFAULT_REGION };
}

/** The exec user's command: this very bundle, run by this very node. Pure. */
function execCredentialCommand(
  bundle: string,
  node: string,
  clusterName: string,
  region: string
): { command: string; args: string[] } {
  return {
    command: node,
    args: [bundle, EXEC_CREDENTIAL_FLAG, '--cluster-name', clusterName, '--region', region]
  };
}

/** The kubeconfig for a described cluster; no credential in it. Pure. */
function eksKubeconfig(
  cluster: EksCluster,
  region: string,
  exec: { command: string; args: string[] }
): string {
  const name = cluster.arn || `${region}/${cluster.name}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name,
        cluster: {
          server: cluster.endpoint,
          'certificate-authority-data': Buffer.from(cluster.caPem).toString('base64')
        }
      }
    ],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
    users: [
      {
        name,
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1beta1',
            command: exec.command,
            args: exec.args,
            interactiveMode: 'Never',
            provideClusterInfo: false
          }
        }
      }
    ]
  });
}

/** The variables helm (and so its exec plugin) gets: the credentials, in memory only. Pure. */
function credentialEnv(credentials: AwsCredentials, region?: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
    ...(region ? { AWS_REGION: region } : {})
  };
}

/** The role's (or the environment's) credentials, and a log line saying which. */
async function logCredentials(
  role: RoleInputs | undefined,
  sessionSeconds: number,
  edges: { context: AwsContext; credentials: CredentialEdges },
  purpose = ''
): Promise<ObtainedCredentials> {
  const env = edges.context.env;
  const plan = planCredentials(role, env);
  const obtained = await obtainCredentials(plan, env, edges.credentials, sessionSeconds);
  core.info(`aws: credentials from ${obtained.source}${purpose}`);
  if (obtained.warning) core.warning(obtained.warning);
  return obtained;
}

/** The assumed role's keys for the kubeconfig's exec user, and where they came from. */
interface ExecCredentialsLent {
  env: Record<string, string>;
  keysFrom: string;
}

/**
 * With the kubeconfig input and role-arn: the role is assumed (OIDC) and its keys go into the
 * environment of the `aws` exec user (helm's and the action's), under the exec's own env, so
 * an exec user with keys of its own keeps them. Without role-arn nothing changes: the exec
 * user gets the ambient keys from the runner's environment, as it always did.
 */
export async function lendRoleToExec(
  inputs: ExecRoleInputs,
  exec: ExecPlugin | undefined,
  sessionSeconds: number,
  edges: { context: AwsContext; credentials: CredentialEdges } = defaultEdges(inputs.region)
): Promise<ExecCredentialsLent | undefined> {
  if (!exec || !isAwsCommand(exec.command)) {
    throw new InputError(
      'role-arn',
      `is set, but the kubeconfig's user ${exec ? `runs "${exec.command}", not aws` : 'has no exec plugin'}; the role's credentials are for an \`aws eks get-token\` exec user. Remove role-arn, or deploy by cluster-name`
    );
  }
  if (planCredentials(undefined, exec.env).kind === 'environment') {
    core.warning(
      "role-arn: the kubeconfig user's exec env has AWS keys of its own, which aws eks get-token uses; the role is not assumed"
    );
    return undefined;
  }
  const obtained = await logCredentials(
    inputs.role,
    sessionSeconds,
    edges,
    ", for the kubeconfig's aws exec user"
  );
  return { env: credentialEnv(obtained.credentials), keysFrom: obtained.source };
}

interface EksConnection {
  clusterName: string;
  region: string;
  /** The IAM principal an access entry must name (asks STS only when the credentials are ambient). */
  principal: () => Promise<string>;
  kubeconfig: KubeconfigSource;
  /** The in-process API client signs its tokens itself. */
  tokenPlan: EksTokenPlan;
  /** For every helm process. */
  helmEnv: Record<string, string>;
}

/** Credentials → DescribeCluster → the kubeconfig, the token plan and helm's environment. */
export async function connectEks(
  inputs: EksInputs,
  sessionSeconds: number,
  edges: { context: AwsContext; credentials: CredentialEdges } = defaultEdges(inputs.region)
): Promise<EksConnection> {
  const { clusterName, region } = inputs;
  const obtained = await logCredentials(inputs.role, sessionSeconds, edges);
  let cluster: EksCluster;
  try {
    cluster = await eksClient(edges.context, region).describeCluster(
      clusterName,
      obtained.credentials
    );
  } catch (error) {
    if (error instanceof AwsApiError)
      throw explainDescribeCluster(error, clusterName, region, obtained.arn);
    throw error;
  }
  core.info(`eks: cluster "${clusterName}" (${region}) → ${cluster.endpoint}`);
  const exec = execCredentialCommand(process.argv[1], process.execPath, clusterName, region);
  const yaml = eksKubeconfig(cluster, region, exec);
  const { arn } = obtained;
  const principal = async () =>
    principalArn(
      arn ?? (await stsClient(edges.context, region).getCallerIdentity(obtained.credentials)).arn
    );
  return {
    clusterName,
    region,
    principal,
    kubeconfig: { yaml, encoding: 'yaml', raw: yaml },
    tokenPlan: {
      sign: { clusterName, region, ...obtained.credentials },
      keysFrom: obtained.source
    },
    helmEnv: credentialEnv(obtained.credentials, region)
  };
}

/** With cluster-name, the API server's 401 means the principal has no EKS access entry. Pure. */
function explainNoAccessEntry(clusterName: string, region: string, principal: string): ActionError {
  return new ActionError(
    `cluster-name: the API server of EKS cluster "${clusterName}" refused ${principal} (401 Unauthorized): it has no EKS access entry for this principal.`,
    `Create one: aws eks create-access-entry --cluster-name ${clusterName} --region ${region} --principal-arn ${principal}, then give it Kubernetes permissions, e.g. aws eks associate-access-policy --cluster-name ${clusterName} --region ${region} --principal-arn ${principal} --policy-arn arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy --access-scope type=namespace,namespaces=<namespace> (or map it in the aws-auth ConfigMap).`
  );
}

/** Preflight's refusal, explained for a deploy by cluster name; anything else unchanged. */
export async function explainEksRefusal(
  error: unknown,
  eks: EksConnection | undefined
): Promise<unknown> {
  if (!eks || !(error instanceof ActionError) || !/\(401 Unauthorized/.test(error.message))
    return error;
  return explainNoAccessEntry(eks.clusterName, eks.region, await eks.principal());
}

function defaultEdges(region: string): { context: AwsContext; credentials: CredentialEdges } {
  const context = runnerAwsContext();
  return { context, credentials: runnerCredentialEdges(context, region) };
}
