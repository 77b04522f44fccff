// A kubeconfig that plain kubectl and helm accept, for the same cluster as the seed's.

/** kubectl and helm reject the seed's v1alpha1 exec apiVersion; the deploy action rewrites it the same way. */
export function withV1beta1Exec(kubeconfig: string): string {
  return kubeconfig.replace(
    'client.authentication.k8s.io/v1alpha1',
    'client.authentication.k8s.io/v1beta1'
  );
}
