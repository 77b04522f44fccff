// The real edges of the AWS modules on a GitHub runner: Node's fetch, the step's environment,
// the clock, the job's OIDC token from @actions/core, and the runner's log masking.
import * as core from '@actions/core';
import { fetchClient } from '../http.js';
import { maskSecret } from '../mask.js';
import type { AwsContext } from './api.js';
import type { CredentialEdges } from './credentials.js';
import { stsClient } from './sts.js';

export function runnerAwsContext(): AwsContext {
  return { http: fetchClient(), env: process.env, now: () => new Date() };
}

export function runnerCredentialEdges(context: AwsContext, region: string): CredentialEdges {
  return {
    idToken: (audience) => core.getIDToken(audience),
    sts: stsClient(context, region),
    mask: maskSecret
  };
}
