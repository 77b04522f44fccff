// The plan of an upgrade: which objects helm would add, change and remove, and per changed
// object the fields that change, from four inputs: the release's current manifest, the
// rendered upgrade, the live objects and the server-side dry run of each rendered object.
// Pure: the edges (helm, the API server) are in plan/render.ts and plan/cluster.ts.
import { diffFields, isDrift, withoutDroppedFields, withoutServerFields } from './diff.js';
import type { JsonObject, ManifestObject } from './manifest.js';
import { redactChange, redactObjectFields, secretValues, type ShownChange } from './redact.js';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

interface PlannedField extends ShownChange {
  /** The chart did not change this field; it was changed in the cluster since the last deploy. */
  drift: boolean;
}

export type PlanEntry =
  | {
      action: 'add';
      ref: ObjectRef;
      fields: ShownChange[];
      /** In the release, but gone from the cluster. */ missing: boolean;
    }
  | { action: 'change'; ref: ObjectRef; fields: PlannedField[] }
  | {
      action: 'remove';
      ref: ObjectRef;
      /** `helm.sh/resource-policy: keep`: helm leaves it in the cluster. */ kept: boolean;
    };

/** Why there is no list of changes: the chart did not render, or the server refused an object. */
export type PlanFailure =
  { stage: 'render'; reason: string } | { stage: 'server'; reason: string; object?: ObjectRef };

export interface Plan {
  release: string;
  namespace: string;
  /** The release has no deployed revision: everything is an addition. */
  firstInstall: boolean;
  entries: PlanEntry[];
  /** Rendered objects the upgrade leaves as they are. */
  unchanged: number;
  failure?: PlanFailure;
}

interface PlanInput {
  release: string;
  namespace: string;
  /** The manifest of the revision helm upgrades from; undefined when the release does not exist. */
  current?: Map<string, ManifestObject>;
  rendered: Map<string, ManifestObject>;
  /** The live object per rendered or current key; absent (or undefined) when it does not exist. */
  live: Map<string, JsonObject | undefined>;
  /** The server-side dry-run result per rendered key. */
  predicted: Map<string, JsonObject>;
  /** Values to hide wherever they appear (those the chart's values mark secret). */
  sensitive?: string[];
}

const refOf = ({ apiVersion, kind, namespace, name }: ManifestObject): ObjectRef => ({
  apiVersion,
  kind,
  name,
  ...(namespace === undefined ? {} : { namespace })
});

export function counts(plan: Plan): { added: number; changed: number; removed: number } {
  const count = (action: PlanEntry['action']) =>
    plan.entries.filter((e) => e.action === action && !(e.action === 'remove' && e.kept)).length;
  return { added: count('add'), changed: count('change'), removed: count('remove') };
}

export function hasChanges(plan: Plan): boolean {
  const { added, changed, removed } = counts(plan);
  return added + changed + removed > 0;
}

/** A plan that could not be computed: no entries, the reason. */
export function failedPlan(
  release: string,
  namespace: string,
  firstInstall: boolean,
  failure: PlanFailure
): Plan {
  return { release, namespace, firstInstall, entries: [], unchanged: 0, failure };
}

export function computePlan(input: PlanInput): Plan {
  const { current, rendered, live, predicted } = input;
  const known = [
    ...(input.sensitive ?? []),
    ...secretValues([
      ...rendered.values(),
      ...(current?.values() ?? []),
      ...[...live.entries()].flatMap(([key, body]) =>
        body ? [{ kind: key.split('/')[0], body }] : []
      )
    ])
  ];
  const adds: PlanEntry[] = [];
  const changes: PlanEntry[] = [];
  const removes: PlanEntry[] = [];
  let unchanged = 0;
  for (const [key, object] of rendered) {
    const before = live.get(key);
    const old = current?.get(key)?.body;
    if (!before) {
      adds.push({
        action: 'add',
        ref: refOf(object),
        fields: redactObjectFields(object.kind, object.body, known),
        missing: old !== undefined
      });
      continue;
    }
    const after = predicted.get(key);
    if (!after) throw new Error(`no dry-run result for ${key}`);
    const fields = diffFields(
      withoutServerFields(before),
      withoutServerFields(withoutDroppedFields(after, old, object.body))
    ).map((change) => ({
      ...redactChange(object.kind, change, known),
      drift: isDrift(change, old, object.body)
    }));
    if (fields.length) changes.push({ action: 'change', ref: refOf(object), fields });
    else unchanged++;
  }
  for (const [key, object] of current ?? []) {
    if (rendered.has(key)) continue;
    const annotations = (object.body.metadata as { annotations?: Record<string, unknown> })
      ?.annotations;
    const kept = annotations?.['helm.sh/resource-policy'] === 'keep';
    if (!kept && !live.get(key)) continue; // already gone: helm's delete finds nothing
    removes.push({ action: 'remove', ref: refOf(object), kept });
  }
  return {
    release: input.release,
    namespace: input.namespace,
    firstInstall: current === undefined,
    entries: [...adds, ...changes, ...removes],
    unchanged
  };
}
