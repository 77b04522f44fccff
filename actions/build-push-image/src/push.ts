import * as core from '@actions/core';
import type { ProcessRunner } from '../../shared/src/exec.js';
import { retry } from '../../shared/src/retry.js';
import type { Engine } from './backend.js';
import { pushArgs, pushesFromBuilder, type BuildPlan } from './build-args.js';
import {
  classifyFailure,
  explainFailure,
  isRetryableKind,
  type FailureContext,
  type FailureKind
} from './errors.js';
import { isLoopbackRegistry } from './image-ref.js';

class PushFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly output: string,
    readonly waitMs?: number
  ) {
    super(`push failed (${kind})`);
  }
}

export interface PushOptions {
  /** Asked after a 429: the registry's Retry-After, since docker does not show it. */
  retryAfterHint: () => Promise<number | undefined>;
  attempts?: number;
  baseMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Pushes what the build made, each push retried with backoff and jitter on 429, 5xx and
 * network errors; refusals (401/403) fail at once with their fix. Never rebuilds.
 */
export async function pushImage(
  runner: ProcessRunner,
  engine: Engine,
  plan: BuildPlan,
  env: Record<string, string>,
  context: FailureContext,
  options: PushOptions
): Promise<void> {
  const insecure = isLoopbackRegistry(context.registry);
  const refs = pushesFromBuilder(engine.kind, plan) ? [plan.refs[0]] : plan.refs;
  for (const ref of refs) {
    const args = pushArgs(engine.kind, plan, ref, insecure);
    try {
      await retry(
        async () => {
          const result = await runner.run(engine.bin, args, { env });
          if (result.exitCode === 0) return;
          const output = `${result.stdout}\n${result.stderr}`;
          const kind = classifyFailure(output);
          const waitMs = kind === 'rate-limited' ? await options.retryAfterHint() : undefined;
          throw new PushFailure(kind, output, waitMs);
        },
        {
          attempts: options.attempts ?? 5,
          baseMs: options.baseMs ?? 1000,
          maxMs: 60_000,
          decide: (error) =>
            error instanceof PushFailure && isRetryableKind(error.kind)
              ? { retry: true, waitMs: error.waitMs }
              : { retry: false },
          onRetry: (error, attempt, waitMs) =>
            core.info(
              `${(error as PushFailure).message}; attempt ${attempt + 1} in ${(waitMs / 1000).toFixed(1)}s`
            ),
          sleep: options.sleep
        }
      );
    } catch (error) {
      if (error instanceof PushFailure) throw explainFailure(`push ${ref}`, error.output, context);
      throw error;
    }
  }
}
