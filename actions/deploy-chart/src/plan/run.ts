// The plan of one upgrade, from the edges: helm renders and tells the current release, the
// API server reads live objects and dry-runs the rendered ones. Nothing in the cluster
// changes and no release revision is recorded.
import { maskSecret } from '../../../shared/src/mask.js';
import type { DeployPlan } from '../helm-args.js';
import type { HelmCli } from '../helm-cli.js';
import { KubeApiError, type KubeClient } from '../cluster/client.js';
import { asHelmSendsIt, discovery, dryRunApply, limiter, objectPath, readLive } from './cluster.js';
import {
  ManifestError,
  objectKey,
  parseManifest,
  type JsonObject,
  type ManifestObject
} from './manifest.js';
import { computePlan, failedPlan, type ObjectRef, type Plan, type PlanFailure } from './plan.js';
import { HIDDEN, secretValues, sensitiveValues } from './redact.js';
import { readCurrentRelease, renderUpgrade } from './release.js';

/** Requests in flight at once: small charts finish in one round, large ones do not flood the server. */
const PARALLEL = 8;

/** A reason with every known Secret value taken out (server messages may quote values). Pure. */
export function scrub(text: string, known: string[]): string {
  return [...known]
    .sort((a, b) => b.length - a.length)
    .reduce((t, v) => t.split(v).join(HIDDEN), text);
}

/**
 * Whether the dry run may take fields other field managers own: helm 3 patches them anyway
 * (a three-way merge), and so does helm 4 on a release it patches client-side (one recorded
 * by helm 3 or with `apply_method: csa`, or `--server-side=false`); helm 4 applying
 * server-side (installs, `ssa` releases) only with `--force-conflicts`. `applyMethod`:
 * the base revision's, '' when it recorded none; undefined for an install. Pure.
 */
export function forceConflicts(major: 3 | 4, extraArgs: string[], applyMethod?: string): boolean {
  if (major === 3 || extraArgs.includes('--server-side=false')) return true;
  if (applyMethod !== undefined && applyMethod !== 'ssa') return true;
  return extraArgs.some((arg) => arg === '--force-conflicts' || arg === '--force-conflicts=true');
}

const refOf = (o: ManifestObject): ObjectRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.name,
  namespace: o.namespace
});

/** Reads each object once, live reads starting as soon as an object is known (while helm renders). */
function liveReader(client: KubeClient, run: ReturnType<typeof limiter>) {
  const typeOf = discovery(client);
  const reads = new Map<string, Promise<JsonObject | undefined>>();
  return {
    typeOf,
    read(object: ManifestObject): Promise<JsonObject | undefined> {
      const key = objectKey(object);
      if (!reads.has(key)) {
        const read = run(async () => {
          const type = await typeOf(object);
          return type && readLive(client, objectPath(type, object.name, object.namespace));
        });
        read.catch(() => undefined); // awaited later; a failure then is the plan's failure
        reads.set(key, read);
      }
      return reads.get(key)!;
    }
  };
}

export async function planUpgrade(
  helm: HelmCli,
  client: KubeClient,
  deploy: DeployPlan
): Promise<Plan> {
  const { release, namespace } = deploy;
  const run = limiter(PARALLEL);
  const live = liveReader(client, run);
  const rendering = renderUpgrade(helm, deploy);
  rendering.catch(() => undefined); // awaited below, after the release is read
  const base = await readCurrentRelease(helm, client, { release, namespace });
  const firstInstall = base === undefined;
  const fail = (failure: PlanFailure) => failedPlan(release, namespace, firstInstall, failure);
  let current: Map<string, ManifestObject> | undefined;
  let objects: Map<string, ManifestObject>;
  let sensitive: string[];
  try {
    current = base && parseManifest(base.manifest, namespace);
    for (const object of current?.values() ?? []) void live.read(object);
    const rendered = await rendering;
    if ('error' in rendered) return fail({ stage: 'render', reason: rendered.error });
    objects = parseManifest(rendered.manifest, namespace);
    sensitive = sensitiveValues(rendered.schema, rendered.values);
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    return fail({ stage: 'render', reason: error.message });
  }
  const known = [
    ...secretValues([...objects.values(), ...(current?.values() ?? [])]),
    ...sensitive
  ];
  for (const value of known) maskSecret(value);

  const force = forceConflicts(helm.major, deploy.extraArgs, base && (base.applyMethod ?? ''));
  const predicted = new Map<string, JsonObject>();
  let refused: PlanFailure | undefined;
  const dryRun = (object: ManifestObject) =>
    run(async () => {
      const type = await live.typeOf(object);
      if (!type) {
        refused ??= {
          stage: 'server',
          object: refOf(object),
          reason: `the cluster serves no ${object.kind} in ${object.apiVersion}`
        };
        return;
      }
      try {
        const path = objectPath(type, object.name, object.namespace);
        predicted.set(
          objectKey(object),
          await dryRunApply(client, path, asHelmSendsIt(object, release, namespace), force)
        );
      } catch (error) {
        if (!(error instanceof KubeApiError) || error.statusCode >= 500) throw error;
        refused ??= {
          stage: 'server',
          object: refOf(object),
          reason: scrub(`${error.statusCode} ${error.reason}: ${error.kubeMessage}`, known)
        };
      }
    });
  const everything = new Map([...(current ?? []), ...objects]);
  const [liveObjects] = await Promise.all([
    Promise.all(
      [...everything].map(async ([key, object]) => [key, await live.read(object)] as const)
    ),
    Promise.all([...objects.values()].map(dryRun))
  ]);
  if (refused) return fail(refused);
  for (const [, body] of liveObjects)
    if (body) for (const v of secretValues([{ kind: String(body.kind), body }])) maskSecret(v);
  return computePlan({
    release,
    namespace,
    current,
    rendered: objects,
    live: new Map(liveObjects),
    predicted
  });
}
