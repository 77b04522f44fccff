// The EKS bearer token `aws eks get-token` prints, signed here instead: a SigV4-presigned STS
// GetCallerIdentity URL that also signs the header `x-k8s-aws-id: <cluster>`. Signing needs no
// network, so when the kubeconfig's exec plugin is a plain `aws eks get-token` and the AWS keys
// are in the environment, the action skips the ~1 s Python start of the aws CLI. Every other
// shape (profiles, SSO, --role-arn, endpoint overrides) is left to the aws CLI itself.
import { ENVIRONMENT_SOURCE, planCredentials } from '../../../shared/src/aws/credentials.js';
import { partitionSuffix } from '../../../shared/src/aws/endpoints.js';
import { presignUrl } from '../../../shared/src/aws/sigv4.js';
import { isAwsCommand, type ExecCredential, type ExecPlugin } from '../cluster-access.js';

export interface EksTokenRequest {
  clusterName: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Either what to sign and whose keys sign it (for the log), or why the aws CLI has to run instead. */
export type EksTokenPlan = { sign: EksTokenRequest; keysFrom: string } | { runCli: string };

/** What `aws eks get-token` reports: its tokens are honoured 15 minutes, it says 14. */
export const EKS_TOKEN_LIFETIME_MS = 14 * 60_000;

const OPTIONS_WITH_VALUE = new Set(['--cluster-name', '--region', '--output']);

// Settings that change which STS endpoint or identity the CLI would use.
const CLI_ONLY_ENV = [
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_STS',
  'AWS_STS_REGIONAL_ENDPOINTS',
  'AWS_USE_FIPS_ENDPOINT',
  'AWS_USE_DUALSTACK_ENDPOINT'
];

/** `aws [global options] eks get-token --cluster-name <name> …` → its options, or why not. */
function readGetTokenArgs(args: string[]): Map<string, string> | string {
  const options = new Map<string, string>();
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      words.push(arg);
      continue;
    }
    const [name, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    if (!OPTIONS_WITH_VALUE.has(name)) return `it passes ${name}`;
    const value = inline ?? args[++i];
    if (value === undefined) return `${name} has no value`;
    options.set(name, value);
  }
  if (words.join(' ') !== 'eks get-token') return `it runs "aws ${words.join(' ')}"`;
  if (!options.get('--cluster-name')) return 'it names no --cluster-name';
  const output = options.get('--output') ?? 'json';
  if (output !== 'json') return `it asks for --output ${output}`;
  return options;
}

/**
 * Whether the token can be signed here, from the exec plugin and the environment it would
 * run in (the kubeconfig's exec env over the runner's, as client-go merges them), with the
 * keys planCredentials finds there. `runnerKeysFrom` says where the runner env's keys came
 * from (the action puts an assumed role's there). Pure.
 */
export function planEksToken(
  exec: ExecPlugin,
  runnerEnv: NodeJS.ProcessEnv,
  runnerKeysFrom: string = ENVIRONMENT_SOURCE
): EksTokenPlan {
  if (!isAwsCommand(exec.command)) {
    return { runCli: `the exec plugin is "${exec.command}", not aws` };
  }
  const options = readGetTokenArgs(exec.args);
  if (typeof options === 'string') return { runCli: options };
  const env: Record<string, string | undefined> = { ...runnerEnv, ...exec.env };
  const override = CLI_ONLY_ENV.find((name) => env[name]);
  if (override) return { runCli: `${override} is set` };
  const keys = planCredentials(undefined, env);
  if (keys.kind !== 'environment') return { runCli: keys.kind === 'none' ? keys.why : '' };
  const fromEnv = [env.AWS_REGION, env.AWS_DEFAULT_REGION].filter(Boolean);
  if (!options.has('--region') && new Set(fromEnv).size > 1) {
    return { runCli: 'AWS_REGION and AWS_DEFAULT_REGION differ' };
  }
  const region = options.get('--region') ?? fromEnv[0];
  if (!region) return { runCli: 'no --region, AWS_REGION or AWS_DEFAULT_REGION' };
  if (!stsHost(region))
    return { runCli: `region "${region}" is outside the partitions known here` };
  return {
    sign: { clusterName: options.get('--cluster-name') as string, region, ...keys.credentials },
    keysFrom: exec.env.AWS_ACCESS_KEY_ID
      ? "the kubeconfig user's exec env (AWS_ACCESS_KEY_ID)"
      : runnerKeysFrom
  };
}

/** The regional STS endpoint the aws CLI v2 addresses. Pure. */
export function stsHost(region: string): string | undefined {
  const suffix = partitionSuffix(region);
  return suffix && `sts.${region}.${suffix}`;
}

/** The token `aws eks get-token` prints for the same request at the same second. Pure. */
export function signEksToken(request: EksTokenRequest, now: Date): ExecCredential {
  const host = stsHost(request.region);
  if (!host) throw new Error(`no STS endpoint is known for region ${request.region}`);
  const { accessKeyId, secretAccessKey, sessionToken } = request;
  const url = presignUrl(
    `https://${host}/?Action=GetCallerIdentity&Version=2011-06-15`,
    {
      credentials: { accessKeyId, secretAccessKey, sessionToken },
      service: 'sts',
      region: request.region,
      now
    },
    { expiresSeconds: 60, headers: { 'x-k8s-aws-id': request.clusterName } }
  );
  return {
    token: `k8s-aws-v1.${Buffer.from(url).toString('base64url')}`,
    expiresAt: now.getTime() + EKS_TOKEN_LIFETIME_MS
  };
}

/** One log line saying who makes the tokens, and why the aws CLI runs when it does. Pure. */
export function describeTokenPlan(plan: EksTokenPlan, exec: ExecPlugin): string {
  if ('sign' in plan) {
    return `kubeconfig: the EKS token for cluster "${plan.sign.clusterName}" (${plan.sign.region}) is signed here, as aws eks get-token signs it, with the credentials from ${plan.keysFrom}`;
  }
  const why = isAwsCommand(exec.command) ? ` (${plan.runCli})` : '';
  return `kubeconfig: the exec plugin "${exec.command}" makes the tokens${why}`;
}
