// The plan of one upgrade, from the edges: helm renders and tells the current release, the
// API server reads live objects and dry-runs the rendered ones. Nothing in the cluster
// changes and no release revision is recorded.
import { maskSecret } from '../../../shared/src/mask.js';
import type { DeployPlan } from '../helm-args.js';
import type { HelmCli } from '../helm-cli.js';
import { KubeApiError, type KubeClient } from '../cluster/client.js';
import {
  asHelmSendsIt,
  discovery,
  dryRunApply,
  mapLimit,
  objectPath,
  readLive
} from './cluster.js';
import {
  ManifestError,
  objectKey,
  parseManifest,
  type JsonObject,
  type ManifestObject
} from './manifest.js';
import { computePlan, failedPlan, keysToRead, type Plan, type PlanFailure } from './plan.js';
import { HIDDEN, secretValues } from './redact.js';
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
 * (a three-way merge), helm 4 applies server-side without force unless `--force-conflicts`,
 * except on releases it still patches client-side (`apply_method: csa`). Pure.
 */
export function forceConflicts(major: 3 | 4, extraArgs: string[], applyMethod?: string): boolean {
  if (major === 3 || applyMethod === 'csa') return true;
  return extraArgs.some((arg) => arg === '--force-conflicts' || arg === '--force-conflicts=true');
}

export async function planUpgrade(
  helm: HelmCli,
  client: KubeClient,
  deploy: DeployPlan
): Promise<Plan> {
  const { release, namespace } = deploy;
  const [rendered, base] = await Promise.all([
    renderUpgrade(helm, deploy),
    readCurrentRelease(helm, client, { release, namespace })
  ]);
  const firstInstall = base === undefined;
  if ('error' in rendered)
    return failedPlan(release, namespace, firstInstall, {
      stage: 'render',
      reason: rendered.error
    });
  let objects: Map<string, ManifestObject>;
  let current: Map<string, ManifestObject> | undefined;
  try {
    objects = parseManifest(rendered.manifest, namespace);
    current = base && parseManifest(base.manifest, namespace);
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    return failedPlan(release, namespace, firstInstall, { stage: 'render', reason: error.message });
  }
  const known = secretValues([...objects.values(), ...(current?.values() ?? [])]);
  for (const value of known) maskSecret(value);

  const typeOf = discovery(client);
  const live = new Map<string, JsonObject | undefined>();
  await mapLimit(keysToRead(objects, current), PARALLEL, async (object) => {
    const type = await typeOf(object);
    live.set(
      objectKey(object),
      type && (await readLive(client, objectPath(type, object.name, object.namespace)))
    );
  });
  for (const body of live.values())
    if (body) for (const v of secretValues([{ kind: String(body.kind), body }])) maskSecret(v);

  const force = forceConflicts(helm.major, deploy.extraArgs, base?.applyMethod);
  const predicted = new Map<string, JsonObject>();
  let refused: PlanFailure | undefined;
  await mapLimit([...objects.values()], PARALLEL, async (object) => {
    if (refused) return;
    const type = await typeOf(object);
    const ref = {
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.name,
      namespace: object.namespace
    };
    if (!type) {
      refused ??= {
        stage: 'server',
        object: ref,
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
        object: ref,
        reason: scrub(`${error.statusCode} ${error.reason}: ${error.kubeMessage}`, known)
      };
    }
  });
  if (refused) return failedPlan(release, namespace, firstInstall, refused);
  return computePlan({ release, namespace, current, rendered: objects, live, predicted });
}
