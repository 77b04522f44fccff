import * as core from '@actions/core';

/** A problem with one action input: the message names the input and says how to fix it. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    detail: string
  ) {
    super(`${input}: ${detail}`);
    this.name = 'InputError';
  }
}

/** A failure the user can act on, raised after inputs were accepted (cluster, registry, helm). */
export class ActionError extends Error {
  constructor(
    message: string,
    readonly hint?: string
  ) {
    super(hint ? `${message}\n${hint}` : message);
    this.name = 'ActionError';
  }
}

/**
 * Ends the step: exactly one `::error::` line and exit code 1. The stack trace only goes to
 * the debug log, because users act on the message, not on our call stack.
 */
export function fail(error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  if (err.stack) core.debug(err.stack);
  core.setFailed(err.message);
}
