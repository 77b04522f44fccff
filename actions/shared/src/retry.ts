/** How long to wait before attempt `attempt + 1` (0-based): exponential, capped, full jitter. */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Parses a `Retry-After` header (seconds or HTTP date) into milliseconds, or undefined. */
export function retryAfterMs(
  header: string | null | undefined,
  now = Date.now()
): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  if (!/[a-z]/i.test(header)) return undefined; // not seconds and not an HTTP date (e.g. "-1")
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface RetryDecision {
  retry: boolean;
  /** A server-requested wait that overrides the backoff (Retry-After). */
  waitMs?: number;
}

interface RetryOptions {
  attempts: number;
  baseMs: number;
  maxMs: number;
  decide: (error: unknown) => RetryDecision;
  onRetry?: (error: unknown, attempt: number, waitMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `operation` until it succeeds, `decide` says stop, or attempts run out. */
export async function retry<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      const decision = options.decide(error);
      if (!decision.retry || attempt + 1 >= options.attempts) throw error;
      const waitMs = Math.min(
        options.maxMs,
        decision.waitMs ?? backoffDelay(attempt, options.baseMs, options.maxMs)
      );
      options.onRetry?.(error, attempt + 1, waitMs);
      await sleep(waitMs);
    }
  }
}
