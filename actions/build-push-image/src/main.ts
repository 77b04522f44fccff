import * as core from '@actions/core';
import { fail } from '../../shared/src/errors.js';
import { processRunner, type ProcessRunner } from '../../shared/src/exec.js';
import { fetchClient, type HttpClient } from '../../shared/src/http.js';
import { appendSummary } from '../../shared/src/summary.js';
import { registryCredentials } from './ecr-login.js';
import { checkExisting } from './existing.js';
import { readInputs } from './inputs.js';
import { buildAndPush, failureContext } from './publish.js';
import { RegistryClient } from './registry.js';
import { alreadyPushed, outcomeOutputs, renderSummary, type Outcome } from './summary.js';

/** Where the step meets the world; tests may hand in fakes. */
interface Edges {
  runner: ProcessRunner;
  http: HttpClient;
}

export async function run(
  edges: Edges = { runner: processRunner, http: fetchClient() }
): Promise<void> {
  const started = Date.now();
  try {
    const inputs = readInputs();
    const { name } = inputs.image;
    if (inputs.loweredFrom) {
      core.notice(`image: registries want lower case; using ${name} for ${inputs.loweredFrom}`);
    }
    const credentials = await registryCredentials(inputs); // the password input, or ECR's token
    const registry = new RegistryClient(inputs.image, { http: edges.http, credentials });
    const existing = await core.group('Check the registry', async () => {
      const found = await checkExisting(registry, inputs, failureContext(inputs));
      core.info(found.reason);
      return found;
    });
    const done = existing.manifest
      ? alreadyPushed(name, inputs.tags, existing.manifest, existing.reason)
      : await buildAndPush(edges.runner, registry, inputs, existing.reason, credentials);
    const outcome: Outcome = { ...done, durationMs: Date.now() - started };
    for (const [key, value] of Object.entries(outcomeOutputs(outcome))) core.setOutput(key, value);
    await appendSummary(renderSummary(outcome));
  } catch (error) {
    fail(error);
  }
}
