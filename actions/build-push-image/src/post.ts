import * as core from '@actions/core';
import { readState } from '../../shared/src/state.js';
import { removeDir } from '../../shared/src/temp.js';
import type { StateKey } from './login.js';

/** Deletes this step's registry credentials; a cleanup problem is a warning, never a failure. */
export async function cleanup(): Promise<void> {
  const dir = readState<StateKey>('auth-dir');
  try {
    await removeDir(dir);
    if (dir) core.info(`removed registry credentials in ${dir}`);
  } catch (error) {
    core.warning(`could not remove registry credentials in ${dir}: ${String(error)}`);
  }
}

await cleanup();
