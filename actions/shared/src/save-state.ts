import * as core from '@actions/core';
import type { State } from './state.js';

/** Main's side of state.ts: the value the post step reads back with readState. */
export function saveState(key: State, value: string): void {
  core.saveState(key, value);
}
