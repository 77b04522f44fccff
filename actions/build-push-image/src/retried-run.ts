import * as core from '@actions/core';
import type { ProcessRunner, RunOptions } from '../../shared/src/exec.js';
import { retry } from '../../shared/src/retry.js';
import {
  classifyFailure,
  explainFailure,
  isRetryableKind,
  type FailureContext,
  type FailureKind,
  type RegistryStep
} from './errors.js';

class CommandFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly output: string,
    readonly waitMs?: number
  ) {
    super(`failed (${kind})`);
  }
}

export interface RetryPolicy {
  /** Asked after a 429: the registry's Retry-After, since docker does not show it. */
  retryAfterHint: () => Promise<number | undefined>;
  attempts?: number;
  baseMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs a registry-facing command (login, push), again with backoff and jitter on 429, 5xx
 * and network errors; a refusal (401/403) fails at once. Failures come back explained.
 */
export async function runRetried(
  runner: ProcessRunner,
  label: string,
  command: { bin: string; args: string[]; options: RunOptions },
  context: FailureContext,
  policy: RetryPolicy,
  step: RegistryStep
): Promise<void> {
  try {
    await retry(
      async () => {
        const result = await runner.run(command.bin, command.args, command.options);
        if (result.exitCode === 0) return;
        const output = `${result.stdout}\n${result.stderr}`;
        const kind = classifyFailure(output);
        const waitMs = kind === 'rate-limited' ? await policy.retryAfterHint() : undefined;
        throw new CommandFailure(kind, output, waitMs);
      },
      {
        attempts: policy.attempts ?? 5,
        baseMs: policy.baseMs ?? 1000,
        maxMs: 60_000,
        decide: (error) =>
          error instanceof CommandFailure && isRetryableKind(error.kind)
            ? { retry: true, waitMs: error.waitMs }
            : { retry: false },
        onRetry: (error, attempt, waitMs) =>
          core.info(
            `${label} ${(error as Error).message}; attempt ${attempt + 1} in ${(waitMs / 1000).toFixed(1)}s`
          ),
        sleep: policy.sleep
      }
    );
  } catch (error) {
    if (error instanceof CommandFailure) {
      throw explainFailure(label, error.output, context, step);
    }
    throw error;
  }
}
