// The one post step both actions run: it runs after every job, even cancelled ones, and only
// deletes a directory the main step named in its state. It logs by hand instead of loading
// @actions/core (1 MB with its HTTP client) for that, and never fails the job: it warns.
import { readState, type State } from './state.js';
import { removeDir } from './temp.js';

/** A `::warning::` workflow command, with its data escaped as @actions/core does. */
export function warningCommand(message: string): string {
  return `::warning::${message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}`;
}

/** Deletes the directory saved under `key` (`what` names it in the log); a problem is a warning. */
export async function removeSavedDir(
  env: NodeJS.ProcessEnv,
  key: State,
  what: string,
  log: (line: string) => void,
  remove: (dir: string) => Promise<void> = removeDir
): Promise<void> {
  const dir = readState(env, key);
  if (!dir) return;
  try {
    await remove(dir);
    log(`removed ${what} in ${dir}`);
  } catch (error) {
    log(warningCommand(`could not remove ${what} in ${dir}: ${String(error)}`));
  }
}
