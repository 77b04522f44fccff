// The kubeconfig a user of the seed stores as the KUBECONFIG secret, pointed at the emulator:
// the cluster's CA inline, and a user whose exec plugin runs `aws eks get-token` with the AWS
// keys in its env. The exec apiVersion stays v1alpha1 as in the seed; current clients
// (kubectl >= 1.24, helm 3.9+) reject it, which is exactly what the deploy action must handle.
import { stringify } from 'yaml';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SeedKubeconfigOptions {
  /** https://127.0.0.1:<port> of the emulator. */
  url: string;
  /** PEM of the CA that signed the server certificate. */
  caPem: string;
  clusterName: string;
  region: string;
  credentials: AwsCredentials;
  /** Defaults to the cluster name. */
  contextName?: string;
  /** Written as the context's namespace when given. */
  namespace?: string;
}

export const seedExecApiVersion = 'client.authentication.k8s.io/v1alpha1';

export function seedKubeconfig(options: SeedKubeconfigOptions): string {
  const { url, caPem, clusterName, region, credentials } = options;
  const contextName = options.contextName ?? clusterName;
  const userName = `${contextName}-aws`;
  const context: Record<string, string> = { cluster: clusterName, user: userName };
  if (options.namespace) context.namespace = options.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: clusterName,
        cluster: {
          server: url,
          'certificate-authority-data': Buffer.from(caPem).toString('base64')
        }
      }
    ],
    contexts: [{ name: contextName, context }],
    'current-context': contextName,
    preferences: {},
    users: [
      {
        name: userName,
        user: {
          exec: {
            apiVersion: seedExecApiVersion,
            command: 'aws',
            args: ['--region', region, 'eks', 'get-token', '--cluster-name', clusterName],
            env: [
              { name: 'AWS_ACCESS_KEY_ID', value: credentials.accessKeyId },
              { name: 'AWS_SECRET_ACCESS_KEY', value: credentials.secretAccessKey },
              { name: 'AWS_DEFAULT_REGION', value: region }
            ]
          }
        }
      }
    ]
  });
}

/** What users paste into the KUBECONFIG secret: the whole file, base64-encoded. */
export function toSecret(kubeconfig: string): string {
  return Buffer.from(kubeconfig, 'utf8').toString('base64');
}
