// Where the AWS credentials come from, in one place for both actions:
//   1. `role-arn` (+ `role-session-name`): the job's GitHub OIDC token (audience
//      sts.amazonaws.com; needs `permissions: id-token: write`) exchanged with STS
//      AssumeRoleWithWebIdentity for temporary credentials;
//   2. else the ambient AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
//      (what aws-actions/configure-aws-credentials leaves in the environment).
// Every credential is masked the moment it is known and lives only in memory.
import { ActionError, InputError } from '../errors.js';
import { AwsApiError } from './api.js';
import type { AwsCredentials } from './sigv4.js';
import type { StsClient } from './sts.js';

export const OIDC_AUDIENCE = 'sts.amazonaws.com';
export const DEFAULT_SESSION_NAME = 'GitHubActions';
/** STS's default and the role's usual maximum session: one hour. */
export const ROLE_SESSION_SECONDS = 3600;
/** The longest session STS grants a role (its MaxSessionDuration may be set up to this). */
export const MAX_ROLE_SESSION_SECONDS = 12 * 3600;

/** A session that lasts `ms` (whole seconds, between one hour and 12 h). Pure. */
export function roleSessionSeconds(ms: number): number {
  return Math.min(MAX_ROLE_SESSION_SECONDS, Math.max(ROLE_SESSION_SECONDS, Math.ceil(ms / 1000)));
}

/** STS's answer when DurationSeconds is above the role's MaxSessionDuration. */
function exceedsMaxSession(error: unknown): boolean {
  return (
    error instanceof AwsApiError &&
    error.code === 'ValidationError' &&
    /MaxSessionDuration/.test(error.detail)
  );
}

export interface RoleInputs {
  roleArn: string;
  sessionName: string;
}

export type CredentialPlan =
  | { kind: 'role'; role: RoleInputs }
  | { kind: 'environment'; credentials: AwsCredentials }
  | { kind: 'none'; why: string };

export interface ObtainedCredentials {
  credentials: AwsCredentials;
  /** For the log: `role arn:…` or `the environment`. */
  source: string;
  /** The assumed-role ARN when a role was assumed. */
  arn?: string;
  /** Epoch ms, for temporary credentials from STS. */
  expiresAt?: number;
  /** For the log's warning: the session is shorter than was asked for. */
  warning?: string;
}

/** What obtaining credentials needs from outside: the OIDC token, STS, the log's masker. */
export interface CredentialEdges {
  idToken(audience: string): Promise<string>;
  sts: Pick<StsClient, 'assumeRoleWithWebIdentity'>;
  mask(value: string): void;
}

const ROLE_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/** `role-arn` and `role-session-name` validated; undefined when no role is given. Pure. */
export function parseRoleInputs(roleArn: string, sessionName: string): RoleInputs | undefined {
  if (!roleArn) {
    if (sessionName) throw new InputError('role-session-name', 'is set but role-arn is empty');
    return undefined;
  }
  if (!ROLE_ARN.test(roleArn)) {
    throw new InputError(
      'role-arn',
      `"${roleArn}" is not an IAM role ARN; it looks like arn:aws:iam::123456789012:role/deploy`
    );
  }
  const name = sessionName || DEFAULT_SESSION_NAME;
  if (!SESSION_NAME.test(name)) {
    throw new InputError(
      'role-session-name',
      'must be 2 to 64 characters of letters, digits and + = , . @ _ -'
    );
  }
  return { roleArn, sessionName: name };
}

/** Where ambient keys come from, for the log. */
export const ENVIRONMENT_SOURCE = 'the environment (AWS_ACCESS_KEY_ID)';

/**
 * Role first, then the environment's keys (for an exec plugin: its kubeconfig env over the
 * runner's, as client-go merges them). `why` of `none` names what the environment lacks. Pure.
 */
export function planCredentials(
  role: RoleInputs | undefined,
  env: NodeJS.ProcessEnv
): CredentialPlan {
  if (role) return { kind: 'role', role };
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    return {
      kind: 'none',
      why: 'no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment'
    };
  }
  const sessionToken = env.AWS_SESSION_TOKEN || env.AWS_SECURITY_TOKEN || undefined;
  return {
    kind: 'environment',
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }
  };
}

