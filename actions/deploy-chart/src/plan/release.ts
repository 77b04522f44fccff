// The two things helm knows and the plan needs: the manifest of the revision an upgrade starts
// from, and the manifest the upgrade would render. Both without changing anything.
import { ActionError } from '../../../shared/src/errors.js';
import { upgradeArgs, type DeployPlan } from '../helm-args.js';
import type { HelmCli } from '../helm-cli.js';
import type { KubeClient } from '../cluster/client.js';
import { helmError } from '../helm-outcome.js';
import type { ReleaseTarget } from '../cluster/release-plan.js';
import { decodeReleaseRecord, usesSecretStorage } from '../cluster/release-history.js';
import type { KubeObject } from '../cluster/types.js';

export interface StoredRelease {
  version: number;
  status: string;
  manifest: string;
  /** helm 4: `ssa` (server-side apply) or `csa`; absent for helm 3 releases. */
  applyMethod?: string;
}

interface ReleaseRecord {
  version?: number;
  info?: { status?: string };
  manifest?: string;
  apply_method?: string;
}

/**
 * The revision `helm upgrade` compares with (pkg/action/upgrade.go prepareUpgrade): the latest
 * if it is deployed, else the latest deployed one, else a latest that failed or was
 * superseded. Undefined: an upgrade would install. Pure.
 */
export function upgradeBase<R extends { version: number; status: string }>(
  releases: R[]
): R | undefined {
  const sorted = [...releases].sort((a, b) => a.version - b.version);
  const last = sorted.at(-1);
  if (!last || last.status === 'uninstalled') return undefined;
  if (last.status === 'deployed') return last;
  const deployed = sorted.filter((r) => r.status === 'deployed').at(-1);
  if (deployed) return deployed;
  return ['failed', 'superseded'].includes(last.status) ? last : undefined;
}

interface ReleaseSecret extends KubeObject {
  data?: { release?: string };
}

const decode = (secret: ReleaseSecret) =>
  decodeReleaseRecord(secret.data?.release ?? '') as ReleaseRecord;

/** A stored revision's number and status: from its labels, else (no labels) from its record. Pure. */
export function revisionOf(secret: ReleaseSecret): {
  version: number;
  status: string;
  secret: ReleaseSecret;
  record?: ReleaseRecord;
} {
  const { version, status } = secret.metadata?.labels ?? {};
  if (version && /^\d+$/.test(version) && status) {
    return { version: Number(version), status, secret };
  }
  const record = decode(secret);
  return {
    version: record.version ?? 0,
    status: record.info?.status ?? 'unknown',
    secret,
    record
  };
}

/**
 * The revision an upgrade starts from, from helm's Secret storage (one API call); with another
 * storage driver, `helm get manifest` of the latest revision. Only that revision's record is
 * decoded (base64, gzip, JSON of the whole chart): the others are told apart by the `version`
 * and `status` labels helm puts on every release Secret (pkg/storage/driver/secrets.go).
 */
export async function readCurrentRelease(
  helm: HelmCli,
  client: KubeClient,
  target: ReleaseTarget
): Promise<StoredRelease | undefined> {
  if (usesSecretStorage(process.env.HELM_DRIVER)) {
    const list = await client.list<ReleaseSecret>(
      `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/secrets`,
      { labelSelector: `owner=helm,name=${target.release}` }
    );
    const base = upgradeBase(
      list.items.flatMap((secret) => (secret.data?.release ? [revisionOf(secret)] : []))
    );
    if (!base) return undefined;
    const record = base.record ?? decode(base.secret);
    return {
      version: base.version,
      status: base.status,
      manifest: record.manifest ?? '',
      applyMethod: record.apply_method
    };
  }
  const args = ['get', 'manifest', target.release, '--namespace', target.namespace];
  const result = await helm.run(args, { silent: true });
  if (result.exitCode === 0) return { version: 0, status: 'deployed', manifest: result.stdout };
  if (/release: not found/.test(result.stderr)) return undefined;
  throw new ActionError(
    `helm ${args.join(' ')} failed (exit code ${result.exitCode}): ${helmError(result.stderr) ?? result.stderr.trim()}`
  );
}

/**
 * The manifest `helm upgrade --install` would apply, with the chart's values schema and the
 * values it rendered from (so the plan can hide what the chart marks secret); or helm's
 * reason it cannot render.
 */
export type Rendered =
  { manifest: string; schema?: unknown; values: unknown[] } | { error: string };

interface ReleaseJson {
  manifest?: string;
  /** The user's values (`--values`, `--set`). */
  config?: unknown;
  /** `schema`: base64 of values.schema.json; `values`: the chart's defaults. */
  chart?: { schema?: string; values?: unknown };
}

/** values.schema.json from helm's release JSON, or undefined. Pure. */
export function chartSchema(encoded: string | undefined): unknown {
  if (!encoded) return undefined;
  try {
    return JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * `helm upgrade --install --dry-run=server --output json`: rendered with `lookup` against the
 * cluster, as the upgrade would be; helm sends no object and records no revision (its dry run
 * returns before it writes, pkg/action/upgrade.go). Its client-side OpenAPI check is left to
 * the API server, which validates every object in the plan's dry-run apply
 * (`fieldValidation=Strict`); that saves helm's OpenAPI downloads, ~0.2 s. Silent: the
 * manifest holds Secret values.
 */
export async function renderUpgrade(helm: HelmCli, plan: DeployPlan): Promise<Rendered> {
  const args = [
    ...upgradeArgs({ ...plan, dryRun: 'server' }, helm.major),
    '--disable-openapi-validation',
    '--output',
    'json'
  ];
  const result = await helm.run(args, { silent: true });
  if (result.exitCode !== 0) {
    const reason =
      helmError(result.stderr) ?? result.stderr.trim().split('\n').slice(-5).join('\n');
    return { error: reason || `helm exited with code ${result.exitCode}` };
  }
  try {
    const release = JSON.parse(result.stdout) as ReleaseJson;
    return {
      manifest: release.manifest ?? '',
      schema: chartSchema(release.chart?.schema),
      values: [release.config, release.chart?.values]
    };
  } catch {
    return { error: 'helm upgrade --dry-run=server --output json printed no release JSON' };
  }
}
