// Runs a rendered pod's container the way the kubelet would set it up, with the docker
// CLI: the same user, read-only root, capabilities, privilege flag, memory and CPU limits,
// mounts, environment, command and args. Ports and probes need no translation (the test
// talks to port 8000 itself); any other container field throws, so a new field in the
// chart cannot be silently ignored by the engine test.

/** Host directories standing in for the pod's configMap volumes, by volume name. */
export type VolumeDirs = Record<string, string>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a rendered PodSpec
type PodSpec = any;

const KNOWN_CONTAINER_FIELDS = new Set([
  'name',
  'image',
  'imagePullPolicy',
  'command',
  'args',
  'ports',
  'env',
  'readinessProbe',
  'livenessProbe',
  'resources',
  'securityContext',
  'volumeMounts'
]);

const BINARY_SUFFIX: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3 };

/** A Kubernetes binary quantity ("16Mi") in bytes, for tmpfs' size option. */
export function bytes(quantity: string): number {
  const match = /^(\d+)(Ki|Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`quantity ${quantity} is not translated`);
  return Number(match[1]) * 1024 ** BINARY_SUFFIX[match[2]];
}

/** A Kubernetes CPU quantity ("250m", 1) as docker's --cpus. */
export function cpus(quantity: string | number): string {
  if (typeof quantity === 'number') return String(quantity);
  const match = /^(\d+)m$/.exec(quantity);
  if (!match) throw new Error(`CPU quantity ${quantity} is not translated`);
  return String(Number(match[1]) / 1000);
}

/**
 * `docker run` arguments (after `run`) for container `name` of `pod`, using `image` in
 * place of the pod's image and `configMaps` (name → data) for configMapKeyRef variables.
 */
export function dockerRunArgs(
  pod: PodSpec,
  name: string,
  image: string,
  volumeDirs: VolumeDirs,
  configMaps: Record<string, Record<string, string>>
): string[] {
  const container = pod.containers.find((c: { name: string }) => c.name === name);
  if (!container) throw new Error(`the pod has no container ${name}`);
  const unknown = Object.keys(container).filter((field) => !KNOWN_CONTAINER_FIELDS.has(field));
  if (unknown.length > 0) throw new Error(`not translated to docker: ${unknown.join(', ')}`);
  const security = { ...pod.securityContext, ...container.securityContext };
  const args: string[] = [];
  if (security.runAsUser === undefined || security.runAsGroup === undefined) {
    throw new Error('the pod must set runAsUser and runAsGroup');
  }
  args.push('--user', `${security.runAsUser}:${security.runAsGroup}`);
  if (security.fsGroup !== undefined) args.push('--group-add', String(security.fsGroup));
  if (security.readOnlyRootFilesystem) args.push('--read-only');
  if (security.allowPrivilegeEscalation === false) args.push('--security-opt', 'no-new-privileges');
  if (security.privileged) args.push('--privileged');
  for (const capability of security.capabilities?.drop ?? []) args.push('--cap-drop', capability);
  for (const capability of security.capabilities?.add ?? []) args.push('--cap-add', capability);
  if (security.seccompProfile && security.seccompProfile.type !== 'RuntimeDefault') {
    throw new Error(`seccomp profile ${security.seccompProfile.type} is not translated`);
  }

  const limits = container.resources?.limits ?? {};
  if (limits.memory !== undefined) args.push('--memory', String(bytes(limits.memory)));
  if (limits.cpu !== undefined) args.push('--cpus', cpus(limits.cpu));

  for (const mount of container.volumeMounts ?? []) {
    const volume = pod.volumes?.find((v: { name: string }) => v.name === mount.name);
    if (volume?.emptyDir) {
      const size = bytes(volume.emptyDir.sizeLimit ?? '64Mi');
      args.push('--tmpfs', `${mount.mountPath}:rw,nosuid,nodev,size=${size}`);
    } else if (volume?.configMap) {
      const dir = volumeDirs[mount.name];
      if (!dir) throw new Error(`no host directory for volume ${mount.name}`);
      args.push('--volume', `${dir}:${mount.mountPath}${mount.readOnly ? ':ro' : ''}`);
    } else {
      throw new Error(`volume ${mount.name} is not translated`);
    }
  }

  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.configMapKeyRef;
    const value = ref ? configMaps[ref.name]?.[ref.key] : variable.value;
    if (value === undefined) throw new Error(`no value for ${variable.name}`);
    args.push('--env', `${variable.name}=${value}`);
  }

  const [entrypoint, ...commandRest] = container.command ?? [];
  if (entrypoint) args.push('--entrypoint', entrypoint);
  return [...args, image, ...commandRest, ...(container.args ?? [])];
}
