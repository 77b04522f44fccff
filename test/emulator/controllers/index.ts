// Runs the simulated control plane: watches every change in the store and reconciles the
// objects it concerns, like kube-controller-manager, the scheduler, the kubelet, Cluster
// Autoscaler and the AWS cloud controller together. Work is queued by object and run on the
// next tick (queue.ts), so a burst of writes is reconciled once.
import type { Api } from '../api.js';
import type { Change, KObject } from '../store.js';
import {
  controllerOf,
  typeOf,
  type ControllerContext,
  type ControllerSettings
} from './context.js';
import { reconcileDaemonSet } from './daemonsets.js';
import { reconcileDeployment } from './deployments.js';
import { EventRecorder } from './events.js';
import { collectDependents } from './garbage-collector.js';
import type { ImageChecker } from './images.js';
import { defaultJobSelector, reconcileJob } from './jobs.js';
import { addNode, startKubelet } from './kubelet/index.js';
import { initNamespace, terminateNamespace } from './namespaces.js';
import { podLog } from './pod-logs.js';
import { workQueue } from './queue.js';
import { admitPod, refreshQuotas } from './quota.js';
import { reconcileReplicaSet } from './replicasets.js';
import { keepAllocatedValues, reconcileLoadBalancer, serviceAllocator } from './services.js';
import { reconcileStatefulSet } from './statefulsets.js';

export interface Controllers {
  stop(): void;
  podLog(namespace: string, pod: string, container: string | null): string;
}

/** The controller of each kind, by resource. */
const RECONCILERS: Record<string, (ctx: ControllerContext, o: KObject) => void> = {
  deployments: reconcileDeployment,
  replicasets: reconcileReplicaSet,
  statefulsets: reconcileStatefulSet,
  daemonsets: reconcileDaemonSet,
  jobs: reconcileJob,
  services: reconcileLoadBalancer
};
const OWNER_KINDS: Record<string, string> = {
  ReplicaSet: 'replicasets',
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  Job: 'jobs'
};
const KINDS = {
  pods: typeOf('pods'),
  jobs: typeOf('jobs'),
  services: typeOf('services'),
  namespaces: typeOf('namespaces'),
  nodes: typeOf('nodes'),
  resourcequotas: typeOf('resourcequotas')
};

export function startControllers(
  api: Api,
  settings: ControllerSettings,
  images: ImageChecker,
  caPem: string
): Controllers {
  const queue = workQueue();
  const ctx: ControllerContext = {
    api,
    settings,
    images,
    events: new EventRecorder(api),
    logs: new Map(),
    later: queue.later
  };
  const kubelet = startKubelet(ctx);
  const allocate = serviceAllocator();

  api.onAdmit((type, object) => {
    if (type === KINDS.pods) admitPod(ctx, object);
  });
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

  const reconcile = (resource: string, namespace: string | undefined, name: string) => {
    const fn = RECONCILERS[resource];
    queue.enqueue(`${resource}/${namespace}/${name}`, () => {
      const latest = api.store.get(typeOf(resource), namespace, name);
      if (latest) fn(ctx, latest);
    });
  };
  const reconcileOwner = (object: KObject) => {
    const owner = controllerOf(object);
    const resource = owner && OWNER_KINDS[owner.kind];
    if (resource) reconcile(resource, object.metadata.namespace, owner.name);
  };
  /** A DaemonSet runs on every node: a node that joins gets their pods. */
  const reconcileDaemonSets = () => {
    for (const ds of api.store.list(typeOf('daemonsets')))
      reconcile('daemonsets', ds.metadata.namespace, ds.metadata.name);
  };

  function onChange(change: Change): void {
    const { object, resourceType: type } = change;
    const { namespace, name } = object.metadata;
    if (type === KINDS.pods || type === KINDS.resourcequotas)
      queue.enqueue(`quota/${namespace}`, () => refreshQuotas(ctx, namespace as string));
    if (change.type === 'DELETED') {
      queue.enqueue(`gc/${object.metadata.uid}`, () => collectDependents(ctx, object));
      if (type === KINDS.pods) {
        ctx.logs.delete(object.metadata.uid);
        queue.enqueue('scheduler/retry', () => kubelet.podGone());
      }
      reconcileOwner(object);
      return;
    }
    if (type.resource in RECONCILERS) reconcile(type.resource, namespace, name);
    switch (type) {
      case KINDS.pods:
        if (object.metadata.deletionTimestamp) {
          queue.enqueue(`kubelet-stop/${object.metadata.uid}`, () => kubelet.stop(object));
        }
        if (change.type === 'ADDED')
          queue.enqueue(`kubelet/${object.metadata.uid}`, () => {
            const latest = api.store.get(KINDS.pods, namespace, name);
            if (latest?.metadata.uid === object.metadata.uid) kubelet.start(latest);
          });
        reconcileOwner(object);
        break;
      case KINDS.nodes:
        if (change.type === 'ADDED') reconcileDaemonSets();
        break;
      case KINDS.namespaces:
        if (change.type === 'ADDED')
          queue.enqueue(`ns-init/${name}`, () => initNamespace(ctx, name, caPem));
        if (object.status?.phase === 'Terminating')
          queue.enqueue(`ns-term/${name}`, () => terminateNamespace(ctx, name));
        break;
      default:
        // A ReplicaSet's change is its Deployment's business too.
        if (type.resource === 'replicasets') reconcileOwner(object);
    }
  }

  const unsubscribe = api.store.subscribe(onChange);
  for (let i = 0; i < settings.nodes; i++) addNode(ctx, i);
  for (const ns of api.store.list(KINDS.namespaces)) initNamespace(ctx, ns.metadata.name, caPem);

  return {
    stop() {
      queue.stop();
      unsubscribe();
    },
    podLog: (namespace, pod, container) => podLog(ctx, namespace, pod, container)
  };
}
