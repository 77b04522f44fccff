// Before helm runs: is the API server reachable, are the credentials accepted, does the
// namespace exist? Each failure becomes one ActionError that names the thing and the fix,
// instead of helm's "Kubernetes cluster unreachable" after a long wait.
import * as core from '@actions/core';
import { ActionError } from '../../../shared/src/errors.js';
import { retry } from '../../../shared/src/retry.js';
import { isIamExec, type ClusterAccess } from '../cluster-access.js';
import {
  isTransientClusterError,
  KubeApiError,
  KubeNetworkError,
  type KubeClient
} from './client.js';
import { ExecPluginError } from './exec-credential.js';

interface PreflightTarget {
  namespace: string;
  createNamespace: boolean;
}

const CERTIFICATE_NOT_TRUSTED = [
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT'
];

/** Why the server could not be reached, from Node's error code. Pure. */
export function explainUnreachable(server: string, code: string, detail: string): ActionError {
  const host = new URL(server).host;
  const message = `cannot reach the Kubernetes API server ${server}: ${code} (${detail})`;
  if (code === 'ECONNREFUSED') {
    return new ActionError(
      message,
      `Nothing accepts connections at ${host}: check the server URL of the kubeconfig's cluster (for EKS: aws eks describe-cluster --query cluster.endpoint) and that the cluster is running.`
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ActionError(
      message,
      `The host name ${host} does not resolve: check the kubeconfig's server URL; a deleted or recreated EKS cluster gets a new endpoint.`
    );
  }
  if (['ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)) {
    return new ActionError(
      message,
      `No answer from ${host}: the endpoint may be private or firewalled. For EKS, enable public endpoint access and allow the runner's address in publicAccessCidrs, or deploy from a runner inside the VPC.`
    );
  }
  if (CERTIFICATE_NOT_TRUSTED.includes(code)) {
    return new ActionError(
      message,
      `The server's certificate is not signed by the kubeconfig's certificate-authority-data: copy the cluster's CA again (for EKS: aws eks describe-cluster --query cluster.certificateAuthority.data).`
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new ActionError(
      message,
      `The server's certificate does not name ${host}: the server URL and the CA belong to different clusters; take both from the same cluster.`
    );
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return new ActionError(
      message,
      `The server's certificate is outside its validity period: check the runner's clock and the cluster's certificates.`
    );
  }
  if (code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return new ActionError(
      message,
      `TLS failed: is ${server} really an https endpoint, and the port the API server's?`
    );
  }
  return new ActionError(
    message,
    `Check the kubeconfig's server URL and the runner's network access to it.`
  );
}

/** The exec plugin gave no credential (it is run first when the token is minted for helm). Pure. */
export function explainExecPluginFailure(server: string, error: ExecPluginError): ActionError {
  return new ActionError(
    `cannot get credentials for ${server}: ${error.message}`,
    'The kubeconfig user\'s exec plugin must run on the runner; for aws: the aws CLI with "eks get-token" on PATH and valid AWS keys in its env.'
  );
}

/** `--flag value` from the exec plugin's args, e.g. the cluster name of `aws eks get-token`. */
function execArg(access: ClusterAccess, flag: string): string | undefined {
  const args = access.exec?.args ?? [];
  const index = args.indexOf(flag);
  return index >= 0 ? args[index + 1] : undefined;
}

/** What to check when the server says 401: depends on how the kubeconfig authenticates. Pure. */
export function explainUnauthorized(access: ClusterAccess, kubeMessage: string): ActionError {
  const message = `the Kubernetes API server ${access.server} rejected the credentials (401 Unauthorized${kubeMessage ? `: ${kubeMessage}` : ''})`;
  if (isIamExec(access.exec)) {
    const cluster = execArg(access, '--cluster-name') ?? execArg(access, '-i') ?? '(not set)';
    const region =
      execArg(access, '--region') ??
      access.exec?.env.AWS_REGION ??
      access.exec?.env.AWS_DEFAULT_REGION ??
      '(not set)';
    return new ActionError(
      message,
      [
        'The token from "aws eks get-token" was not accepted. Check:',
        "- the AWS keys (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in the kubeconfig exec env, or the runner's AWS credentials): right pair, active, not rotated;",
        '- that this IAM identity is mapped into the cluster: an EKS access entry (aws eks list-access-entries) or the aws-auth ConfigMap (mapUsers / mapRoles);',
        `- the cluster name (${cluster}) and region (${region}) in the exec args: they must name this cluster (${access.server});`,
        "- the runner's clock (the token is a signed, time-limited request)."
      ].join('\n')
    );
  }
  if (access.exec) {
    return new ActionError(
      message,
      `The credential from the exec plugin "${access.exec.command}" was not accepted: check the plugin's configuration and the identity's access to this cluster.`
    );
  }
  if (access.token) {
    return new ActionError(
      message,
      'The kubeconfig token is expired, revoked or from another cluster: create a new one (e.g. a ServiceAccount token) and update the secret.'
    );
  }
  if (access.clientCertPem) {
    return new ActionError(
      message,
      "The client certificate is expired or not signed by the cluster's client CA: issue a new one and update the secret."
    );
  }
  return new ActionError(
    message,
    "The kubeconfig's user sends no usable credentials: give it a token, a client certificate or an exec plugin."
  );
}

/** 403: the identity is known but may not do what helm needs in the namespace. Pure. */
export function explainForbidden(
  access: ClusterAccess,
  namespace: string,
  kubeMessage: string
): ActionError {
  const hint = isIamExec(access.exec)
    ? `Grant the IAM identity Kubernetes permissions in "${namespace}": an EKS access policy on its access entry (e.g. AmazonEKSEditPolicy scoped to the namespace) or RBAC for the group it is mapped to in aws-auth.`
    : `Grant this identity RBAC permissions in "${namespace}" (helm needs at least the "edit" role: it stores releases as Secrets).`;
  return new ActionError(
    `the Kubernetes API server ${access.server} refused access to namespace "${namespace}" (403 Forbidden: ${kubeMessage})`,
    hint
  );
}

function explain(error: unknown, access: ClusterAccess, namespace: string): unknown {
  if (error instanceof KubeNetworkError) {
    return explainUnreachable(access.server, error.code, error.detail);
  }
  if (error instanceof ExecPluginError) return explainExecPluginFailure(access.server, error);
  if (error instanceof KubeApiError && error.statusCode === 401) {
    return explainUnauthorized(access, error.kubeMessage);
  }
  if (error instanceof KubeApiError && error.statusCode === 403) {
    return explainForbidden(access, namespace, error.kubeMessage);
  }
  return error;
}

/**
 * Throws an ActionError naming the problem and its fix; returns the server's version.
 * `/version` checks reachability and authentication (a rejected token gets 401 even there);
 * reading the namespace checks it exists and that the identity may see it.
 */
export async function preflight(
  client: KubeClient,
  access: ClusterAccess,
  target: PreflightTarget
): Promise<{ serverVersion: string }> {
  const { namespace } = target;
  const call = <T>(operation: () => Promise<T>) =>
    retry(operation, {
      attempts: 3,
      baseMs: 500,
      maxMs: 4000,
      decide: (error) => ({ retry: isTransientClusterError(error) })
    }).catch((error: unknown) => {
      throw explain(error, access, namespace);
    });

  const version = await call(() => client.get<{ gitVersion?: string }>('/version'));
  const serverVersion = version.gitVersion ?? 'unknown';
  core.info(`Kubernetes API server ${access.server} answers: ${serverVersion}`);

  if (target.createNamespace) return { serverVersion };
  try {
    await call(() => client.get(`/api/v1/namespaces/${encodeURIComponent(namespace)}`));
  } catch (error) {
    if (error instanceof ActionError && /403 Forbidden/.test(error.message)) {
      // Namespace-scoped identities may not read Namespace objects; what helm needs is the
      // release Secrets. A list in a missing namespace is empty, not an error, so existence
      // stays unproven and helm will say so if it is missing.
      await call(() =>
        client.list(`/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`, { limit: 1 })
      );
      core.info(
        `Namespace "${namespace}" cannot be read by this identity; its Secrets can, which is what helm needs.`
      );
      return { serverVersion };
    }
    if (error instanceof KubeApiError && error.statusCode === 404) {
      throw new ActionError(
        `namespace "${namespace}" does not exist in the cluster at ${access.server}`,
        `Create it first (kubectl create namespace ${namespace}), fix the namespace input, or set create-namespace: true.`
      );
    }
    throw error;
  }
  return { serverVersion };
}
