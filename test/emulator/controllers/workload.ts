// What the workload controllers (deployment, replicaset, statefulset, daemonset) share: the
// objects an owner controls, pod readiness, template hashes, intstr percentages, conditions.
import { createHash } from 'node:crypto';
import { timestamp } from '../api.js';
import type { ResourceType } from '../resources.js';
import type { KObject } from '../store.js';
import { controllerOf, type ControllerContext } from './context.js';

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The objects `owner` controls that are not being deleted. */
export function owned(items: KObject[], owner: KObject): KObject[] {
  return items.filter(
    (o) => controllerOf(o)?.uid === owner.metadata.uid && !o.metadata.deletionTimestamp
  );
}

export function podReady(pod: KObject): boolean {
  return (pod.status?.conditions ?? []).some(
    (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'
  );
}

/** A short hash of a pod template in the alphabet of generated names (`pod-template-hash`). */
export function templateHash(template: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(template)).digest();
  return [...digest.subarray(0, 10)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** An intstr (`1`, `25%`) against a total, rounded up or down as the field's rule says. Pure. */
export function resolvePercent(
  value: number | string | undefined,
  total: number,
  roundUp: boolean
): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const percent = Number(value.replace('%', '')) / 100;
  return roundUp ? Math.ceil(total * percent) : Math.floor(total * percent);
}

export type Condition = Record<string, string>;

/**
 * Sets a condition as the controllers' SetCondition helpers do: nothing changes when status
 * and reason are the same (unless `touch`, which moves lastUpdateTime: progress was made);
 * lastTransitionTime moves only when the status changes. Deployment conditions carry a
 * lastUpdateTime, ReplicaSet ones do not (`updateTime: false`).
 */
export function setCondition(
  conditions: Condition[],
  type: string,
  status: string,
  reason: string,
  message: string,
  options: { touch?: boolean; updateTime?: boolean } = {}
): void {
  const now = timestamp();
  const existing = conditions.find((c) => c.type === type);
  if (existing) {
    if (existing.status === status && existing.reason === reason && !options.touch) return;
    if (existing.status !== status) existing.lastTransitionTime = now;
    if ('lastUpdateTime' in existing) existing.lastUpdateTime = now;
    Object.assign(existing, { status, reason, message });
  } else
    conditions.push({
      type,
      status,
      ...(options.updateTime === false ? {} : { lastUpdateTime: now }),
      lastTransitionTime: now,
      reason,
      message
    });
}

export function removeCondition(conditions: Condition[], type: string): Condition[] {
  return conditions.filter((c) => c.type !== type);
}

/**
 * Writes a workload's status as its controller does: fields that are 0 are left out (they are
 * `omitempty`), but for those in `always`.
 */
export function writeStatus(
  ctx: ControllerContext,
  type: ResourceType,
  owner: KObject,
  status: Record<string, unknown>,
  always: string[]
): void {
  ctx.api.mutate(
    type,
    owner.metadata.namespace,
    owner.metadata.name,
    (o) => {
      o.status = Object.fromEntries(
        Object.entries(status).filter(([key, value]) => value !== 0 || always.includes(key))
      );
    },
    'kube-controller-manager',
    'status'
  );
}

/**
 * The controller's rate-limited requeue after a pod it could not create: the quota or the
 * admission may let the next try through.
 */
export function requeue(
  ctx: ControllerContext,
  type: ResourceType,
  owner: KObject,
  reconcile: (ctx: ControllerContext, latest: KObject) => void
): void {
  ctx.later(
    ctx.settings.podReadyDelayMs * 2,
    () => {
      const latest = ctx.api.store.get(type, owner.metadata.namespace, owner.metadata.name);
      if (latest?.metadata.uid === owner.metadata.uid) reconcile(ctx, latest);
    },
    `retry/${owner.metadata.uid}`
  );
}
