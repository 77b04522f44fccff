/** What the main step saves for the post step; one module so post.ts bundles nothing else. */
export const KUBECONFIG_DIR_STATE = 'kubeconfig-dir';
