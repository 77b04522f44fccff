// What the scheduler and kubelet parts share: the pod condition and container status shapes
// the kubelet writes, and a context with status writes, liveness and logs bound to one API.
import { timestamp } from '../../api.js';
import type { KObject } from '../../store.js';
import { typeOf, type ControllerContext } from '../context.js';

export const pods = typeOf('pods');

export interface Container {
  name: string;
  image: string;
  env?: Array<{
    name: string;
    valueFrom?: Record<string, { name?: string; key?: string; optional?: boolean }>;
  }>;
  envFrom?: Array<Record<string, { name?: string; optional?: boolean }>>;
}

export function condition(type: string, status: boolean, reason?: string, message?: string) {
  return {
    type,
    status: status ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: timestamp(),
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {})
  };
}

export function containerStatus(
  c: Container,
  state: object,
  ready: boolean,
  restartCount = 0,
  extra = {}
) {
  return {
    name: c.name,
    state,
    lastState: {},
    ready,
    restartCount,
    image: c.image,
    imageID: '',
    started: 'running' in state,
    ...extra
  };
}

export interface KubeletContext extends ControllerContext {
  setStatus(pod: KObject, change: (status: KObject['status']) => void): KObject | undefined;
  /** The pod is still the one in the store (not deleted, not replaced by one of the same name). */
  alive(pod: KObject): boolean;
  log(pod: KObject, container: string, text: string): void;
  /** A kubelet event about one of the pod's containers. */
  containerEvent(
    pod: KObject,
    c: Container,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string
  ): void;
}

export function kubeletContext(ctx: ControllerContext): KubeletContext {
  const { api } = ctx;
  return {
    ...ctx,
    setStatus: (pod, change) =>
      api.mutate(
        pods,
        pod.metadata.namespace,
        pod.metadata.name,
        (o) => {
          o.status ??= {};
          change(o.status);
        },
        'kubelet',
        'status'
      ),
    alive: (pod) =>
      api.store.get(pods, pod.metadata.namespace, pod.metadata.name)?.metadata.uid ===
      pod.metadata.uid,
    log(pod, container, text) {
      let byContainer = ctx.logs.get(pod.metadata.uid);
      if (!byContainer) ctx.logs.set(pod.metadata.uid, (byContainer = new Map()));
      byContainer.set(container, (byContainer.get(container) ?? '') + text);
    },
    containerEvent: (pod, c, type, reason, message) =>
      ctx.events.record(pod, type, reason, message, 'kubelet', `spec.containers{${c.name}}`)
  };
}
