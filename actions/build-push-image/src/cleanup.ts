import { removeDir } from '../../shared/src/temp.js';
import type { StateKey } from './login.js';

// The post step runs after every job, even cancelled ones, and only deletes a directory:
// it reads its state and logs by hand instead of loading @actions/core (1 MB with its HTTP
// client) for that.

/** The state the main step saved, as the runner hands it to the post step. */
export function stateValue(env: NodeJS.ProcessEnv, key: StateKey): string {
  return env[`STATE_${key}`] ?? '';
}

/** A `::warning::` workflow command, with its data escaped as @actions/core does. */
export function warningCommand(message: string): string {
  return `::warning::${message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}`;
}

/** Deletes this step's registry credentials; a problem is a warning, never a failure. */
export async function cleanup(
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  remove: (dir: string) => Promise<void> = removeDir
): Promise<void> {
  const dir = stateValue(env, 'auth-dir');
  if (!dir) return;
  try {
    await remove(dir);
    log(`removed registry credentials in ${dir}`);
  } catch (error) {
    log(warningCommand(`could not remove registry credentials in ${dir}: ${String(error)}`));
  }
}
