import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import type { ProcessRunner } from '../../shared/src/exec.js';
import { maskSecret } from '../../shared/src/mask.js';
import { makePrivateDir, removeDir } from '../../shared/src/temp.js';
import { detectEngine } from './backend.js';
import { adaptCacheShortcut, buildEnvironment, checkSupported } from './build-args.js';
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

/** buildx's metadata file (--metadata-file), compact; '' where the engine wrote none. */
async function readMetadata(file: string | undefined): Promise<string> {
  if (!file) return '';
  const text = await readFile(file, 'utf8').catch(() => '');
  return text ? JSON.stringify(JSON.parse(text)) : '';
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
  const planned = planBuild(inputs, new Date());
  checkBuildFiles(planned, process.cwd());
  const engine = await detectEngine(runner);
  if (engine.fallback) core.info(engine.fallback);
  const metadataDir =
    engine.kind === 'buildx' ? await makePrivateDir('build-push-image-metadata') : undefined;
  try {
    const adapted = adaptCacheShortcut(engine.kind, {
      ...planned,
      driver: engine.driver,
      metadataFile: metadataDir && path.join(metadataDir, 'metadata.json')
    });
    if (adapted.note) core.warning(adapted.note);
    const plan = adapted.plan;
    checkSupported(engine.kind, plan);
    const buildEnv = buildEnvironment(plan, process.env);
    for (const value of Object.values(buildEnv)) maskSecret(value);
    const policy = { retryAfterHint: () => registry.retryAfterHint() };
    const env = {
      ...(inputs.push
        ? await core.group('Log in', () => login(runner, engine, credentials, context, policy))
        : {}),
      ...buildEnv
    };
    await core.group('Build', () => buildImage(runner, engine, plan, env));
    const outcome = {
      name: context.name,
      tags: inputs.tags,
      built: true,
      reason,
      engine: engine.driver ? `${engine.kind} (${engine.driver} driver)` : engine.kind
    };
    if (!inputs.push)
      return { ...outcome, pushed: false, metadata: await readMetadata(plan.metadataFile) };
    await core.group('Push', () => pushImage(runner, engine, plan, env, context, policy));
    const metadata = await readMetadata(plan.metadataFile);
    return { ...outcome, ...(await registry.manifest(inputs.tags[0])), pushed: true, metadata };
  } finally {
    await removeDir(metadataDir);
  }
}
