// The scheduler and Cluster Autoscaler: a pod is bound to a node (the one its node affinity
// pins it to, else one matching its nodeSelector, in turn); with `unschedulable` no node has
// room, nor does one holding `podsPerNode` pods: the pod stays Pending with
// `PodScheduled=False/Unschedulable` and `FailedScheduling`, and is tried again when a node
// joins or a pod is gone (as the real scheduler's queue moves it on those cluster events).
// Cluster Autoscaler then either says it will add a node (`TriggeredScaleUp`: `pod triggered
// scale-up: [{<node group> 1->2 (max: 10)}]`), which joins after `scaleUpMs` and takes the
// waiting pods, or that it will not (`NotTriggerScaleUp`: `pod didn't trigger scale-up: …`).
import type { KObject } from '../../store.js';
import { typeOf } from '../context.js';
import { pinnedNode } from '../daemonsets.js';
import { addNode, nodeAddress } from './nodes.js';
import { condition, pods, type KubeletContext } from './pod-status.js';

const nodes = typeOf('nodes');
const AUTOSCALER = 'cluster-autoscaler';

export interface Scheduler {
  /** Binds the pod, or leaves it Pending; returns the bound pod. */
  schedule(pod: KObject): KObject | undefined;
  /** Tries every pod still waiting for a node again (a node joined, a pod is gone). */
  retryPending(): void;
}

function unschedulable(k: KubeletContext, pod: KObject, message: string): void {
  k.setStatus(pod, (s) => {
    s.phase = 'Pending';
    s.conditions = [condition('PodScheduled', false, 'Unschedulable', message)];
  });
  k.events.record(pod, 'Warning', 'FailedScheduling', message, 'default-scheduler');
}

export function startScheduler(k: KubeletContext, onBound: (pod: KObject) => void): Scheduler {
  const { api, settings } = k;
  /** Nodes without room: with `unschedulable`, every node the cluster started with. */
  const full = new Set(
    settings.unschedulable
      ? Array.from({ length: settings.nodes }, (_, i) => nodeAddress(i, settings.region).name)
      : []
  );
  let scalingUp = false;
  let turn = 0;

  function retryPending(): void {
    for (const pod of api.store.list(pods)) {
      if (pod.spec?.nodeName || pod.metadata.deletionTimestamp) continue;
      const bound = schedule(pod);
      if (bound) onBound(bound);
    }
  }

  function nodeJoined(): void {
    addNode(k, api.store.list(nodes).length);
    scalingUp = false;
    retryPending();
  }

  /** Pods bound to the node and not finished: a Terminating one holds its room until gone. */
  function podsOn(node: string): number {
    return api.store
      .list(pods)
      .filter(
        (p) => p.spec?.nodeName === node && !['Succeeded', 'Failed'].includes(p.status?.phase)
      ).length;
  }

  function autoscale(pod: KObject, count: number): void {
    const autoscaler = settings.clusterAutoscaler;
    if (!autoscaler) return;
    if ('notTriggerScaleUp' in autoscaler) {
      k.events.record(
        pod,
        'Normal',
        'NotTriggerScaleUp',
        `pod didn't trigger scale-up: ${autoscaler.notTriggerScaleUp}`,
        AUTOSCALER
      );
      return;
    }
    k.events.record(
      pod,
      'Normal',
      'TriggeredScaleUp',
      `pod triggered scale-up: [{${autoscaler.nodeGroup} ${count}->${count + 1} (max: ${autoscaler.maxSize})}]`,
      AUTOSCALER
    );
    if (scalingUp) return;
    scalingUp = true;
    k.later(autoscaler.scaleUpMs, nodeJoined, 'cluster-autoscaler/scale-up');
  }

  function schedule(pod: KObject): KObject | undefined {
    const all = api.store.list(nodes);
    const count = all.length;
    const noCpu = all.filter((n) => full.has(n.metadata.name)).length;
    const roomy = all.filter(
      (n) => !full.has(n.metadata.name) && podsOn(n.metadata.name) < settings.podsPerNode
    );
    if (roomy.length === 0) {
      // kube-scheduler 1.35's words: each reason with its node count, in alphabetical order,
      // then the DRA plugin's and preemption's verdicts.
      const reasons = [
        noCpu && `${noCpu} Insufficient cpu`,
        count - noCpu && `${count - noCpu} Too many pods`
      ].filter(Boolean);
      unschedulable(
        k,
        pod,
        `0/${count} nodes are available: ${reasons.join(', ')}. no new claims to deallocate, preemption: 0/${count} nodes are available: ${count} No preemption victims found for incoming pod.`
      );
      autoscale(pod, count);
      return undefined;
    }
    const pinned = pinnedNode(pod);
    const selector: Record<string, string> = pod.spec?.nodeSelector ?? {};
    const fits = roomy.filter(
      (n) =>
        (!pinned || n.metadata.name === pinned) &&
        Object.entries(selector).every(([key, value]) => n.metadata.labels?.[key] === value)
    );
    if (fits.length === 0) {
      unschedulable(
        k,
        pod,
        `0/${count} nodes are available: ${count} node(s) didn't match Pod's node affinity/selector. no new claims to deallocate, preemption: 0/${count} nodes are available: ${count} Preemption is not helpful for scheduling.`
      );
      return undefined;
    }
    const node = fits[turn++ % fits.length].metadata.name;
    const bound = api.mutate(
      pods,
      pod.metadata.namespace,
      pod.metadata.name,
      (o) => {
        o.spec.nodeName = node;
      },
      'kube-scheduler'
    );
    if (!bound) return undefined;
    k.events.record(
      bound,
      'Normal',
      'Scheduled',
      `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node}`,
      'default-scheduler'
    );
    return bound;
  }

  return { schedule, retryPending };
}
