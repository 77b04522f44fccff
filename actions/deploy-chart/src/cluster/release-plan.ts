// What to do with a release that a previous run left pending, decided from `helm history`.
//
// The rule (documented in the README's troubleshooting):
// - Only the latest revision matters: helm refuses to upgrade while it is pending-install,
//   pending-upgrade or pending-rollback ("another operation is in progress").
// - A pending revision younger than the live window is presumed to belong to a run that is
//   still working; we refuse to touch it and say when it will be considered abandoned. The
//   window is 2 × the helm timeout + 1 minute (budget.ts): helm applies its timeout per phase (pre-hooks,
//   wait, post-hooks, or wait then the atomic rollback), and a minute covers helm's start-up
//   and API latency. This assumes the other run uses the same timeout (the same workflow).
//   Runs of this action settle their own release when cancelled, so abandoned pending
//   revisions only come from killed runners or other tools, and waiting is the safe side.
// - An older pending revision is abandoned: pending-upgrade/pending-rollback are rolled back
//   to the latest revision that was deployed or superseded (helm's own notion of "last
//   successful", as in its atomic rollback); a release that never deployed successfully
//   (pending-install, or only failed revisions before) is uninstalled.
// - An unreadable timestamp counts as live: we would rather stop than break a running deploy.

/** The release a run deploys, and where. */
export interface ReleaseTarget {
  release: string;
  namespace: string;
}

export interface HelmRevision {
  revision: number;
  /** RFC 3339 time of the revision's last deploy attempt; absent or '' when helm has none. */
  updated?: string;
  status: string;
  chart: string;
  app_version: string;
  description: string;
}

export interface RecoveryRules {
  /** A pending revision younger than this is presumed live. 0: every pending revision is stale. */
  liveWindowMs: number;
}

export type Recovery =
  | { action: 'none' }
  | { action: 'rollback'; toRevision: number; pending: HelmRevision; ageMs?: number }
  | { action: 'uninstall'; pending: HelmRevision; ageMs?: number }
  | { action: 'refuse'; pending: HelmRevision; ageMs?: number; liveWindowMs: number };

const PENDING = ['pending-install', 'pending-upgrade', 'pending-rollback'];
const SUCCEEDED = ['deployed', 'superseded'];

function isPending(status: string): boolean {
  return PENDING.includes(status);
}

/** `helm history <release> -o json` (helm 3 and 4 print the same fields). */
export function parseHistory(stdout: string): HelmRevision[] {
  const rows = JSON.parse(stdout || '[]') as HelmRevision[];
  if (!Array.isArray(rows)) throw new Error('helm history printed no JSON array');
  return [...rows].sort((a, b) => a.revision - b.revision);
}

/** Milliseconds since the revision's timestamp; undefined when there is none to trust. */
function revisionAge(revision: HelmRevision, now: Date): number | undefined {
  const updated = Date.parse(revision.updated ?? '');
  if (Number.isNaN(updated)) return undefined;
  return Math.max(0, now.getTime() - updated);
}

export function decideRecovery(
  revisions: HelmRevision[],
  now: Date,
  rules: RecoveryRules
): Recovery {
  const sorted = [...revisions].sort((a, b) => a.revision - b.revision);
  const pending = sorted.at(-1);
  if (!pending || !isPending(pending.status)) return { action: 'none' };

  const ageMs = revisionAge(pending, now);
  const live = rules.liveWindowMs > 0 && (ageMs === undefined || ageMs < rules.liveWindowMs);
  if (live) return { action: 'refuse', pending, ageMs, liveWindowMs: rules.liveWindowMs };

  const lastGood = sorted
    .filter((r) => r.revision < pending.revision && SUCCEEDED.includes(r.status))
    .at(-1);
  if (pending.status === 'pending-install' || !lastGood) {
    return { action: 'uninstall', pending, ageMs };
  }
  return { action: 'rollback', toRevision: lastGood.revision, pending, ageMs };
}

/** "1m 05s", "42s": ages in messages. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** The sentence the log shows for a recovery. Pure. */
export function describeRecovery(release: string, namespace: string, recovery: Recovery): string {
  if (recovery.action === 'none') return `release "${release}" has no pending revision`;
  const { pending } = recovery;
  const since =
    recovery.ageMs === undefined ? 'at an unknown time' : `${formatDuration(recovery.ageMs)} ago`;
  const what = `release "${release}" in namespace "${namespace}" is ${pending.status} (revision ${pending.revision}, started ${since})`;
  switch (recovery.action) {
    case 'rollback':
      return `${what}: no helm is working on it any more, so it is rolled back to revision ${recovery.toRevision}, the last successful one`;
    case 'uninstall':
      return `${what} and was never deployed successfully: no helm is working on it any more, so it is uninstalled`;
    case 'refuse': {
      const when =
        recovery.ageMs === undefined
          ? 'its start time is unknown, so it is never considered abandoned automatically'
          : `it will be considered abandoned after ${formatDuration(recovery.liveWindowMs)} (2 × timeout + 1m), in ${formatDuration(recovery.liveWindowMs - recovery.ageMs)}`;
      return `${what}: another run may still be changing it, so this run leaves it alone; ${when}`;
    }
  }
}

/** "python-application-0.1.0" → "0.1.0": helm prints `<name>-<version>`, and both may contain '-'. */
export function chartVersion(chart: string): string {
  const strict = /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]*)?$/;
  const loose = /^v?\d+(\.\d+)*([-+][0-9A-Za-z.+-]*)?$/;
  for (const pattern of [strict, loose]) {
    for (let dash = chart.indexOf('-'); dash >= 0; dash = chart.indexOf('-', dash + 1)) {
      if (pattern.test(chart.slice(dash + 1))) return chart.slice(dash + 1);
    }
  }
  return '';
}
