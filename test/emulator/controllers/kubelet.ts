// The scheduler and kubelet for every pod: bind to a node, pull images (or fail with
// ErrImagePull → ImagePullBackOff), start containers, become Ready after a delay; pods of
// Jobs and `helm test` (restartPolicy Never/OnFailure) run to completion; configured images
// crash into CrashLoopBackOff; an unschedulable cluster leaves pods Pending.
import { timestamp } from '../api.js';
import type { KObject } from '../store.js';
import { typeOf, type ControllerContext } from './context.js';

export const NODE_NAME = 'ip-192-168-42-17.eu-west-1.compute.internal';
const pods = typeOf('pods');

interface Container {
  name: string;
  image: string;
}

function condition(type: string, status: boolean, reason?: string, message?: string) {
  return {
    type,
    status: status ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: timestamp(),
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {})
  };
}

function containerStatus(
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

/** How containerd words a pull whose registry request failed for `cause`. */
function flakyMessage(c: Container, cause: string): string {
  return `rpc error: code = Unknown desc = failed to pull and unpack image "${c.image}": failed to resolve reference "${c.image}": failed to do request: Head "https://${c.image.split('/')[0]}/v2/": ${cause}`;
}

export interface Kubelet {
  start(pod: KObject): void;
  stop(pod: KObject): void;
}

export function startKubelet(ctx: ControllerContext): Kubelet {
  const { api, events, settings } = ctx;
  let podIp = 10;

  const setStatus = (pod: KObject, change: (status: KObject['status']) => void) =>
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
    );

  const alive = (pod: KObject) =>
    api.store.get(pods, pod.metadata.namespace, pod.metadata.name)?.metadata.uid ===
    pod.metadata.uid;

  const log = (pod: KObject, container: string, text: string) => {
    let byContainer = ctx.logs.get(pod.metadata.uid);
    if (!byContainer) ctx.logs.set(pod.metadata.uid, (byContainer = new Map()));
    byContainer.set(container, (byContainer.get(container) ?? '') + text);
  };

  function schedule(pod: KObject): void {
    if (settings.unschedulable) {
      setStatus(pod, (s) => {
        s.phase = 'Pending';
        s.conditions = [
          condition(
            'PodScheduled',
            false,
            'Unschedulable',
            '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.'
          )
        ];
      });
      events.record(
        pod,
        'Warning',
        'FailedScheduling',
        '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
        'default-scheduler'
      );
      return;
    }
    const bound = api.mutate(
      pods,
      pod.metadata.namespace,
      pod.metadata.name,
      (o) => {
        o.spec.nodeName = NODE_NAME;
      },
      'kube-scheduler'
    );
    if (!bound) return;
    events.record(
      bound,
      'Normal',
      'Scheduled',
      `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${NODE_NAME}`,
      'default-scheduler'
    );
    const containers: Container[] = bound.spec.containers ?? [];
    const ip = `192.168.${Math.floor(podIp / 250) % 250}.${(podIp++ % 250) + 2}`;
    setStatus(bound, (s) => {
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
      s.hostIP = '192.168.42.17';
      s.podIP = ip;
      s.podIPs = [{ ip }];
      s.startTime = timestamp();
      s.qosClass = 'BestEffort';
      s.containerStatuses = containers.map((c) =>
        containerStatus(c, { waiting: { reason: 'ContainerCreating' } }, false)
      );
    });
    void pull(bound, containers);
  }

  /** Failed pulls so far per pod and image, for `flakyPulls`. */
  const pullAttempts = new Map<string, number>();

  /** Why this pull fails transiently, or undefined when it goes through. */
  function flaky(pod: KObject, c: Container): string | undefined {
    const { failures, cause } = settings.flakyPulls(c.image);
    const key = `${pod.metadata.uid}/${c.image}`;
    const attempts = pullAttempts.get(key) ?? 0;
    if (attempts >= failures) return undefined;
    pullAttempts.set(key, attempts + 1);
    return flakyMessage(c, cause);
  }

  async function pull(pod: KObject, containers: Container[]): Promise<void> {
    const results = await Promise.all(
      containers.map(async (c) => {
        const ok = await ctx.images.isPullable(c.image);
        return { c, ok: ok && !flaky(pod, c), transient: ok };
      })
    );
    for (const { c } of results)
      events.record(
        pod,
        'Normal',
        'Pulling',
        `Pulling image "${c.image}"`,
        'kubelet',
        `spec.containers{${c.name}}`
      );
    ctx.later(settings.podReadyDelayMs, () => {
      if (!alive(pod)) return;
      const failed = results.filter((r) => !r.ok).map((r) => r.c);
      if (failed.length) {
        const transient = results.filter((r) => !r.ok).every((r) => r.transient);
        return pullFailed(pod, containers, failed, transient);
      }
      for (const c of containers) {
        events.record(
          pod,
          'Normal',
          'Pulled',
          `Successfully pulled image "${c.image}" in 1.204s (1.204s including waiting). Image size: 45123456 bytes.`,
          'kubelet',
          `spec.containers{${c.name}}`
        );
        events.record(
          pod,
          'Normal',
          'Created',
          `Created container: ${c.name}`,
          'kubelet',
          `spec.containers{${c.name}}`
        );
        events.record(
          pod,
          'Normal',
          'Started',
          `Started container ${c.name}`,
          'kubelet',
          `spec.containers{${c.name}}`
        );
        log(pod, c.name, `Serving HTTP on 0.0.0.0 port 8000 (http://0.0.0.0:8000/) ...\n`);
      }
      run(pod, containers, 0);
    });
  }

  function pullFailed(
    pod: KObject,
    containers: Container[],
    failed: Container[],
    transient = false
  ): void {
    const waiting = (reason: string, message: (c: Container) => string) =>
      setStatus(pod, (s) => {
        s.containerStatuses = containers.map((c) =>
          failed.includes(c)
            ? containerStatus(c, { waiting: { reason, message: message(c) } }, false)
            : containerStatus(c, { waiting: { reason: 'PodInitializing' } }, false)
        );
      });
    const causes = new Map(
      failed.map((c) => [
        c.name,
        transient ? flakyMessage(c, settings.flakyPulls(c.image).cause) : ''
      ])
    );
    const notFound = (c: Container) =>
      causes.get(c.name) ||
      `rpc error: code = NotFound desc = failed to pull and unpack image "${c.image}": failed to resolve reference "${c.image}": ${c.image}: not found`;
    for (const c of failed) {
      events.record(
        pod,
        'Warning',
        'Failed',
        `Failed to pull image "${c.image}": ${notFound(c)}`,
        'kubelet',
        `spec.containers{${c.name}}`
      );
      events.record(
        pod,
        'Warning',
        'Failed',
        'Error: ErrImagePull',
        'kubelet',
        `spec.containers{${c.name}}`
      );
    }
    waiting('ErrImagePull', notFound);
    ctx.later(settings.podReadyDelayMs, () => {
      if (!alive(pod)) return;
      for (const c of failed) {
        events.record(
          pod,
          'Normal',
          'BackOff',
          `Back-off pulling image "${c.image}"`,
          'kubelet',
          `spec.containers{${c.name}}`
        );
        events.record(
          pod,
          'Warning',
          'Failed',
          'Error: ImagePullBackOff',
          'kubelet',
          `spec.containers{${c.name}}`
        );
      }
      waiting(
        'ImagePullBackOff',
        (c) => `Back-off pulling image "${c.image}": ErrImagePull: ${notFound(c)}`
      );
      // The kubelet retries after its back-off; a transient cause may have passed by then.
      if (transient)
        ctx.later(settings.podReadyDelayMs * 2, () => {
          if (alive(pod)) void pull(pod, containers);
        });
    });
  }

  function run(pod: KObject, containers: Container[], restarts: number): void {
    const started = timestamp();
    const crashing = containers.filter((c) => settings.isCrashLooping(c.image));
    const unready = containers.filter((c) => settings.isNeverReady(c.image));
    const toCompletion = (pod.spec.restartPolicy ?? 'Always') !== 'Always';
    setStatus(pod, (s) => {
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
      ctx.later(settings.podReadyDelayMs, () => probeFails(pod, unready, 0));
    }
    if (crashing.length) {
      ctx.later(settings.podReadyDelayMs, () => crash(pod, containers, crashing, restarts));
    } else if (toCompletion) {
      ctx.later(settings.podReadyDelayMs, () => complete(pod, containers, started));
    }
  }

  /** A readiness probe that keeps failing: Unhealthy events, the pod stays Ready=False. */
  function probeFails(pod: KObject, unready: Container[], times: number): void {
    if (!alive(pod)) return;
    for (const c of unready) {
      events.record(
        pod,
        'Warning',
        'Unhealthy',
        'Readiness probe failed: HTTP probe failed with statuscode: 503',
        'kubelet',
        `spec.containers{${c.name}}`
      );
      log(pod, c.name, `GET /healthz HTTP/1.1 503 - not ready (emulated)\n`);
    }
    if (times < 5)
      ctx.later(settings.podReadyDelayMs * 2, () => probeFails(pod, unready, times + 1));
  }

  function crash(
    pod: KObject,
    containers: Container[],
    crashing: Container[],
    restarts: number
  ): void {
    if (!alive(pod)) return;
    const failed = (pod.spec.restartPolicy ?? 'Always') === 'Never';
    for (const c of crashing) {
      log(
        pod,
        c.name,
        `Traceback (most recent call last):\nRuntimeError: crashed on start (emulated)\n`
      );
      if (!failed)
        events.record(
          pod,
          'Warning',
          'BackOff',
          `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
          'kubelet',
          `spec.containers{${c.name}}`
        );
    }
    setStatus(pod, (s) => {
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
      ctx.later(settings.podReadyDelayMs * 2, () => crash(pod, containers, crashing, restarts + 1));
    }
  }

  function complete(pod: KObject, containers: Container[], started: string): void {
    if (!alive(pod)) return;
    for (const c of containers) log(pod, c.name, `${c.name}: completed (emulated)\n`);
    setStatus(pod, (s) => {
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

  /** SIGTERM: the containers (http.server) exit within the pull/start delay, then the pod goes. */
  function stop(pod: KObject): void {
    for (const c of (pod.spec.containers ?? []) as Container[]) {
      events.record(
        pod,
        'Normal',
        'Killing',
        `Stopping container ${c.name}`,
        'kubelet',
        `spec.containers{${c.name}}`
      );
    }
    const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000;
    ctx.later(
      Math.min(graceMs, settings.podReadyDelayMs),
      () => {
        if (alive(pod)) api.store.remove(pods, pod.metadata.namespace, pod.metadata.name);
      },
      `stop/${pod.metadata.uid}`
    );
  }

  return {
    start(pod) {
      if (!pod.spec?.nodeName && !pod.metadata.deletionTimestamp) schedule(pod);
    },
    stop
  };
}
