import { expect, test } from '@jest/globals';
import { MAX_TIMER_MS, timeBudget } from '../src/budget.js';
import { MAX_TIMEOUT_MS } from '../src/inputs.js';

test.each([
  [60_000, 150_000],
  [5 * 60_000, 630_000],
  [60 * 60_000, 7_230_000],
  [MAX_TIMEOUT_MS, 43_230_000] // the longest timeout the input takes: 12 h 30 s
])(
  'a %d ms timeout stops helm after %d ms, inside the window a pending release counts as live',
  (timeoutMs, deadline) => {
    const time = timeBudget(timeoutMs);
    expect(time.helmDeadlineMs).toBe(deadline);
    expect(time.helmDeadlineMs).toBeLessThan(time.pendingLiveWindowMs);
    expect(time.helmDeadlineMs).toBeLessThanOrEqual(MAX_TIMER_MS);
  }
);

// Node fires a timer whose delay does not fit 32 bits after 1 ms: helm was killed at once.
test.each([
  ['299 h', 299 * 3_600_000],
  ['1000 h', 1000 * 3_600_000],
  ['the limit of a timer', MAX_TIMER_MS],
  ['infinity', Number.POSITIVE_INFINITY]
])('a timeout of %s never gives a deadline a timer cannot wait', (_name, timeoutMs) =>
  expect(timeBudget(timeoutMs).helmDeadlineMs).toBe(MAX_TIMER_MS)
);

test.each([
  [60_000, 3 * 60_000],
  [5 * 60_000, 11 * 60_000]
])('a helm timeout of %d ms gives a live window of %d ms', (timeout, window) => {
  expect(timeBudget(timeout).pendingLiveWindowMs).toBe(window);
});

test.each([
  ['5m', 300_000, true],
  ['6m30s', 390_000, true],
  ['7m', 420_000, false],
  ['1h', 3_600_000, false]
])('timeout %s: the 15-minute token outlives helm: %s', (_text, ms, want) =>
  expect(timeBudget(ms).tokenOutlivesHelm).toBe(want)
);

// The rules between the durations, for every timeout the input takes (1 s … 12 h).
test.each([1_000, 30_000, 60_000, 5 * 60_000, 390_000, 420_000, 60 * 60_000, MAX_TIMEOUT_MS])(
  'timeout %d ms: the budget holds its invariants',
  (timeoutMs) => {
    const time = timeBudget(timeoutMs);
    // helm gets its whole --timeout twice (the wait, then a rollback) before it is stopped.
    expect(time.helmDeadlineMs).toBeGreaterThanOrEqual(2 * timeoutMs);
    // Stopped and killed, helm is gone before the next run may take its pending release for abandoned.
    expect(time.helmDeadlineMs + time.killGraceMs).toBeLessThan(time.pendingLiveWindowMs);
    // A token handed to helm is still valid when helm is killed at the latest.
    if (time.tokenOutlivesHelm) {
      expect(time.helmDeadlineMs + time.killGraceMs).toBeLessThan(14 * 60_000);
    }
    // The role session covers two helm runs (the upgrade, a rollback or a recovery) and the report.
    expect(time.roleSessionSeconds * 1000).toBeGreaterThanOrEqual(
      Math.min(2 * time.helmDeadlineMs, 12 * 3_600_000)
    );
    expect(time.roleSessionSeconds).toBeGreaterThanOrEqual(3600);
    expect(time.roleSessionSeconds).toBeLessThanOrEqual(12 * 3600);
    // The URL is awaited within the step's own timeout.
    expect(time.urlWaitMs).toBe(timeoutMs);
  }
);
