import * as core from '@actions/core';
import { readState } from '../../shared/src/state.js';
import { removeDir } from '../../shared/src/temp.js';
import { KUBECONFIG_DIR_STATE } from './state-keys.js';

/**
 * Deletes the kubeconfig directory (it also holds the `set` string files), even after a failed
 * or cancelled main step. Cleanup never fails the job: it warns.
 */
async function cleanup(): Promise<void> {
  const dir = readState(KUBECONFIG_DIR_STATE);
  if (!dir) return;
  try {
    await removeDir(dir);
    core.info(`removed ${dir}`);
  } catch (error) {
    core.warning(`could not remove ${dir}: ${(error as Error).message}`);
  }
}

await cleanup();
