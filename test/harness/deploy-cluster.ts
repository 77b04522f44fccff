// What a deploy scenario gets of a control plane, whichever kind (clusters.ts starts them); apart
// from clusters.ts so the real control plane's rig can name it without importing its starter.
export const KINDS = ['emulator', 'real'] as const;
export type ClusterKind = (typeof KINDS)[number];

/** What the deploy scenarios use of a cluster; both kinds have it. */
export interface DeployCluster {
  kind: ClusterKind;
  url: string;
  caPem: string;
  /** The seed's kubeconfig: v1alpha1 `aws eks get-token` exec, an identity allowed everything. */
  kubeconfig: string;
  kubeconfigBase64: string;
  /**
   * The seed's shape for a least-privilege deploy identity: on the real control plane an IAM
   * user whose access entry only binds a namespace Role (helm-deployer in omer); the emulator
   * has no RBAC, so there it is the seed kubeconfig itself.
   */
  deployKubeconfig: string;
  /** A kubeconfig whose user is this static bearer token, an admin from then on. */
  tokenKubeconfig(token: string): string;
  stop(): Promise<void>;
}
