// What every simulated controller shares: the API, the cluster's options, an event recorder,
// and timers that all stop with the cluster.
import type { Api } from '../api.js';
import { typeOf } from '../resources.js';
import { ApiError } from '../status.js';
import type { KObject } from '../store.js';
import type { EventRecorder } from './events.js';
import type { ImageChecker } from './images.js';

export interface ControllerSettings {
  region: string;
  podReadyDelayMs: number;
  /** How long containers take to exit after SIGTERM (capped by the pod's grace period). */
  stopDelayMs: number;
  /** Pods a node has room for, Terminating ones included (Infinity: no limit). */
  podsPerNode: number;
  loadBalancerDelayMs: number;
  /** How many nodes the cluster starts with (Node objects the scheduler binds to, DaemonSets run on). */
  nodes: number;
  /** Pods fit on no node (until Cluster Autoscaler adds one, when `clusterAutoscaler` says so). */
  unschedulable: boolean;
  clusterAutoscaler?: ClusterAutoscalerSettings;
  isCrashLooping(image: string): boolean;
  /** Images that start but never become Ready (a failing readiness probe). */
  isNeverReady(image: string): boolean;
  /** How many pulls of this image fail transiently before one succeeds (0: none), and why. */
  flakyPulls(image: string): { failures: number; cause: string };
  /** Why no LoadBalancer can be made (no address is ever assigned); undefined: they work. */
  loadBalancerFailure?: string;
}

/** What Cluster Autoscaler does about pods that fit on no node. */
export type ClusterAutoscalerSettings =
  | {
      /** It adds a node to this node group (an ASG), which is Ready after `scaleUpMs`. */
      scaleUpMs: number;
      nodeGroup: string;
      maxSize: number;
    }
  | {
      /** It will not add a node, and says why (`NotTriggerScaleUp`). */
      notTriggerScaleUp: string;
    };

export interface ControllerContext {
  api: Api;
  settings: ControllerSettings;
  events: EventRecorder;
  images: ImageChecker;
  /**
   * Runs `fn` after `ms` unless the cluster stopped; errors are logged, not thrown. A `key`
   * replaces the pending timer of the same key.
   */
  later(ms: number, fn: () => void | Promise<void>, key?: string): void;
  /** Pod logs by pod uid and container name. */
  logs: Map<string, Map<string, string>>;
}

// The controllers' modules import typeOf from here with the rest of their context.
export { typeOf };

export function controllerOf(
  object: KObject
): { kind: string; name: string; uid: string } | undefined {
  return (object.metadata.ownerReferences ?? []).find(
    (r: { controller?: boolean }) => r.controller
  );
}

export function ownerReference(owner: KObject) {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true
  };
}

/** What a controller's pod create came to: the pod's name, or the API server's refusal. */
export type PodCreation = { name: string; error?: undefined } | { error: string };

/**
 * Creates a pod from `owner.spec.template`, owned by it: named `extra.name`, or
 * `<owner>-<5 random>` by the API server from `generateName`. Events are the caller's.
 */
export function createPodFor(
  ctx: ControllerContext,
  owner: KObject,
  extra: { name?: string; labels?: Record<string, string>; spec?: Record<string, unknown> } = {}
): PodCreation {
  const namespace = owner.metadata.namespace;
  const template = structuredClone(owner.spec.template);
  try {
    const created = ctx.api.create(
      typeOf('pods'),
      namespace,
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          ...template.metadata,
          ...(extra.name ? { name: extra.name } : { generateName: `${owner.metadata.name}-` }),
          labels: { ...template.metadata?.labels, ...extra.labels },
          namespace,
          ownerReferences: [ownerReference(owner)]
        },
        spec: { ...template.spec, ...extra.spec }
      },
      { fieldManager: 'kube-controller-manager', fieldValidation: 'Ignore' }
    );
    return { name: created.metadata.name };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { error: error.message };
  }
}

/**
 * A pod for `owner` with the events of client-go's pod control, which the ReplicaSet,
 * DaemonSet and Job controllers share: `SuccessfulCreate`, or `FailedCreate` with the refusal
 * (`Error creating: pods "web-7d4b9c-" is forbidden: exceeded quota: …`).
 */
export function createOwnedPod(
  ctx: ControllerContext,
  owner: KObject,
  controller: string,
  extra: { labels?: Record<string, string>; spec?: Record<string, unknown> } = {}
): PodCreation {
  const created = createPodFor(ctx, owner, extra);
  if (created.error === undefined)
    ctx.events.record(
      owner,
      'Normal',
      'SuccessfulCreate',
      `Created pod: ${created.name}`,
      controller
    );
  else
    ctx.events.record(
      owner,
      'Warning',
      'FailedCreate',
      `Error creating: ${created.error}`,
      controller
    );
  return created;
}

/** Deletes one of `owner`'s pods with the pod control's `SuccessfulDelete` event. */
export function deleteOwnedPod(
  ctx: ControllerContext,
  owner: KObject,
  pod: KObject,
  controller: string
): void {
  ctx.api.delete(typeOf('pods'), pod.metadata.namespace, pod.metadata.name, {});
  ctx.events.record(
    owner,
    'Normal',
    'SuccessfulDelete',
    `Deleted pod: ${pod.metadata.name}`,
    controller
  );
}
