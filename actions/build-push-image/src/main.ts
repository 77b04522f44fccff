import * as core from '@actions/core';
import { fail } from '../../shared/src/errors.js';
import { processRunner, type ProcessRunner } from '../../shared/src/exec.js';
import { fetchClient, type HttpClient } from '../../shared/src/http.js';
import { appendSummary } from '../../shared/src/summary.js';
import { detectEngine } from './backend.js';
import { checkSupported } from './build-args.js';
import { buildImage, checkBuildFiles, planBuild } from './build.js';
import type { FailureContext } from './errors.js';
import { checkExisting } from './existing.js';
import { readInputs } from './inputs.js';
import { login } from './login.js';
import { pushImage } from './push.js';
import { RegistryClient } from './registry.js';
import { outcomeOutputs, renderSummary, type Outcome } from './summary.js';

export interface Edges {
  runner: ProcessRunner;
  http: HttpClient;
}

export async function run(
  edges: Edges = { runner: processRunner, http: fetchClient() }
): Promise<void> {
  const started = Date.now();
  try {
    const inputs = readInputs();
    const { name, registry: host } = inputs.image;
    if (inputs.loweredFrom)
      core.notice(`image: registries want lower case; using ${name} for ${inputs.loweredFrom}`);
    const context: FailureContext = { registry: host, name, eventName: inputs.github.eventName };
    const credentials = { username: inputs.username, password: inputs.password };
    const registry = new RegistryClient(inputs.image, { http: edges.http, credentials });
    const existing = await core.group('Check the registry', () =>
      checkExisting(registry, inputs, context)
    );
    core.info(existing.reason);
    const outcome: Outcome = {
      name,
      tags: inputs.tags,
      built: false,
      pushed: false,
      reason: existing.reason,
      durationMs: 0
    };
    if (existing.manifest) {
      Object.assign(outcome, existing.manifest);
    } else {
      const plan = planBuild(inputs, new Date());
      checkBuildFiles(plan, process.cwd());
      const engine = await detectEngine(edges.runner);
      checkSupported(engine.kind, plan);
      outcome.engine = engine.kind;
      const policy = { retryAfterHint: () => registry.retryAfterHint() };
      const env = inputs.push
        ? await core.group('Log in', () =>
            login(edges.runner, engine, credentials, context, policy)
          )
        : {};
      await core.group('Build', () => buildImage(edges.runner, engine, plan, env));
      outcome.built = true;
      if (inputs.push) {
        await core.group('Push', () => pushImage(edges.runner, engine, plan, env, context, policy));
        Object.assign(outcome, await registry.manifest(inputs.tags[0]), { pushed: true });
      }
    }
    outcome.durationMs = Date.now() - started;
    for (const [key, value] of Object.entries(outcomeOutputs(outcome))) core.setOutput(key, value);
    await appendSummary(renderSummary(outcome));
  } catch (error) {
    fail(error);
  }
}
