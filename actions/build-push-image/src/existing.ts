import * as core from '@actions/core';
import { ecrRegistryOf, missingEcrRepository } from './ecr-login.js';
import type { FailureContext } from './errors.js';
import { explainFailure } from './errors.js';
import type { Inputs } from './inputs.js';
import { RegistryError, type ManifestInfo, type RegistryClient } from './registry.js';

export interface ExistingCheck {
  /** Set when every tag already points at one manifest: nothing to build. */
  manifest?: ManifestInfo;
  /** Why the step builds or skips, for the log and the summary. */
  reason: string;
}

/** Asks the registry whether the tags exist before spending minutes on a build. */
export async function checkExisting(
  registry: RegistryClient,
  inputs: Inputs,
  context: FailureContext
): Promise<ExistingCheck> {
  if (!inputs.push) return { reason: 'push is false: built locally only' };
  if (inputs.force) return { reason: 'force is true: rebuilt even if the tag exists' };
  if (!inputs.skipExisting) return { reason: 'skip-existing is false: always built' };
  let digests: Array<string | undefined>;
  try {
    digests = await Promise.all(inputs.tags.map((tag) => registry.digest(tag)));
  } catch (error) {
    if (error instanceof RegistryError && error.extra.credentialsRejected) {
      throw explainFailure(
        `checking ${context.name} in the registry`,
        error.message,
        context,
        'login'
      );
    }
    // A registry that will not tell (401/403 for a package that does not exist yet or
    // that we cannot read, outages) does not stop the step: the push succeeds or explains.
    core.warning(`could not check whether ${context.name} exists (${String(error)}); building it`);
    return { reason: 'the registry could not be asked whether the tag exists' };
  }
  const [primary] = digests;
  if (!primary) {
    await refuseMissingEcrRepository(registry, inputs.tags[0], context);
    return { reason: `${context.name}:${inputs.tags[0]} is not in the registry yet` };
  }
  const stray = inputs.tags.filter((_, i) => digests[i] !== primary);
  if (stray.length > 0) {
    return {
      reason: `${stray.join(', ')} ${stray.length > 1 ? 'do' : 'does'} not point at ${primary} yet`
    };
  }
  const manifest = await registry.manifest(inputs.tags[0]);
  return {
    manifest,
    reason: `${context.name}:${inputs.tags[0]} already exists as ${manifest.digest}; set force: true to rebuild`
  };
}

/**
 * ECR creates no repository on push, and tells a missing one apart from a missing tag only in
 * the body of a GET (NAME_UNKNOWN, where a missing tag is MANIFEST_UNKNOWN; a HEAD has none):
 * so on ECR a tag that is not there is read once more, and a missing repository is named with
 * the command that creates it before minutes of building, not after.
 */
async function refuseMissingEcrRepository(
  registry: RegistryClient,
  tag: string,
  context: FailureContext
): Promise<void> {
  if (!ecrRegistryOf(context.registry)) return;
  const text = await registry.manifest(tag).then(
    () => '',
    (error: unknown) =>
      error instanceof RegistryError && error.status === 404 ? error.message : ''
  );
  if (missingEcrRepository(context.name, text)) {
    throw explainFailure(`checking ${context.name} in the registry`, text, context, 'login');
  }
}
