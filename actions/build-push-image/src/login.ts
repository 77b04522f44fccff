import { existsSync } from 'node:fs';
import { symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ProcessRunner } from '../../shared/src/exec.js';
import { saveState } from '../../shared/src/state.js';
import { makePrivateDir } from '../../shared/src/temp.js';
import type { Engine } from './backend.js';
import { loginArgs } from './build-args.js';
import type { FailureContext } from './errors.js';
import { isLoopbackRegistry } from './image-ref.js';
import { runRetried, type RetryPolicy } from './retried-run.js';

/** Keys the main step hands to the post step. */
export type StateKey = 'auth-dir';

/** Environment that points docker, podman and buildah at this step's own credentials. */
export function authEnv(dir: string): Record<string, string> {
  return { DOCKER_CONFIG: dir, REGISTRY_AUTH_FILE: path.join(dir, 'auth.json') };
}

/**
 * The user's buildx builders and CLI plugins live beside their credentials: link them into
 * the fresh config so `setup-buildx-action` builders keep working without their secrets.
 */
async function linkDockerTools(dir: string): Promise<void> {
  const home = process.env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
  for (const entry of ['cli-plugins', 'buildx']) {
    const source = path.join(home, entry);
    if (existsSync(source)) await symlink(source, path.join(dir, entry));
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
  saveState<StateKey>('auth-dir', dir);
  if (engine.bin === 'docker') await linkDockerTools(dir);
  const env = authEnv(dir);
  const args = loginArgs(
    engine.kind,
    context.registry,
    credentials.username,
    isLoopbackRegistry(context.registry)
  );
  await runRetried(
    runner,
    `${engine.bin} login to ${context.registry}`,
    { bin: engine.bin, args, options: { env, input: credentials.password, silent: true } },
    context,
    policy
  );
  return env;
}
