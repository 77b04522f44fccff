// ResourceQuota: the admission plugin that refuses a pod the namespace's quotas have no room
// for, worded as plugin/pkg/admission/resourcequota words it (`exceeded quota: <name>,
// requested: pods=1, used: pods=2, limited: pods=2`; `failed quota: <name>: must specify
// requests.cpu for: app`), and the quota controller's `status.hard`/`status.used`. Counted:
// `pods`/`count/pods`, `requests.cpu`/`cpu`, `requests.memory`/`memory`, `limits.cpu`,
// `limits.memory`, over the namespace's pods that are not Succeeded or Failed.
import { errors } from '../status.js';
import type { KObject } from '../store.js';
import { typeOf, type ControllerContext } from './context.js';

const pods = typeOf('pods');
const quotas = typeOf('resourcequotas');

const UNITS: Record<string, number> = {
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40
};

/** A Kubernetes quantity (`500m`, `2`, `64Mi`, `1e3`) as a number of its base unit. Pure. */
export function parseQuantity(text: string | number): number {
  if (typeof text === 'number') return text;
  const match = /^([+-]?[\d.]+(?:e[+-]?\d+)?)([a-zA-Z]*)$/.exec(text.trim());
  if (!match || (match[2] && !(match[2] in UNITS))) return Number.NaN;
  return Number(match[1]) * (match[2] ? UNITS[match[2]] : 1);
}

/** A quantity the way the API server prints it: `500m`, `2`, `64Mi`. Pure. */
export function formatQuantity(resource: string, value: number): string {
  if (/cpu$/.test(resource)) {
    const milli = Math.round(value * 1000);
    return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
  }
  if (/memory$/.test(resource)) {
    for (const unit of ['Ti', 'Gi', 'Mi', 'Ki']) {
      if (value >= UNITS[unit] && value % UNITS[unit] === 0) return `${value / UNITS[unit]}${unit}`;
    }
  }
  return String(value);
}

const CANONICAL: Record<string, string> = {
  'count/pods': 'pods',
  cpu: 'requests.cpu',
  memory: 'requests.memory'
};

/** What one pod charges against each quota resource (sums over its containers). Pure. */
export function podUsage(pod: KObject): Record<string, number> {
  const usage: Record<string, number> = { pods: 1 };
  for (const c of pod.spec?.containers ?? []) {
    for (const kind of ['requests', 'limits'] as const) {
      for (const resource of ['cpu', 'memory']) {
        const value =
          c.resources?.[kind]?.[resource] ??
          (kind === 'requests' ? c.resources?.limits?.[resource] : undefined);
        if (value === undefined) continue;
        const key = `${kind}.${resource}`;
        usage[key] = (usage[key] ?? 0) + parseQuantity(value);
      }
    }
  }
  return usage;
}

const terminal = (pod: KObject) => ['Succeeded', 'Failed'].includes(pod.status?.phase);

function used(ctx: ControllerContext, namespace: string): Record<string, number> {
  const total: Record<string, number> = {};
  for (const pod of ctx.api.store.list(pods, namespace)) {
    if (terminal(pod)) continue;
    for (const [key, value] of Object.entries(podUsage(pod)))
      total[key] = (total[key] ?? 0) + value;
  }
  return total;
}

const pretty = (entries: Array<[string, number]>) =>
  entries
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${formatQuantity(key, value)}`)
    .join(',');

/** The admission check of a pod create: throws the API server's 403 when a quota has no room. */
export function admitPod(ctx: ControllerContext, pod: KObject): void {
  const namespace = pod.metadata.namespace as string;
  const name = pod.metadata.name || pod.metadata.generateName || '';
  const requested = podUsage(pod);
  let current: Record<string, number> | undefined;
  for (const quota of ctx.api.store.list(quotas, namespace)) {
    const hard = Object.entries((quota.spec?.hard ?? {}) as Record<string, string>).map(
      ([key, value]) => [key, CANONICAL[key] ?? key, parseQuantity(value)] as const
    );
    const unspecified = hard
      .filter(([, key]) => key !== 'pods' && requested[key] === undefined)
      .map(([, key]) => key);
    if (unspecified.length) {
      const containers = (pod.spec?.containers ?? [])
        .map((c: { name: string }) => c.name)
        .join(',');
      throw errors.forbidden(
        pods,
        name,
        `failed quota: ${quota.metadata.name}: must specify ${[...new Set(unspecified)]
          .sort()
          .map((key) => `${key} for: ${containers}`)
          .join('; ')}`
      );
    }
    current ??= used(ctx, namespace);
    const exceeded = hard.filter(
      ([, key, limit]) => (current?.[key] ?? 0) + (requested[key] ?? 0) > limit
    );
    if (exceeded.length) {
      const shown = (values: (key: string, limit: number) => number) =>
        pretty(exceeded.map(([original, key, limit]) => [original, values(key, limit)]));
      throw errors.forbidden(
        pods,
        name,
        `exceeded quota: ${quota.metadata.name}, requested: ${shown((key) => requested[key] ?? 0)}, used: ${shown((key) => current?.[key] ?? 0)}, limited: ${shown((_, limit) => limit)}`
      );
    }
  }
}

/** The quota controller: `status.hard` and `status.used` of every quota in the namespace. */
export function refreshQuotas(ctx: ControllerContext, namespace: string): void {
  const quotaList = ctx.api.store.list(quotas, namespace);
  if (quotaList.length === 0) return;
  const usage = used(ctx, namespace);
  for (const quota of quotaList) {
    const hard = (quota.spec?.hard ?? {}) as Record<string, string>;
    const status = {
      hard: { ...hard },
      used: Object.fromEntries(
        Object.keys(hard).map((key) => [
          key,
          formatQuantity(key, usage[CANONICAL[key] ?? key] ?? 0)
        ])
      )
    };
    if (JSON.stringify(quota.status) === JSON.stringify(status)) continue;
    ctx.api.mutate(
      quotas,
      namespace,
      quota.metadata.name,
      (o) => {
        o.status = status;
      },
      'kube-controller-manager',
      'status'
    );
  }
}
