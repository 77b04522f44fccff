import type { ProcessRunner } from '../../shared/src/exec.js';
import type { Engine } from './backend.js';
import { pushArgs, pushesFromBuilder, type BuildPlan } from './build-args.js';
import type { FailureContext } from './errors.js';
import { isLoopbackRegistry } from './image-ref.js';
import { runRetried, type RetryPolicy } from './retried-run.js';

/** Pushes what the build made, tag by tag (or once from the builder). Never rebuilds. */
export async function pushImage(
  runner: ProcessRunner,
  engine: Engine,
  plan: BuildPlan,
  env: Record<string, string>,
  context: FailureContext,
  policy: RetryPolicy
): Promise<void> {
  const insecure = isLoopbackRegistry(context.registry);
  const refs = pushesFromBuilder(engine.kind, plan) ? [plan.refs[0]] : plan.refs;
  for (const ref of refs) {
    const args = pushArgs(engine.kind, plan, ref, insecure);
    await runRetried(
      runner,
      `push ${ref}`,
      { bin: engine.bin, args, options: { env } },
      context,
      policy,
      'push'
    );
  }
}
