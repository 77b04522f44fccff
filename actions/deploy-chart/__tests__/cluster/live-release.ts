// A release as helm leaves it on a live cluster, without helm: the release Secret helm writes
// for a revision before it applies anything, then the objects applied through the API. For
// fail-fast and diagnostics tests against the emulator or the real control plane.
import { stringify } from 'yaml';
import type { KubeClient } from '../../src/cluster/client.js';
import { watchRollout } from '../../src/cluster/fail-fast.js';
import { Permissions } from '../../src/cluster/permissions.js';
import type { FailFastRules, PodFailure } from '../../src/cluster/pod-failure.js';
import { kubeRequest } from '../../../../test/emulator/__tests__/client.js';
import type { Cluster } from '../../../../test/emulator/index.js';
import { encodeRecord } from './helm-storage.js';

/** Replicas and rolling-update limits of a test Deployment. */
export interface Shape {
  replicas: number;
  maxSurge: number;
  maxUnavailable: number;
}
export const THREE_SURGING: Shape = { replicas: 3, maxSurge: 1, maxUnavailable: 0 };

/** Deployment `name` labelled `app: <name>`, one container `main`. */
export function deploymentObject(name: string, image: string, shape = THREE_SURGING) {
  const { replicas, maxSurge, maxUnavailable } = shape;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } },
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image }] }
      }
    }
  };
}

function loadBalancer(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port: 80 }] }
  };
}

/** Writes releases into `namespace` of `target` as `token` (an identity allowed everything). */
export function releaseWriter(
  target: () => Pick<Cluster, 'url' | 'caPem'>,
  token: string,
  namespace: string
) {
  const ns = encodeURIComponent(namespace);
  const send = async (method: string, path: string, body: object) => {
    const contentType = method === 'PATCH' ? 'application/merge-patch+json' : undefined;
    const answer = await kubeRequest(target(), token, method, path, { body, contentType });
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${JSON.stringify(answer.body)}`);
  };
  const record = (release: string, revision: number, objects: object[]) => {
    const status = revision === 1 ? 'pending-install' : 'pending-upgrade';
    const manifest = objects.map((o) => `---\n${stringify(o)}`).join('');
    const data = {
      name: release,
      version: revision,
      info: { status },
      chart: { metadata: { name: release, version: '1.0.0' } },
      manifest
    };
    return send('POST', `/api/v1/namespaces/${ns}/secrets`, {
      metadata: {
        name: `sh.helm.release.v1.${release}.v${revision}`,
        labels: { owner: 'helm', name: release, version: String(revision), status }
      },
      type: 'helm.sh/release.v1',
      data: { release: encodeRecord(data) }
    });
  };
  return {
    /** Revision 1: its record, then its Deployments and LoadBalancer Services created. */
    async install(
      release: string,
      deployments: Array<[string, string]>,
      services: string[] = [],
      shape = THREE_SURGING
    ): Promise<void> {
      const workloads = deployments.map(([name, image]) => deploymentObject(name, image, shape));
      const lbs = services.map(loadBalancer);
      await record(release, 1, [...workloads, ...lbs]);
      for (const object of workloads)
        await send('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, object);
      for (const object of lbs) await send('POST', `/api/v1/namespaces/${ns}/services`, object);
    },
    /** Revision 2 of a one-Deployment release: its record, then the new image applied. */
    async upgrade(release: string, name: string, image: string, shape: Shape): Promise<void> {
      await record(release, 2, [deploymentObject(name, image, shape)]);
      const template = { spec: { containers: [{ name: 'main', image }] } };
      await send('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/${name}`, {
        spec: { template }
      });
    }
  };
}

/** Fail-fast on revision `revision` of `release` for `ms`, or until it reports. */
export async function failFastOn(
  client: KubeClient,
  namespace: string,
  release: string,
  ms: number,
  options: { revision?: number; rules?: Partial<FailFastRules> } = {}
): Promise<PodFailure[]> {
  const failures: PodFailure[] = [];
  const watch = watchRollout(client, {
    release,
    namespace,
    revision: options.revision ?? 1,
    permissions: new Permissions(namespace),
    onFailure: (f) => failures.push(f),
    pollMs: 200,
    rules: options.rules
  });
  for (const end = Date.now() + ms; !failures.length && Date.now() < end;) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await watch.stop();
  return failures;
}
