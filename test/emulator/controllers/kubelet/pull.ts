// Image pulls: an image that pulls goes on to start; one that does not goes ErrImagePull, then
// ImagePullBackOff with the kubelet ≥1.32 message (`Back-off pulling image "x": ErrImagePull:
// <cause>`). Not-found is final; a `flakyPulls` cause fails that many times per pod and image,
// and the kubelet pulls again after its back-off.
import type { KObject } from '../../store.js';
import { splitImage, type PullRefusal } from '../images.js';
import { containerStatus, type Container, type KubeletContext } from './pod-status.js';

/** How containerd words a pull whose registry request failed for `cause`. */
function flakyMessage(c: Container, cause: string): string {
  return `rpc error: code = Unknown desc = failed to pull and unpack image "${c.image}": failed to resolve reference "${c.image}": failed to do request: Head "https://${c.image.split('/')[0]}/v2/": ${cause}`;
}

/** How containerd words a pull refused for good (the image is missing, or the token may not read it). */
function refusedMessage(c: Container, refusal: PullRefusal): string {
  if (refusal === 'not found')
    return `rpc error: code = NotFound desc = failed to pull and unpack image "${c.image}": failed to resolve reference "${c.image}": ${c.image}: not found`;
  const { host, repository } = splitImage(c.image);
  return `rpc error: code = Unknown desc = failed to pull and unpack image "${c.image}": failed to resolve reference "${c.image}": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://${host}/token?scope=repository%3A${encodeURIComponent(repository)}%3Apull&service=${host}: 401 Unauthorized`;
}

export interface Puller {
  pull(pod: KObject, containers: Container[]): Promise<void>;
}

export function startPuller(
  k: KubeletContext,
  pulled: (pod: KObject, containers: Container[]) => void
): Puller {
  const { settings } = k;
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
        const refusal = await k.images.refusal(c.image);
        return { c, refusal, ok: !refusal && !flaky(pod, c) };
      })
    );
    for (const { c } of results)
      k.containerEvent(pod, c, 'Normal', 'Pulling', `Pulling image "${c.image}"`);
    k.later(settings.podReadyDelayMs, () => {
      if (!k.alive(pod)) return;
      const failed = results.filter((r) => !r.ok);
      if (failed.length) {
        return pullFailed(pod, containers, new Map(failed.map((r) => [r.c, r.refusal])));
      }
      for (const c of containers) {
        k.containerEvent(
          pod,
          c,
          'Normal',
          'Pulled',
          `Successfully pulled image "${c.image}" in 1.204s (1.204s including waiting). Image size: 45123456 bytes.`
        );
      }
      pulled(pod, containers);
    });
  }

  /** `failed`: each failing container and its refusal (undefined: a transient cause). */
  function pullFailed(
    pod: KObject,
    containers: Container[],
    failures: Map<Container, PullRefusal | undefined>
  ): void {
    const failed = [...failures.keys()];
    const transient = [...failures.values()].every((r) => r === undefined);
    const waiting = (reason: string, message: (c: Container) => string) =>
      k.setStatus(pod, (s) => {
        s.containerStatuses = containers.map((c) =>
          failed.includes(c)
            ? containerStatus(c, { waiting: { reason, message: message(c) } }, false)
            : containerStatus(c, { waiting: { reason: 'PodInitializing' } }, false)
        );
      });
    const cause = (c: Container) => {
      const refusal = failures.get(c);
      return refusal
        ? refusedMessage(c, refusal)
        : flakyMessage(c, settings.flakyPulls(c.image).cause);
    };
    for (const c of failed) {
      k.containerEvent(
        pod,
        c,
        'Warning',
        'Failed',
        `Failed to pull image "${c.image}": ${cause(c)}`
      );
      k.containerEvent(pod, c, 'Warning', 'Failed', 'Error: ErrImagePull');
    }
    waiting('ErrImagePull', cause);
    k.later(settings.podReadyDelayMs, () => {
      if (!k.alive(pod)) return;
      for (const c of failed) {
        k.containerEvent(pod, c, 'Normal', 'BackOff', `Back-off pulling image "${c.image}"`);
        k.containerEvent(pod, c, 'Warning', 'Failed', 'Error: ImagePullBackOff');
      }
      waiting(
        'ImagePullBackOff',
        (c) => `Back-off pulling image "${c.image}": ErrImagePull: ${cause(c)}`
      );
      // The kubelet retries after its back-off; a transient cause may have passed by then.
      if (transient)
        k.later(settings.podReadyDelayMs * 2, () => {
          if (k.alive(pod)) void pull(pod, containers);
        });
    });
  }

  return { pull };
}
