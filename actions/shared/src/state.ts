// The values a main step hands its post step, as actions/setup-node keys them (`enum State` in
// its src/constants.ts, read by main.ts and cache-save.ts): one enum for both actions, so a
// misspelt key is a compile error, not a cleanup that silently never runs. No @actions/core
// here: the post bundles import this file and stay a few kilobytes.

export enum State {
  /** build-push-image: the step's own docker/podman config directory (registry credentials). */
  RegistryAuthDir = 'auth-dir',
  /** deploy-chart: the normalized kubeconfig's directory (it also holds the `set` string files). */
  KubeconfigDir = 'kubeconfig-dir'
}

/** The value main saved, as the runner hands it to the post step (`STATE_<key>`); '' if none. */
export function readState(env: NodeJS.ProcessEnv, key: State): string {
  return env[`STATE_${key}`] ?? '';
}
