import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A fresh 0700 directory under RUNNER_TEMP (the runner empties it after the job). */
export async function makePrivateDir(prefix: string): Promise<string> {
  const base = process.env.RUNNER_TEMP || os.tmpdir();
  return mkdtemp(path.join(base, `${prefix}-`)); // mkdtemp creates with mode 0700
}

/** Removes a directory tree; a missing directory is not an error (post steps may run twice). */
export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}
