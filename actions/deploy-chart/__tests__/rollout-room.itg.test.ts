// Fail-fast on a rolling update whose new pod must wait for room on a full node, on the
// emulator and on the real control plane (real scheduler and deployment controller, kwok's
// node with room for one pod): with maxUnavailable 1 the old pod terminates for longer than
// the no-scale-up bound and the new pod waits for its room (no early stop); with maxSurge 1 /
// maxUnavailable 0 the surge pod can never fit and is stopped with the scheduler's reason.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createKubeClient, type KubeClient } from '../src/cluster/client.js';
import type { Pod } from '../src/cluster/types.js';
import {
  clusterKinds,
  START_TIMEOUT_MS,
  startDeployCluster,
  type DeployCluster
} from '../../../test/harness/clusters.js';
import { captureStdout } from './cluster/capture-stdout.js';
import { failFastOn, releaseWriter, type Shape } from './cluster/live-release.js';

const NS = 'omer';
const ADMIN = 'room-admin-token';
/** The scheduler's words for a node without room for one more pod (both kinds say them). */
const TOO_MANY_PODS =
  '0/1 nodes are available: 1 Too many pods. no new claims to deallocate, preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';
// Short bounds so each case takes seconds; the old pod takes 4 s to stop, longer than them.
const RULES = { noScaleUpMs: 1500 };

captureStdout();

describe.each(clusterKinds())('[%s] a rolling update on a node with room for one pod', (kind) => {
  let cluster: DeployCluster;
  let client: KubeClient;
  const writer = releaseWriter(() => cluster, ADMIN, NS);
  beforeAll(async () => {
    cluster = await startDeployCluster(kind, {
      staticTokens: [ADMIN],
      namespaces: ['default', NS],
      podReadyDelayMs: 200,
      stopDelayMs: 4000,
      podsPerNode: 1,
      pullableImages: [/^registry\.local\//]
    });
    client = createKubeClient({
      contextName: kind,
      server: cluster.url,
      caPem: cluster.caPem,
      insecureSkipTlsVerify: false,
      token: ADMIN
    });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await cluster?.stop();
  });

  const podsOf = async (app: string) =>
    (await client.list<Pod>(`/api/v1/namespaces/${NS}/pods`, { labelSelector: `app=${app}` }))
      .items;
  const runningImage = async (app: string) => {
    const live = (await podsOf(app)).filter((p) => !p.metadata?.deletionTimestamp);
    return live.length === 1 && live[0].status?.phase === 'Running'
      ? live[0].status.containerStatuses?.[0]?.image
      : undefined;
  };
  const until = async (what: string, check: () => Promise<boolean>) => {
    for (let i = 0; !(await check()); i++) {
      if (i === 150) throw new Error(`not within 15 s: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  /** Installs `app` at image :1, waits for its pod, upgrades it to :2 (revision 2). */
  async function rollOut(app: string, shape: Shape): Promise<void> {
    const image = (tag: number) => `registry.local/${app}:${tag}`;
    await writer.install(app, [[app, image(1)]], [], shape);
    await until(
      `${app}:1 running`,
      async () => (await runningImage(app))?.endsWith(image(1)) ?? false
    );
    await writer.upgrade(app, app, image(2), shape);
  }

  test('maxUnavailable 1: the new pod waits for the room its old pod frees; no early stop', async () => {
    await rollOut('swap', { replicas: 1, maxSurge: 0, maxUnavailable: 1 });
    await until('the new pod Unschedulable', async () =>
      (await podsOf('swap')).some((p) =>
        p.status?.conditions?.some(
          (c) => c.reason === 'Unschedulable' && c.message === TOO_MANY_PODS
        )
      )
    );
    const waited = await failFastOn(client, NS, 'swap', 8000, { revision: 2, rules: RULES });
    expect(waited).toEqual([]);
    expect(await runningImage('swap')).toMatch(/swap:2$/);
    // Its pod gives the node's one place back for the next case.
    await client.delete(`/apis/apps/v1/namespaces/${NS}/deployments/swap`);
    await until('swap pods gone', async () => (await podsOf('swap')).length === 0);
  });

  test("maxSurge 1 / maxUnavailable 0: the surge pod can never fit, stopped after the bound with the scheduler's reason", async () => {
    await rollOut('stuck', { replicas: 1, maxSurge: 1, maxUnavailable: 0 });
    const failures = await failFastOn(client, NS, 'stuck', 15_000, { revision: 2, rules: RULES });
    expect(failures).toHaveLength(1);
    expect(failures[0].reason).toBe('Unschedulable');
    expect(failures[0].message).toMatch(/ \(for \d+s and no autoscaler is adding a node\)$/);
    expect(failures[0].message.startsWith(TOO_MANY_PODS)).toBe(true);
  });
});
