// What every simulated controller shares: the API, the cluster's options, an event recorder,
// and timers that all stop with the cluster.
import { randomSuffix, type Api } from '../api.js';
import { RESOURCE_TYPES, type ResourceType } from '../resources.js';
import type { KObject } from '../store.js';
import type { EventRecorder } from './events.js';
import type { ImageChecker } from './images.js';

export interface ControllerSettings {
  region: string;
  podReadyDelayMs: number;
  loadBalancerDelayMs: number;
  unschedulable: boolean;
  isCrashLooping(image: string): boolean;
  /** Images that start but never become Ready (a failing readiness probe). */
  isNeverReady(image: string): boolean;
  /** How many pulls of this image fail transiently before one succeeds (0: none), and why. */
  flakyPulls(image: string): { failures: number; cause: string };
  /** Why no LoadBalancer can be made (no address is ever assigned); undefined: they work. */
  loadBalancerFailure?: string;
}

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

export function typeOf(resource: string): ResourceType {
  const found = RESOURCE_TYPES.find((t) => t.resource === resource);
  if (!found) throw new Error(`unknown resource ${resource}`);
  return found;
}

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

/**
 * Creates a pod from `owner.spec.template`, owned by it, with the SuccessfulCreate event the
 * named controller records (the ReplicaSet and Job controllers both do exactly this).
 */
export function createOwnedPod(ctx: ControllerContext, owner: KObject, controller: string): string {
  const namespace = owner.metadata.namespace;
  const name = `${owner.metadata.name}-${randomSuffix()}`;
  const template = structuredClone(owner.spec.template);
  ctx.api.create(
    typeOf('pods'),
    namespace,
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...template.metadata, name, namespace, ownerReferences: [ownerReference(owner)] },
      spec: template.spec
    },
    { fieldManager: 'kube-controller-manager', fieldValidation: 'Ignore' }
  );
  ctx.events.record(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${name}`, controller);
  return name;
}
