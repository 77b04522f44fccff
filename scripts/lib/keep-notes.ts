// What `npm start -- --keep` prints: how to reach what it left running (the cluster with
// kubectl and helm, the Docker engine, the registry with its account), so a user can push an
// image of their own and deploy it. Pure: the pipeline passes in what it started.
import path from 'node:path';

export interface KeptRigs {
  /** A kubeconfig file plain kubectl and helm accept. */
  kubeconfig: string;
  namespace: string;
  release: string;
  /** The helm binary the deploy used. */
  helm: string;
  registry: { host: string; username: string; password: string };
  /** The engine rig's client environment: DOCKER_HOST, DOCKER_CONFIG, DOCKER_BUILDKIT, PATH. */
  engineEnv: Record<string, string>;
}

/** Shell lines (comments start with #) to paste into a terminal. Pure. */
export function keepNotes(rigs: KeptRigs): string[] {
  const { registry, engineEnv } = rigs;
  // The rig's PATH starts with a directory holding only its docker CLI (Debian's, which builds
  // with this daemon's BuildKit); the rest is this process's PATH, left to the user's shell.
  const dockerBin = (engineEnv.PATH ?? '').split(path.delimiter)[0];
  const image = `${registry.host}/me/my-app:1`;
  return [
    '# the cluster (the EKS emulator)',
    `export KUBECONFIG=${rigs.kubeconfig}`,
    `kubectl get deploy,svc,pods -n ${rigs.namespace}`,
    `${rigs.helm} status ${rigs.release} -n ${rigs.namespace}`,
    '# the Docker engine: its own socket; logins go to its own client config, not ~/.docker',
    `export DOCKER_HOST=${engineEnv.DOCKER_HOST}`,
    `export DOCKER_CONFIG=${engineEnv.DOCKER_CONFIG}`,
    `export DOCKER_BUILDKIT=${engineEnv.DOCKER_BUILDKIT}`,
    ...(dockerBin ? [`export PATH=${dockerBin}:$PATH`] : []),
    `# the registry: http://${registry.host}, user ${registry.username}, password ${registry.password}`,
    '# (a throw-away password this local rig made for this run; it guards nothing but this registry)',
    `echo '${registry.password}' | docker login ${registry.host} --username ${registry.username} --password-stdin`,
    `docker tag <your image> ${image} && docker push ${image}`,
    `# the cluster pulls from this registry: deploy it with set pythonApp.image=${registry.host}/me/my-app and pythonApp.tag=1`
  ];
}
