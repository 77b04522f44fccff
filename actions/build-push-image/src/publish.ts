import * as core from '@actions/core';
import type { ProcessRunner } from '../../shared/src/exec.js';
import { detectEngine } from './backend.js';
import { checkSupported } from './build-args.js';
import { buildImage, checkBuildFiles, planBuild } from './build.js';
import type { FailureContext } from './errors.js';
import type { Inputs } from './inputs.js';
import { login } from './login.js';
import { pushImage } from './push.js';
import type { RegistryClient } from './registry.js';
import type { RegistryCredentials } from './ecr-login.js';
import type { Outcome } from './summary.js';

export function failureContext(inputs: Inputs): FailureContext {
  const { name, registry } = inputs.image;
  return { registry, name, eventName: inputs.github.eventName };
}

/** Engine, login, build, push, then the registry's word on what was pushed. */
export async function buildAndPush(
  runner: ProcessRunner,
  registry: RegistryClient,
  inputs: Inputs,
  reason: string,
  credentials: RegistryCredentials
): Promise<Omit<Outcome, 'durationMs'>> {
  const context = failureContext(inputs);
  const plan = planBuild(inputs, new Date());
  checkBuildFiles(plan, process.cwd());
  const engine = await detectEngine(runner);
  if (engine.fallback) core.info(engine.fallback);
  checkSupported(engine.kind, plan);
  const policy = { retryAfterHint: () => registry.retryAfterHint() };
  const env = inputs.push
    ? await core.group('Log in', () => login(runner, engine, credentials, context, policy))
    : {};
  await core.group('Build', () => buildImage(runner, engine, plan, env));
  const outcome = {
    name: context.name,
    tags: inputs.tags,
    built: true,
    reason,
    engine: engine.kind
  };
  if (!inputs.push) return { ...outcome, pushed: false };
  await core.group('Push', () => pushImage(runner, engine, plan, env, context, policy));
  return { ...outcome, ...(await registry.manifest(inputs.tags[0])), pushed: true };
}
