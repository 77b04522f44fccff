// Running containers: Ready after the start (unless a `neverReadyImages` readiness probe keeps
// failing: `Unhealthy`), `crashLoopImages` crash into CrashLoopBackOff with restart counts (or
// Failed under restartPolicy Never), pods of Jobs and `helm test` (restartPolicy
// Never/OnFailure) run to `Succeeded`; SIGTERM stops them within the grace period.
import { timestamp } from '../../api.js';
import type { KObject } from '../../store.js';
import {
  condition,
  containerStatus,
  pods,
  type Container,
  type KubeletContext
} from './pod-status.js';

export interface Runner {
  run(pod: KObject, containers: Container[], restarts: number): void;
  stop(pod: KObject): void;
}

export function startRunner(k: KubeletContext): Runner {
  const { settings } = k;

  function run(pod: KObject, containers: Container[], restarts: number): void {
    const started = timestamp();
    const crashing = containers.filter((c) => settings.isCrashLooping(c.image));
    const unready = containers.filter((c) => settings.isNeverReady(c.image));
    const toCompletion = (pod.spec.restartPolicy ?? 'Always') !== 'Always';
    k.setStatus(pod, (s) => {
      s.phase = 'Running';
      const ready = crashing.length === 0 && unready.length === 0;
      s.conditions = [
        condition('PodReadyToStartContainers', true),
        condition('Initialized', true),
        condition('Ready', ready),
        condition('ContainersReady', ready),
        condition('PodScheduled', true)
      ];
      s.containerStatuses = containers.map((c) =>
        containerStatus(c, { running: { startedAt: started } }, ready, restarts)
      );
    });
    if (unready.length) {
      k.later(settings.podReadyDelayMs, () => probeFails(pod, unready, 0));
    }
    if (crashing.length) {
      k.later(settings.podReadyDelayMs, () => crash(pod, containers, crashing, restarts));
    } else if (toCompletion) {
      k.later(settings.podReadyDelayMs, () => complete(pod, containers, started));
    }
  }

  /** A readiness probe that keeps failing: Unhealthy events, the pod stays Ready=False. */
  function probeFails(pod: KObject, unready: Container[], times: number): void {
    if (!k.alive(pod)) return;
    for (const c of unready) {
      k.containerEvent(
        pod,
        c,
        'Warning',
        'Unhealthy',
        'Readiness probe failed: HTTP probe failed with statuscode: 503'
      );
      k.log(pod, c.name, `GET /healthz HTTP/1.1 503 - not ready (emulated)\n`);
    }
    if (times < 5) k.later(settings.podReadyDelayMs * 2, () => probeFails(pod, unready, times + 1));
  }

  function crash(
    pod: KObject,
    containers: Container[],
    crashing: Container[],
    restarts: number
  ): void {
    if (!k.alive(pod)) return;
    const failed = (pod.spec.restartPolicy ?? 'Always') === 'Never';
    for (const c of crashing) {
      k.log(
        pod,
        c.name,
        `Traceback (most recent call last):\nRuntimeError: crashed on start (emulated)\n`
      );
      if (!failed)
        k.containerEvent(
          pod,
          c,
          'Warning',
          'BackOff',
          `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`
        );
    }
    k.setStatus(pod, (s) => {
      if (failed) s.phase = 'Failed';
      s.conditions = [
        condition('PodReadyToStartContainers', true),
        condition('Initialized', true),
        condition('Ready', false, 'ContainersNotReady'),
        condition('ContainersReady', false, 'ContainersNotReady'),
        condition('PodScheduled', true)
      ];
      s.containerStatuses = containers.map((c) => {
        if (!crashing.includes(c))
          return containerStatus(c, { running: { startedAt: timestamp() } }, false, restarts);
        const terminated = {
          exitCode: 1,
          reason: 'Error',
          startedAt: timestamp(),
          finishedAt: timestamp(),
          containerID: ''
        };
        return failed
          ? containerStatus(c, { terminated }, false, restarts)
          : containerStatus(
              c,
              {
                waiting: {
                  reason: 'CrashLoopBackOff',
                  message: `back-off ${10 * 2 ** restarts}s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`
                }
              },
              false,
              restarts + 1,
              { lastState: { terminated } }
            );
      });
    });
    // A few restarts are enough to show the pattern; a real kubelet goes on with growing delays.
    if (!failed && restarts < 3) {
      k.later(settings.podReadyDelayMs * 2, () => crash(pod, containers, crashing, restarts + 1));
    }
  }

  function complete(pod: KObject, containers: Container[], started: string): void {
    if (!k.alive(pod)) return;
    for (const c of containers) k.log(pod, c.name, `${c.name}: completed (emulated)\n`);
    k.setStatus(pod, (s) => {
      s.phase = 'Succeeded';
      s.conditions = [
        condition('PodReadyToStartContainers', false),
        condition('Initialized', true, 'PodCompleted'),
        condition('Ready', false, 'PodCompleted'),
        condition('ContainersReady', false, 'PodCompleted'),
        condition('PodScheduled', true)
      ];
      s.containerStatuses = containers.map((c) =>
        containerStatus(
          c,
          {
            terminated: {
              exitCode: 0,
              reason: 'Completed',
              startedAt: started,
              finishedAt: timestamp(),
              containerID: ''
            }
          },
          false
        )
      );
    });
  }

  /** SIGTERM: the containers exit after `stopDelayMs` (at most the grace), then the pod goes. */
  function stop(pod: KObject): void {
    for (const c of (pod.spec.containers ?? []) as Container[]) {
      k.containerEvent(pod, c, 'Normal', 'Killing', `Stopping container ${c.name}`);
    }
    const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000;
    k.later(
      Math.min(graceMs, settings.stopDelayMs),
      () => {
        if (k.alive(pod)) k.api.store.remove(pods, pod.metadata.namespace, pod.metadata.name);
      },
      `stop/${pod.metadata.uid}`
    );
  }

  return { run, stop };
}
