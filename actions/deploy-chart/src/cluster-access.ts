/**
 * How to reach the API server, as read from the normalized kubeconfig's current context.
 * The kubeconfig parser produces it; the Kubernetes client (preflight, fail-fast watch,
 * diagnostics, URL lookup) consumes it, so neither depends on the other's internals.
 */
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
