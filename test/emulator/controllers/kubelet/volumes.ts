// What the kubelet needs from the API before it can start containers: the Secrets and
// ConfigMaps a pod's volumes name (missing: `FailedMount`, `MountVolume.SetUp failed for volume
// "x" : secret "y" not found`, the pod stays ContainerCreating and the kubelet tries again),
// and those its containers' env reads (missing: `CreateContainerConfigError`, `secret "y" not
// found`). `optional: true` references may be missing.
import type { KObject } from '../../store.js';
import { typeOf } from '../context.js';
import type { Container, KubeletContext } from './pod-status.js';

interface Reference {
  kind: 'secret' | 'configmap';
  name: string;
  key?: string;
}

const TYPES = { secret: typeOf('secrets'), configmap: typeOf('configmaps') };

/** Why the reference cannot be resolved now, or undefined when it can. */
function missing(
  k: KubeletContext,
  namespace: string | undefined,
  ref: Reference
): string | undefined {
  const found = k.api.store.get(TYPES[ref.kind], namespace, ref.name);
  if (!found) return `${ref.kind} "${ref.name}" not found`;
  if (ref.key === undefined) return undefined;
  const data = { ...found.data, ...found.binaryData, ...found.stringData };
  return ref.key in data
    ? undefined
    : `couldn't find key ${ref.key} in ${ref.kind === 'secret' ? 'Secret' : 'ConfigMap'} ${namespace}/${ref.name}`;
}

function volumeReferences(volume: KObject): Reference[] {
  const refs: Array<Reference & { optional?: boolean }> = [];
  if (volume.secret)
    refs.push({ kind: 'secret', name: volume.secret.secretName, optional: volume.secret.optional });
  if (volume.configMap)
    refs.push({
      kind: 'configmap',
      name: volume.configMap.name,
      optional: volume.configMap.optional
    });
  for (const source of volume.projected?.sources ?? []) {
    if (source.secret)
      refs.push({ kind: 'secret', name: source.secret.name, optional: source.secret.optional });
    if (source.configMap)
      refs.push({
        kind: 'configmap',
        name: source.configMap.name,
        optional: source.configMap.optional
      });
  }
  return refs.filter((r) => !r.optional && r.name);
}

/** The first volume that cannot be mounted, and why (`MountVolume.SetUp failed …`). */
export function mountFailure(k: KubeletContext, pod: KObject): string | undefined {
  for (const volume of pod.spec?.volumes ?? []) {
    for (const ref of volumeReferences(volume)) {
      const why = missing(k, pod.metadata.namespace, { kind: ref.kind, name: ref.name });
      if (why) return `MountVolume.SetUp failed for volume "${volume.name}" : ${why}`;
    }
  }
  return undefined;
}

/** Why this container's environment cannot be built (CreateContainerConfigError), if so. */
export function configError(k: KubeletContext, pod: KObject, c: Container): string | undefined {
  const refs: Reference[] = [];
  for (const from of c.envFrom ?? []) {
    const secret = from.secretRef;
    const map = from.configMapRef;
    if (secret?.name && !secret.optional) refs.push({ kind: 'secret', name: secret.name });
    if (map?.name && !map.optional) refs.push({ kind: 'configmap', name: map.name });
  }
  for (const env of c.env ?? []) {
    const secret = env.valueFrom?.secretKeyRef;
    const map = env.valueFrom?.configMapKeyRef;
    if (secret?.name && !secret.optional)
      refs.push({ kind: 'secret', name: secret.name, key: secret.key });
    if (map?.name && !map.optional) refs.push({ kind: 'configmap', name: map.name, key: map.key });
  }
  for (const ref of refs) {
    const why = missing(k, pod.metadata.namespace, ref);
    if (why) return why;
  }
  return undefined;
}
