// ECR images log in with no password input and no aws CLI: the same AWS credentials as
// deploy-chart (role-arn + the job's OIDC token, else the ambient keys) get an ECR
// authorization token in process, for `<account>.dkr.ecr.<region>.amazonaws.com[.cn]`
// and, through ECR Public's API in us-east-1, for public.ecr.aws.
import * as core from '@actions/core';
import type { AwsContext } from '../../shared/src/aws/api.js';
import {
  obtainCredentials,
  planCredentials,
  type CredentialEdges,
  type RoleInputs
} from '../../shared/src/aws/credentials.js';
import { ecrClient } from '../../shared/src/aws/ecr.js';
import { ECR_PUBLIC_REGION, resolveRegion } from '../../shared/src/aws/endpoints.js';
import { runnerAwsContext, runnerCredentialEdges } from '../../shared/src/aws/runner.js';

export type EcrRegistry = { region: string } | 'public';

/** The ECR registry a host names, if it is one. Pure. */
export function ecrRegistryOf(host: string): EcrRegistry | undefined {
  if (host === 'public.ecr.aws') return 'public';
  const match = /^\d{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host);
  return match ? { region: match[1] } : undefined;
}

/**
 * ECR's word for a repository that does not exist (RepositoryNotFoundException from its API,
 * NAME_UNKNOWN from the registry on a push), as the command that creates it; undefined for
 * any other registry or failure. Pure.
 */
export function missingEcrRepository(name: string, text: string): string | undefined {
  const [host, ...path] = name.split('/');
  const registry = ecrRegistryOf(host);
  if (
    !registry ||
    !/RepositoryNotFoundException|NAME[_ ]UNKNOWN|repository with name .* does not exist/i.test(
      text
    )
  )
    return undefined;
  const command =
    registry === 'public'
      ? `aws ecr-public create-repository --repository-name ${path.slice(1).join('/')} --region ${ECR_PUBLIC_REGION}`
      : `aws ecr create-repository --repository-name ${path.join('/')} --region ${registry.region}`;
  return `The ECR repository does not exist (ECR creates none on push); create it once: ${command}`;
}

export interface RegistryCredentials {
  username: string;
  password: string;
}

/**
 * Who logs in: for an ECR registry, ECR's own token (ECR accepts nothing else, so the default
 * GITHUB_TOKEN password is passed over) unless username AWS + a password say the workflow got
 * one itself (`aws ecr get-login-password`); for any other registry, the inputs.
 */
export async function registryCredentials(
  inputs: { image: { registry: string }; username: string; password: string; role?: RoleInputs },
  edges?: { context: AwsContext; credentials: CredentialEdges }
): Promise<RegistryCredentials> {
  const registry = ecrRegistryOf(inputs.image.registry);
  const given = { username: inputs.username, password: inputs.password };
  if (!registry || (inputs.username === 'AWS' && inputs.password)) return given;
  const region = registry === 'public' ? ECR_PUBLIC_REGION : registry.region;
  const context = edges?.context ?? runnerAwsContext();
  const stsRegion = resolveRegion(undefined, context.env) ?? region;
  const credentialEdges = edges?.credentials ?? runnerCredentialEdges(context, stsRegion);
  const obtained = await obtainCredentials(
    planCredentials(inputs.role, context.env),
    context.env,
    credentialEdges
  );
  core.info(`aws: credentials from ${obtained.source}`);
  const login = await ecrClient(context).getAuthorizationToken(registry, obtained.credentials);
  credentialEdges.mask(login.password);
  core.info(`ecr: logged in to ${inputs.image.registry} with an ECR authorization token`);
  return { username: login.username, password: login.password };
}
