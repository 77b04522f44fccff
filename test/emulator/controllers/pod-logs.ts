// `GET …/pods/<name>/log`: the synthetic logs the kubelet wrote, refused the way the kubelet
// refuses a container that has not started (or names no container of the pod).
import { errors } from '../status.js';
import { typeOf, type ControllerContext } from './context.js';

export function podLog(
  ctx: ControllerContext,
  namespace: string,
  podName: string,
  container: string | null
): string {
  const pod = ctx.api.get(typeOf('pods'), namespace, podName);
  const names: string[] = (pod.spec.containers ?? []).map((c: { name: string }) => c.name);
  const chosen = container ?? (names.length === 1 ? names[0] : undefined);
  if (!chosen) {
    throw errors.badRequest(
      `a container name must be specified for pod ${podName}, choose one of: [${names.join(' ')}]`
    );
  }
  if (!names.includes(chosen))
    throw errors.badRequest(`container ${chosen} is not valid for pod ${podName}`);
  const status = (pod.status?.containerStatuses ?? []).find(
    (c: { name: string }) => c.name === chosen
  );
  const waiting = status?.state?.waiting?.reason;
  if (!status || (waiting && !status.restartCount)) {
    const why =
      waiting === 'ImagePullBackOff' || waiting === 'ErrImagePull'
        ? 'trying and failing to pull image'
        : (waiting ?? 'ContainerCreating');
    throw errors.badRequest(
      `container "${chosen}" in pod "${podName}" is waiting to start: ${why}`
    );
  }
  return ctx.logs.get(pod.metadata.uid)?.get(chosen) ?? '';
}
