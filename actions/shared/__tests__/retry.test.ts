import { describe, expect, test } from '@jest/globals';
import { backoffDelay, retry, retryAfterMs } from '../src/retry.js';

describe('backoffDelay', () => {
  test.each([
    [0, 1000, 60000, 0, 500],
    [0, 1000, 60000, 1, 1000],
    [1, 1000, 60000, 0, 1000],
    [3, 1000, 60000, 1, 8000],
    [10, 1000, 60000, 1, 60000],
    [10, 1000, 60000, 0, 30000]
  ])('attempt %d base %d max %d random %d → %d', (attempt, base, max, random, want) => {
    expect(backoffDelay(attempt, base, max, () => random)).toBe(want);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  test.each<[string | null | undefined, number | undefined]>([
    [undefined, undefined],
    [null, undefined],
    ['', undefined],
    ['0', 0],
    ['2', 2000],
    ['1.5', 1500],
    ['Thu, 01 Jan 2026 00:00:10 GMT', 10000],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0],
    ['soon', undefined],
    ['-1', undefined]
  ])('%j → %j', (header, want) => expect(retryAfterMs(header, now)).toBe(want));
});

describe('retry', () => {
  async function attempt(
    failures: unknown[],
    decide: (e: unknown) => { retry: boolean; waitMs?: number },
    attempts = 4
  ) {
    const sleeps: number[] = [];
    const retried: number[] = [];
    let calls = 0;
    const result = await retry(
      async () => {
        const failure = failures[calls++];
        if (failure !== undefined) throw failure;
        return 'done';
      },
      {
        attempts,
        baseMs: 100,
        maxMs: 1000,
        decide,
        sleep: async (ms) => void sleeps.push(ms),
        onRetry: (_, n) => void retried.push(n)
      }
    ).catch((error: unknown) => error);
    return { result, calls, sleeps, retried };
  }

  test.each<
    [
      string,
      unknown[],
      (e: unknown) => { retry: boolean; waitMs?: number },
      number,
      unknown,
      number
    ]
  >([
    ['first try', [], () => ({ retry: true }), 4, 'done', 1],
    ['two retryable failures', ['a', 'b'], () => ({ retry: true }), 4, 'done', 3],
    ['a final failure is thrown at once', ['fatal'], () => ({ retry: false }), 4, 'fatal', 1],
    ['attempts run out', ['a', 'b', 'c'], () => ({ retry: true }), 3, 'c', 3]
  ])('%s', async (_, failures, decide, attempts, want, calls) => {
    const outcome = await attempt(failures, decide, attempts);
    expect(outcome.result).toBe(want);
    expect(outcome.calls).toBe(calls);
    expect(outcome.retried).toEqual(
      Array.from({ length: outcome.sleeps.length }, (__, i) => i + 1)
    );
  });

  test('a server wait overrides the backoff but is capped by maxMs', async () => {
    const { sleeps } = await attempt(['a', 'b'], (e) => ({
      retry: true,
      waitMs: e === 'a' ? 700 : 5000
    }));
    expect(sleeps).toEqual([700, 1000]);
  });

  test('backoff waits stay within the exponential ceiling', async () => {
    const { sleeps } = await attempt(['a', 'b', 'c'], () => ({ retry: true }));
    expect(sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(sleeps[0]).toBeLessThanOrEqual(100);
    expect(sleeps[2]).toBeGreaterThanOrEqual(200);
    expect(sleeps[2]).toBeLessThanOrEqual(400);
  });
});
