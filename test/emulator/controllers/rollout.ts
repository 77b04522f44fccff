// The arithmetic of a Deployment's rolling update, as pkg/controller/deployment computes it
// (util.MaxSurge/MaxUnavailable, NewRSNewReplicas, reconcileOldReplicaSets with
// cleanupUnhealthyReplicas and scaleDownOldReplicaSetsForRollingUpdate). Pure: counts in,
// target replica counts out.
import { resolvePercent } from './workload.js';

export interface RollingLimits {
  maxSurge: number;
  maxUnavailable: number;
}

/** maxSurge (25%, rounded up) and maxUnavailable (25%, rounded down; 1 if both are 0). */
export function rollingLimits(
  strategy:
    | {
        type?: string;
        rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
      }
    | undefined,
  desired: number
): RollingLimits {
  if (strategy?.type === 'Recreate' || desired === 0) return { maxSurge: 0, maxUnavailable: 0 };
  const rolling = strategy?.rollingUpdate ?? {};
  const maxSurge = resolvePercent(rolling.maxSurge ?? '25%', desired, true);
  let maxUnavailable = resolvePercent(rolling.maxUnavailable ?? '25%', desired, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, desired) };
}

/**
 * The new ReplicaSet's replicas: down to `desired` when above it, else up by what the surge
 * leaves room for (`allReplicas`: the spec.replicas of every ReplicaSet, new one included).
 */
export function newReplicaSetReplicas(
  desired: number,
  limits: RollingLimits,
  newReplicas: number,
  allReplicas: number
): number {
  if (newReplicas >= desired) return desired;
  const maxTotal = desired + limits.maxSurge;
  if (allReplicas >= maxTotal) return newReplicas;
  return newReplicas + Math.min(maxTotal - allReplicas, desired - newReplicas);
}

export interface ReplicaSetCounts {
  /** spec.replicas */
  replicas: number;
  /** status.availableReplicas */
  available: number;
}

/**
 * The old ReplicaSets' new replica counts (oldest first in, same order out): unavailable pods
 * go first, then available ones while `desired - maxUnavailable` stay available.
 */
export function oldReplicaSetReplicas(
  desired: number,
  limits: RollingLimits,
  newSet: ReplicaSetCounts,
  olds: ReplicaSetCounts[]
): number[] {
  const next = olds.map((o) => o.replicas);
  const oldReplicas = next.reduce((n, r) => n + r, 0);
  if (oldReplicas === 0) return next;
  const allReplicas = oldReplicas + newSet.replicas;
  const minAvailable = desired - limits.maxUnavailable;
  const newUnavailable = newSet.replicas - newSet.available;
  const maxScaledDown = allReplicas - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return next;
  let cleaned = 0;
  olds.forEach((o, i) => {
    if (cleaned >= maxScaledDown || next[i] === 0 || o.available >= next[i]) return;
    const down = Math.min(maxScaledDown - cleaned, next[i] - o.available);
    next[i] -= down;
    cleaned += down;
  });
  const available = newSet.available + olds.reduce((n, o) => n + o.available, 0);
  if (available <= minAvailable) return next;
  let remaining = available - minAvailable;
  next.forEach((replicas, i) => {
    if (remaining <= 0 || replicas === 0) return;
    const down = Math.min(replicas, remaining);
    next[i] -= down;
    remaining -= down;
  });
  return next;
}
