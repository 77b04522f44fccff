// Runs the simulated control plane: watches every change in the store and reconciles the
// objects it concerns, like kube-controller-manager, the scheduler, the kubelet and the AWS
// cloud controller together. Work is queued by object and run on the next tick, so a burst
// of writes is reconciled once.
import type { Api } from '../api.js';
import { RESOURCE_TYPES } from '../resources.js';
import { errors } from '../status.js';
import type { Change, KObject } from '../store.js';
import {
  controllerOf,
  typeOf,
  type ControllerContext,
  type ControllerSettings
} from './context.js';
import { EventRecorder } from './events.js';
import type { ImageChecker } from './images.js';
import { defaultJobSelector, reconcileJob } from './jobs.js';
import { startKubelet } from './kubelet.js';
import { keepAllocatedValues, reconcileLoadBalancer, serviceAllocator } from './services.js';
import { reconcileDeployment, reconcileReplicaSet } from './workloads.js';

export interface Controllers {
  stop(): void;
  podLog(namespace: string, pod: string, container: string | null): string;
}

const KINDS = {
  deployments: typeOf('deployments'),
  replicasets: typeOf('replicasets'),
  pods: typeOf('pods'),
  jobs: typeOf('jobs'),
  services: typeOf('services'),
  namespaces: typeOf('namespaces'),
  serviceaccounts: typeOf('serviceaccounts'),
  configmaps: typeOf('configmaps')
};

