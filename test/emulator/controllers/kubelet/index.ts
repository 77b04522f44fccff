// The scheduler and the kubelet for every pod: bind to a node (scheduler.ts), mount the
// pod's Secrets and ConfigMaps (volumes.ts), pull its images (pull.ts), build each container's
// environment, start the containers and keep them running or let them finish
// (containers.ts).
import type { KObject } from '../../store.js';
import type { ControllerContext } from '../context.js';
import { startRunner } from './containers.js';
import { nodeIp } from './nodes.js';
import {
  condition,
  containerStatus,
  kubeletContext,
  type Container,
  type KubeletContext
} from './pod-status.js';
import { startPuller } from './pull.js';
import { startScheduler } from './scheduler.js';
import { configError, mountFailure } from './volumes.js';
import { typeOf } from '../context.js';

export { addNode } from './nodes.js';

export interface Kubelet {
  start(pod: KObject): void;
  stop(pod: KObject): void;
  /** A pod is gone: its room on the node may fit a pod waiting for one. */
  podGone(): void;
}

/** The pod on its node, waiting for its containers to be created. */
function admitted(k: KubeletContext, pod: KObject, podIp: string): void {
  const containers: Container[] = pod.spec.containers ?? [];
  const node = k.api.store.get(typeOf('nodes'), undefined, pod.spec.nodeName);
  k.setStatus(pod, (s) => {
    s.phase = 'Pending';
    s.conditions = [
      condition('PodReadyToStartContainers', false),
      condition('Initialized', true),
      condition(
        'Ready',
        false,
        'ContainersNotReady',
        `containers with unready status: [${containers.map((c) => c.name).join(' ')}]`
      ),
      condition('ContainersReady', false, 'ContainersNotReady'),
      condition('PodScheduled', true)
    ];
    s.hostIP = nodeIp(node);
    s.podIP = podIp;
    s.podIPs = [{ ip: podIp }];
    s.startTime = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    s.qosClass = 'BestEffort';
    s.containerStatuses = containers.map((c) =>
      containerStatus(c, { waiting: { reason: 'ContainerCreating' } }, false)
    );
  });
}

export function startKubelet(ctx: ControllerContext): Kubelet {
  const k = kubeletContext(ctx);
  const runner = startRunner(k);
  let podIp = 10;

  /** Each container's environment; missing Secrets/ConfigMaps: CreateContainerConfigError. */
  function createContainers(pod: KObject, containers: Container[]): void {
    if (!k.alive(pod)) return;
    const errors = new Map(containers.map((c) => [c, configError(k, pod, c)]));
    if ([...errors.values()].some((e) => e !== undefined)) {
      k.setStatus(pod, (s) => {
        s.containerStatuses = containers.map((c) => {
          const message = errors.get(c);
          return message
            ? containerStatus(
                c,
                { waiting: { reason: 'CreateContainerConfigError', message } },
                false
              )
            : containerStatus(c, { waiting: { reason: 'PodInitializing' } }, false);
        });
      });
      for (const [c, message] of errors)
        if (message) k.containerEvent(pod, c, 'Warning', 'Failed', `Error: ${message}`);
      k.later(
        ctx.settings.podReadyDelayMs * 2,
        () => createContainers(pod, containers),
        `config/${pod.metadata.uid}`
      );
      return;
    }
    for (const c of containers) {
      k.containerEvent(pod, c, 'Normal', 'Created', `Created container: ${c.name}`);
      k.containerEvent(pod, c, 'Normal', 'Started', `Started container ${c.name}`);
      k.log(pod, c.name, `Serving HTTP on 0.0.0.0 port 8000 (http://0.0.0.0:8000/) ...\n`);
    }
    runner.run(pod, containers, 0);
  }

  const puller = startPuller(k, createContainers);

  /** Volumes first: a Secret or ConfigMap that is missing holds the pod in ContainerCreating. */
  function mount(pod: KObject): void {
    if (!k.alive(pod)) return;
    const failure = mountFailure(k, pod);
    if (failure) {
      k.events.record(pod, 'Warning', 'FailedMount', failure, 'kubelet');
      k.later(ctx.settings.podReadyDelayMs * 2, () => mount(pod), `mount/${pod.metadata.uid}`);
      return;
    }
    void puller.pull(pod, pod.spec.containers ?? []);
  }

  function onBound(pod: KObject): void {
    const ip = `192.168.${Math.floor(podIp / 250) % 250}.${(podIp++ % 250) + 2}`;
    admitted(k, pod, ip);
    mount(pod);
  }

  const scheduler = startScheduler(k, onBound);

  return {
    start(pod) {
      if (pod.spec?.nodeName || pod.metadata.deletionTimestamp) return;
      const bound = scheduler.schedule(pod);
      if (bound) onBound(bound);
    },
    stop: runner.stop,
    podGone: () => scheduler.retryPending()
  };
}
