import * as core from '@actions/core';
import { existsSync } from 'node:fs';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ProcessRunner } from '../../shared/src/exec.js';
import { saveState } from '../../shared/src/save-state.js';
import { State } from '../../shared/src/state.js';
import { makePrivateDir } from '../../shared/src/temp.js';
import type { Engine } from './backend.js';
import { loginArgs } from './build-args.js';
import type { FailureContext } from './errors.js';
import { isLoopbackRegistry } from './image-ref.js';
import { runRetried, type RetryPolicy } from './retried-run.js';

/** Environment that points docker, podman and buildah at this step's own credentials. */
function authEnv(dir: string): Record<string, string> {
  return { DOCKER_CONFIG: dir, REGISTRY_AUTH_FILE: path.join(dir, 'auth.json') };
}

/** The parts of a docker config.json worth keeping: which context to talk to. No credentials. */
export function carriedConfig(userConfig: string): Record<string, string> {
  try {
    const { currentContext } = JSON.parse(userConfig) as { currentContext?: unknown };
    return typeof currentContext === 'string' ? { currentContext } : {};
  } catch {
    return {};
  }
}

/**
 * The user's buildx builders, CLI plugins and contexts live beside their credentials: link
 * them into the fresh config, and keep the current context, so `setup-buildx-action`
 * builders and rootless engines keep working without the user's secrets.
 */
async function carryDockerSetup(dir: string): Promise<void> {
  const home = process.env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
  for (const entry of ['cli-plugins', 'buildx', 'contexts']) {
    const source = path.join(home, entry);
    if (existsSync(source)) await symlink(source, path.join(dir, entry));
  }
  const userConfig = path.join(home, 'config.json');
  const kept = existsSync(userConfig) ? carriedConfig(await readFile(userConfig, 'utf8')) : {};
  if (Object.keys(kept).length > 0) {
    await writeFile(path.join(dir, 'config.json'), JSON.stringify(kept), { mode: 0o600 });
  }
}

/**
 * Logs in with --password-stdin into a config directory made for this step under
 * RUNNER_TEMP (never ~/.docker), recorded first so the post step removes it whatever happens.
 */
export async function login(
  runner: ProcessRunner,
  engine: Engine,
  credentials: { username: string; password: string },
  context: FailureContext,
  policy: RetryPolicy
): Promise<Record<string, string>> {
  const dir = await makePrivateDir('build-push-image-auth');
  saveState(State.RegistryAuthDir, dir);
  if (engine.bin === 'docker') await carryDockerSetup(dir);
  const env = authEnv(dir);
  const args = loginArgs(
    engine.kind,
    context.registry,
    credentials.username,
    isLoopbackRegistry(context.registry)
  );
  core.info(
    `${engine.bin} login to ${context.registry} as ${credentials.username} (password on stdin)`
  );
  await runRetried(
    runner,
    `${engine.bin} login to ${context.registry}`,
    { bin: engine.bin, args, options: { env, input: credentials.password, silent: true } },
    context,
    policy,
    'login'
  );
  core.info(`logged in; the credentials are in ${dir}, which the post step removes`);
  return env;
}
