import * as core from '@actions/core';

/**
 * Typed keys for values the main step hands to the post step (actions/setup-node style):
 * a misspelt key is a compile error, not a cleanup that silently never runs.
 */
export function saveState<K extends string>(key: K, value: string): void {
  core.saveState(key, value);
}

export function readState<K extends string>(key: K): string {
  return core.getState(key);
}
