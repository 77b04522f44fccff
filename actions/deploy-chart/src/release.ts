import * as core from '@actions/core';
import { ActionError } from '../../shared/src/errors.js';
import { metadataArgs, translateFlags, upgradeArgs, type DeployPlan } from './helm-args.js';
import type { HelmCli } from './helm-cli.js';

/** What the deploy produced: the action's outputs. */
export interface ReleaseOutcome {
  revision: string;
  status: string;
  chartVersion: string;
  appVersion: string;
}

/** `helm get metadata -o json`, as helm 3.13+ and 4 print it. Pure. */
export function parseMetadata(json: string): ReleaseOutcome {
  const doc = JSON.parse(json) as Record<string, unknown>;
  const field = (key: string) =>
    doc[key] === undefined || doc[key] === null ? '' : String(doc[key]);
  return {
    revision: field('revision'),
    status: field('status'),
    chartVersion: field('version'),
    appVersion: field('appVersion')
  };
}

function lastLines(text: string, count = 20): string {
  return text.trim().split(/\r?\n/).slice(-count).join('\n');
}

/** Runs `helm upgrade --install` (output streamed to the log), then reads the release back. */
export async function upgradeRelease(helm: HelmCli, plan: DeployPlan): Promise<ReleaseOutcome> {
  for (const note of translateFlags(plan.extraArgs, helm.major).renamed) {
    core.warning(`extra-args: ${note}`);
  }
  const args = upgradeArgs(plan, helm.major);
  core.info(`helm ${args.join(' ')}`);
  const result = await helm.run(args);
  if (result.exitCode !== 0) {
    throw new ActionError(
      `helm upgrade ${plan.release} (namespace ${plan.namespace}) failed with exit code ${result.exitCode}`,
      lastLines(result.stderr || result.stdout)
    );
  }
  if (plan.dryRun !== 'none') {
    return { revision: '', status: `dry-run (${plan.dryRun})`, chartVersion: '', appVersion: '' };
  }
  const metadata = await helm.run(metadataArgs(plan.release, plan.namespace), { silent: true });
  if (metadata.exitCode !== 0) {
    throw new ActionError(
      `helm upgrade succeeded but helm get metadata ${plan.release} failed`,
      lastLines(metadata.stderr)
    );
  }
  return parseMetadata(metadata.stdout);
}
