// A deploy identity on a shared cluster may deploy without being allowed to list events, read
// pod logs or list pods (RBAC grants what helm needs, not more). What it may not do is named
// once, in one warning per permission, and not asked again: the deploy goes on with less.
import * as core from '@actions/core';
import { KubeApiError } from './client.js';

export class Permissions {
  private readonly denied = new Set<string>();

  constructor(
    private readonly namespace: string,
    private readonly warn: (message: string) => void = core.warning
  ) {}

  /** Whether `what` ("list events") was refused before: then do not ask again. */
  refused(what: string): boolean {
    return this.denied.has(what);
  }

  /**
   * Whether `error` is the API server's 403 for `what`; the first one is warned about with
   * `consequence` (what the deploy does without it).
   */
  forbidden(error: unknown, what: string, consequence: string): boolean {
    if (!(error instanceof KubeApiError) || error.statusCode !== 403) return false;
    if (!this.denied.has(what)) {
      this.denied.add(what);
      this.warn(
        `The deploy identity may not ${what} in namespace "${this.namespace}" (403 Forbidden): ${consequence}. Grant it in the identity's Role to get them back.`
      );
    }
    return true;
  }

  /** Runs `operation` unless `what` was refused; a 403 gives `fallback` (named once). */
  async attempt<T>(
    what: string,
    consequence: string,
    fallback: T,
    operation: () => Promise<T>
  ): Promise<T> {
    if (this.refused(what)) return fallback;
    try {
      return await operation();
    } catch (error) {
      if (this.forbidden(error, what, consequence)) return fallback;
      throw error;
    }
  }
}
