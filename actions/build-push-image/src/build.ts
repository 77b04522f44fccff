import { existsSync, statSync } from 'node:fs';
import { ActionError, InputError } from '../../shared/src/errors.js';
import type { ProcessRunner } from '../../shared/src/exec.js';
import type { Engine } from './backend.js';
import { buildArgs, defaultLabels, mergeLabels, type BuildPlan } from './build-args.js';
import type { Inputs } from './inputs.js';

export function planBuild(inputs: Inputs, now: Date): BuildPlan {
  return {
    refs: inputs.tags.map((tag) => `${inputs.image.name}:${tag}`),
    context: inputs.context,
    file: inputs.file,
    buildArgs: inputs.buildArgs,
    labels: mergeLabels(defaultLabels(inputs.github, now), inputs.labels),
    platforms: inputs.platforms,
    provenance: inputs.provenance,
    options: inputs.options
  };
}

/** Missing files are the usual first-run mistake (no checkout step): say so before docker does. */
export function checkBuildFiles(plan: BuildPlan, cwd: string): void {
  if (!existsSync(plan.context) || !statSync(plan.context).isDirectory()) {
    throw new InputError(
      'context',
      `directory "${plan.context}" does not exist in ${cwd}; add actions/checkout before this step or set context:`
    );
  }
  if (!existsSync(plan.file)) {
    throw new InputError('file', `"${plan.file}" does not exist; set file: to your Dockerfile`);
  }
}

/** What to do about a failed build, judged from the tool's own words. */
export function buildFailureHint(bin: string, output: string): string {
  // podman and buildah do not read FROM python:3.11 as docker.io/library/python:3.11 the way
  // docker does: only registries.conf aliases and search registries resolve a short name.
  if (/short-name "[^"]*" did not resolve|short-name resolution enforced/.test(output)) {
    return (
      `${bin} resolves a short image name in FROM only through registries.conf (aliases, ` +
      'unqualified-search-registries), unlike docker: name the image in full (FROM ' +
      'docker.io/library/python:3.11-slim), or set unqualified-search-registries = ["docker.io"] ' +
      "in the runner's registries.conf."
    );
  }
  // A docker CLI without the buildx plugin refuses DOCKER_BUILDKIT=1 before reading the
  // Dockerfile (the CLI that docker 23+ ships hands BuildKit builds to buildx).
  if (/BuildKit is enabled but the buildx component is missing or broken/.test(output)) {
    return (
      'docker has no buildx plugin, and DOCKER_BUILDKIT=1 asks for a BuildKit build, which needs it; ' +
      'the Dockerfile was not read. Add docker/setup-buildx-action before this step (or install the ' +
      'docker-buildx-plugin package on a self-hosted runner), or unset DOCKER_BUILDKIT in the job to ' +
      'build with the classic builder.'
    );
  }
  return 'The build log above shows the failing Dockerfile step.';
}

export async function buildImage(
  runner: ProcessRunner,
  engine: Engine,
  plan: BuildPlan,
  env: Record<string, string>
): Promise<void> {
  const result = await runner.run(engine.bin, buildArgs(engine.kind, plan), { env });
  if (result.exitCode !== 0) {
    const tail = result.stderr.trim().split('\n').slice(-3).join(' / ');
    throw new ActionError(
      `${engine.bin} build failed with exit code ${result.exitCode}: ${tail}`,
      buildFailureHint(engine.bin, result.stderr)
    );
  }
}
