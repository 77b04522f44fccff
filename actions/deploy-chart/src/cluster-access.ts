/**
 * How to reach the API server, as read from the normalized kubeconfig's current context.
 * The kubeconfig parser produces it; the Kubernetes client (preflight, fail-fast watch,
 * diagnostics, URL lookup) consumes it, so neither depends on the other's internals.
 */
import path from 'node:path';

export interface ExecPlugin {
  apiVersion: string;
  command: string;
  args: string[];
  env: Record<string, string>;
}

export interface ClusterAccess {
  contextName: string;
  server: string;
  /** PEM of the cluster CA, decoded from certificate-authority-data (or read from the file). */
  caPem?: string;
  insecureSkipTlsVerify: boolean;
  /** The context's namespace, if any. */
  namespace?: string;
  token?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  username?: string;
  password?: string;
  exec?: ExecPlugin;
}

/** What the exec plugin printed (or the action signed in its place). */
export interface ExecCredential {
  token?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  /** Epoch ms; undefined means the plugin did not say, so the credential is kept until a 401. */
  expiresAt?: number;
}

/**
 * Whether the exec plugin is the aws CLI (`aws eks get-token`): the one place that decides it,
 * for the token signed in process, the CLI install, role-arn and the 401/403 hints. Pure.
 */
export function isAwsCommand(command: string): boolean {
  return /^aws(\.exe)?$/i.test(path.basename(command));
}

/** Whether the exec plugin signs in as an IAM identity (aws, aws-iam-authenticator): the EKS hints apply. Pure. */
export function isIamExec(exec: ExecPlugin | undefined): boolean {
  return !!exec && (isAwsCommand(exec.command) || exec.command.includes('aws-iam-authenticator'));
}