export function startControllers(
  api: Api,
  settings: ControllerSettings,
  images: ImageChecker,
  caPem: string
): Controllers {
  const timers = new Map<string, NodeJS.Timeout>();
  let timerId = 0;
  let stopped = false;
  const ctx: ControllerContext = {
    api,
    settings,
    images,
    events: new EventRecorder(api),
    logs: new Map(),
    later(ms, fn, key) {
      if (stopped) return;
      const id = key ?? `timer-${timerId++}`;
      clearTimeout(timers.get(id));
      timers.set(
        id,
        setTimeout(() => {
          timers.delete(id);
          if (stopped) return;
          Promise.resolve()
            .then(fn)
            .catch((error) =>
              console.error(`[emulator] controller error: ${(error as Error).stack}`)
            );
        }, ms)
      );
    }
  };
  const kubelet = startKubelet(ctx);
  const allocate = serviceAllocator();

  api.onCreate((type, object) => {
    if (type === KINDS.services) allocate(object);
    if (type === KINDS.jobs) defaultJobSelector(object);
    if (type === KINDS.pods) {
      object.spec.serviceAccountName ??= object.spec.serviceAccount ?? 'default';
      object.spec.serviceAccount ??= object.spec.serviceAccountName;
      object.spec.enableServiceLinks ??= true;
    }
  });

  api.onUpdate((type, before, next) => {
    if (type === KINDS.services) {
      keepAllocatedValues(before, next);
      allocate(next);
    }
  });

  const queue = new Map<string, () => void>();
  let flushing = false;
  const enqueue = (key: string, work: () => void) => {
    queue.set(key, work);
    if (!flushing) {
      flushing = true;
      setImmediate(flush);
    }
  };
  function flush() {
    flushing = false;
    const batch = [...queue.values()];
    queue.clear();
    for (const work of batch) {
      if (stopped) return;
      try {
        work();
      } catch (error) {
        console.error(`[emulator] controller error: ${(error as Error).stack}`);
      }
    }
  }
  const reconcile = (
    resource: keyof typeof KINDS,
    namespace: string | undefined,
    name: string,
    fn: (o: KObject) => void
  ) =>
    enqueue(`${resource}/${namespace}/${name}`, () => {
      const latest = api.store.get(KINDS[resource], namespace, name);
      if (latest) fn(latest);
    });
  const reconcileOwner = (object: KObject) => {
    const owner = controllerOf(object);
    const ns = object.metadata.namespace;
    if (owner?.kind === 'ReplicaSet')
      reconcile('replicasets', ns, owner.name, (rs) => reconcileReplicaSet(ctx, rs));
    if (owner?.kind === 'Deployment')
      reconcile('deployments', ns, owner.name, (d) => reconcileDeployment(ctx, d));
    if (owner?.kind === 'Job') reconcile('jobs', ns, owner.name, (j) => reconcileJob(ctx, j));
  };

  function onChange(change: Change): void {
    const { object, resourceType: type } = change;
    const { namespace, name } = object.metadata;
    if (change.type === 'DELETED') {
      enqueue(`gc/${object.metadata.uid}`, () => collectDependents(object));
      if (type === KINDS.pods) ctx.logs.delete(object.metadata.uid);
      reconcileOwner(object);
      return;
    }
    switch (type) {
      case KINDS.deployments:
        reconcile('deployments', namespace, name, (d) => reconcileDeployment(ctx, d));
        break;
      case KINDS.replicasets:
        reconcile('replicasets', namespace, name, (rs) => reconcileReplicaSet(ctx, rs));
        reconcileOwner(object);
        break;
      case KINDS.pods:
        if (object.metadata.deletionTimestamp) {
          enqueue(`kubelet-stop/${object.metadata.uid}`, () => kubelet.stop(object));
        }
        if (change.type === 'ADDED')
          enqueue(`kubelet/${object.metadata.uid}`, () => {
            const latest = api.store.get(KINDS.pods, namespace, name);
            if (latest?.metadata.uid === object.metadata.uid) kubelet.start(latest);
          });
        reconcileOwner(object);
        break;
      case KINDS.jobs:
        reconcile('jobs', namespace, name, (j) => reconcileJob(ctx, j));
        break;
      case KINDS.services:
        reconcile('services', namespace, name, (s) => reconcileLoadBalancer(ctx, s));
        break;
      case KINDS.namespaces:
        if (change.type === 'ADDED') enqueue(`ns-init/${name}`, () => initNamespace(name));
        if (object.status?.phase === 'Terminating')
          enqueue(`ns-term/${name}`, () => terminateNamespace(name));
        break;
    }
  }

  /** The namespace controllers' defaults: the `default` ServiceAccount and the root CA bundle. */
  function initNamespace(namespace: string): void {
    const manager = { fieldManager: 'kube-controller-manager', fieldValidation: 'Ignore' };
    if (!api.store.get(KINDS.serviceaccounts, namespace, 'default')) {
      api.create(KINDS.serviceaccounts, namespace, { metadata: { name: 'default' } }, manager);
    }
    if (!api.store.get(KINDS.configmaps, namespace, 'kube-root-ca.crt')) {
      api.create(
        KINDS.configmaps,
        namespace,
        {
          metadata: {
            name: 'kube-root-ca.crt',
            annotations: {
              'kubernetes.io/description':
                'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.'
            }
          },
          data: { 'ca.crt': caPem }
        },
        manager
      );
    }
  }

  function terminateNamespace(namespace: string): void {
    for (const type of RESOURCE_TYPES.filter((t) => t.namespaced)) {
      for (const o of api.store.list(type, namespace))
        api.store.remove(type, namespace, o.metadata.name);
    }
    api.store.remove(KINDS.namespaces, undefined, namespace);
  }

  /** The garbage collector: dependents whose owners are all gone are deleted in the background. */
  function collectDependents(owner: KObject): void {
    for (const type of RESOURCE_TYPES) {
      for (const o of api.store.list(type, owner.metadata.namespace)) {
        const refs: Array<{ uid: string; kind: string; name: string }> =
          o.metadata.ownerReferences ?? [];
        if (!refs.some((r) => r.uid === owner.metadata.uid)) continue;
        const remaining = refs.filter((r) => r.uid !== owner.metadata.uid);
        if (remaining.length === 0) api.delete(type, o.metadata.namespace, o.metadata.name);
      }
    }
  }

  const unsubscribe = api.store.subscribe(onChange);
  for (const ns of api.store.list(KINDS.namespaces)) initNamespace(ns.metadata.name);

  return {
    stop() {
      stopped = true;
      unsubscribe();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
    podLog(namespace, podName, container) {
      const pod = api.get(KINDS.pods, namespace, podName);
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
  };
}