/** The claims of a JWT, for messages only; {} when it is not one. Never returns the token. Pure. */
export function jwtClaims(jwt: string): Record<string, unknown> {
  try {
    const claims: unknown = JSON.parse(
      Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')
    );
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** arn:aws:sts::1:assumed-role/deploy/GitHubActions → arn:aws:iam::1:role/deploy (path unknown). Pure. */
export function principalArn(arn: string): string {
  const match = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return match ? `arn:${match[1]}:iam::${match[2]}:role/${match[3]}` : arn;
}

/** The job has no OIDC token, or GitHub refused one. Pure. */
export function explainIdTokenFailure(env: NodeJS.ProcessEnv, cause?: Error): ActionError {
  const missing = ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'].filter(
    (name) => !env[name]
  );
  const why = missing.length
    ? `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`
    : `GitHub refused the token request: ${cause?.message ?? 'no reason given'}`;
  return new ActionError(
    `role-arn: the job's OIDC token, which is exchanged for the role, is not available (${why}).`,
    'Give the job `permissions: id-token: write` (with `contents: read`). Pull requests from forks get no OIDC token; use the environment-credentials way there.'
  );
}

/** STS refused the exchange: the trust policy (or the OIDC provider) to fix, from the token's claims. Pure. */
export function explainAssumeRoleRefusal(
  error: AwsApiError,
  roleArn: string,
  claims: Record<string, unknown>
): ActionError | AwsApiError {
  const account = roleArn.split(':')[4];
  const issuer = typeof claims.iss === 'string' ? claims.iss.replace(/^https:\/\//, '') : '';
  const provider = `arn:aws:iam::${account}:oidc-provider/${issuer || 'token.actions.githubusercontent.com'}`;
  const sub = typeof claims.sub === 'string' ? claims.sub : '(the token has no sub claim)';
  if (error.code === 'AccessDenied') {
    return new ActionError(
      `role-arn: STS refused to let this job assume ${roleArn} (${error.code}: ${error.detail}).`,
      `The role's trust policy must allow sts:AssumeRoleWithWebIdentity for the federated principal ${provider} with the condition "${issuer}:aud": "${OIDC_AUDIENCE}" and "${issuer}:sub": "${sub}" (this job's sub claim; StringLike "${sub.split(':').slice(0, 2).join(':')}:*" allows every ref of the repository).`
    );
  }
  if (error.code === 'InvalidIdentityToken' || error.code === 'IDPRejectedClaim') {
    return new ActionError(
      `role-arn: STS did not accept the job's OIDC token for ${roleArn} (${error.code}: ${error.detail}).`,
      `Account ${account} needs the IAM OIDC identity provider ${provider} with the audience ${OIDC_AUDIENCE}.`
    );
  }
  return error;
}

/**
 * Runs the plan: every credential masked before anything else sees it. A role session of
 * `sessionSeconds` is asked for; when the role's MaxSessionDuration is lower, STS's default
 * hour is taken instead, with a warning that names the fix.
 */
export async function obtainCredentials(
  plan: CredentialPlan,
  env: NodeJS.ProcessEnv,
  edges: CredentialEdges,
  sessionSeconds: number = ROLE_SESSION_SECONDS
): Promise<ObtainedCredentials> {
  if (plan.kind === 'none') {
    throw new ActionError(
      `AWS credentials: no role-arn, and ${plan.why}.`,
      'Set role-arn to a role this repository may assume (with `permissions: id-token: write`), or run aws-actions/configure-aws-credentials in an earlier step.'
    );
  }
  if (plan.kind === 'environment') {
    const { accessKeyId, secretAccessKey, sessionToken } = plan.credentials;
    for (const value of [accessKeyId, secretAccessKey, sessionToken]) if (value) edges.mask(value);
    return { credentials: plan.credentials, source: ENVIRONMENT_SOURCE };
  }
  const { roleArn, sessionName } = plan.role;
  if (!env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    throw explainIdTokenFailure(env);
  }
  let token: string;
  try {
    token = await edges.idToken(OIDC_AUDIENCE);
  } catch (error) {
    throw explainIdTokenFailure(env, error as Error);
  }
  edges.mask(token);
  const assume = (durationSeconds: number) =>
    edges.sts.assumeRoleWithWebIdentity({
      roleArn,
      sessionName,
      webIdentityToken: token,
      durationSeconds
    });
  try {
    let warning: string | undefined;
    const assumed = await assume(sessionSeconds).catch((error: unknown) => {
      if (!exceedsMaxSession(error) || sessionSeconds <= ROLE_SESSION_SECONDS) throw error;
      const hours = (sessionSeconds / 3600).toFixed(1).replace(/\.0$/, '');
      warning = `role-arn: ${roleArn} allows sessions shorter than the ${hours} h this step may take, so its session lasts 1 h and AWS calls after that are refused. Raise the role's maximum session: aws iam update-role --role-name ${roleArn.split('/').pop()} --max-session-duration ${sessionSeconds}`;
      return assume(ROLE_SESSION_SECONDS);
    });
    const { accessKeyId, secretAccessKey, sessionToken } = assumed.credentials;
    for (const value of [accessKeyId, secretAccessKey, sessionToken]) edges.mask(value);
    return {
      credentials: { accessKeyId, secretAccessKey, sessionToken },
      source: `role ${roleArn} (session ${sessionName}, OIDC)`,
      arn: assumed.arn,
      expiresAt: assumed.credentials.expiresAt,
      ...(warning ? { warning } : {})
    };
  } catch (error) {
    if (error instanceof AwsApiError)
      throw explainAssumeRoleRefusal(error, roleArn, jwtClaims(token));
    throw error;
  }
}
