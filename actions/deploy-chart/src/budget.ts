// Every duration the deploy derives from the `timeout` input, computed once (timeBudget) and
// handed to the parts that wait or stop: helm's deadline, its kill grace, the window in which
// a pending release counts as live, whether a token outlives helm, how long the URL is awaited
// and how long the role session lasts. The rules between them are asserted in budget.test.ts.
import { roleSessionSeconds } from '../../shared/src/aws/credentials.js';
import { EKS_TOKEN_LIFETIME_MS } from './cluster/eks-token.js';

/**
 * Node's timers hold a 32-bit signed delay: a longer one fires after 1 ms (with a warning).
 * The timeout input is bounded far below it; a delay is clamped here anyway.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * helm's SIGTERM handler records the release as failed, which needs the API server; if that
 * hangs too, helm is killed after this grace and the deploy settles the release instead.
 */
export const KILL_GRACE_MS = 15_000;

/** How much longer than helm's last possible moment (deadline + kill grace) a shared token must live. */
const TOKEN_MARGIN_MS = 15_000;

export interface TimeBudget {
  /** helm's own --timeout, per phase (the wait, then a rollback). */
  timeoutMs: number;
  /**
   * helm may run up to 2 × timeout (the wait, then a rollback) plus its own API calls, which
   * client-go does not time out: a hung API server would hold it until the job's 6-hour limit.
   * Past 2 × timeout + 30 s it is stopped (SIGTERM); never more than a timer can wait.
   */
  helmDeadlineMs: number;
  /** SIGTERM → SIGKILL. */
  killGraceMs: number;
  /**
   * A pending revision younger than 2 × timeout + 1m belongs to a run still working (helm
   * applies its timeout per phase; a minute covers its start-up and API latency).
   */
  pendingLiveWindowMs: number;
  /**
   * Whether a token minted now is still valid when helm is killed at the latest (deadline +
   * grace + margin within the 14-minute EKS token): then helm may be handed it.
   */
  tokenOutlivesHelm: boolean;
  /** How long after the step started the release's URL is awaited. */
  urlWaitMs: number;
  /**
   * The role session a deploy asks for: the whole step (recovery, the upgrade, a rollback, the
   * report; each at most helmDeadlineMs) plus 10 minutes, at least STS's hour, at most 12 h.
   */
  roleSessionSeconds: number;
}

/** The budget for a helm timeout. Pure. */
export function timeBudget(timeoutMs: number): TimeBudget {
  const helmDeadlineMs = Math.min(2 * timeoutMs + 30_000, MAX_TIMER_MS);
  return {
    timeoutMs,
    helmDeadlineMs,
    killGraceMs: KILL_GRACE_MS,
    pendingLiveWindowMs: 2 * timeoutMs + 60_000,
    tokenOutlivesHelm: helmDeadlineMs + KILL_GRACE_MS + TOKEN_MARGIN_MS <= EKS_TOKEN_LIFETIME_MS,
    urlWaitMs: timeoutMs,
    roleSessionSeconds: roleSessionSeconds(2 * helmDeadlineMs + 10 * 60_000)
  };
}
