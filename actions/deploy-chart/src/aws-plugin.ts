import * as core from '@actions/core';
import path from 'node:path';
import { ActionError } from '../../shared/src/errors.js';
import { processRunner, type ProcessRunner } from '../../shared/src/exec.js';
import { isAwsCommand, type ExecPlugin } from './cluster-access.js';
import {
  installVerified,
  webDownloads,
  type Downloads,
  type VerifiedTool
} from './verified-install.js';
import { parseSha256File } from './helm-versions.js';
import { isSameSite, OFFICIAL_AWS_CLI_MIRROR, toolCacheName } from './tool-site.js';

/** The AWS CLI v2 release the action installs when the runner's aws cannot run eks get-token. */
export const AWS_CLI_VERSION = '2.36.11';

/**
 * sha256 of the official installer archives (AWS publishes only PGP signatures). Source: a
 * pinned EC2 bootstrap script that checks awscli-exe-linux-x86_64-2.36.11.zip with
 * `sha256sum -c` (size 73022935). No aarch64 sum was found, so on ARM runners the official
 * installer is refused and the user is told to install the CLI first.
 */
const OFFICIAL_AWS_CLI_SHA256: Readonly<Record<string, string>> = {
  'awscli-exe-linux-x86_64-2.36.11.zip':
    '50fbb7a2f44a78eab4a210088040e8f0bc4b9937cac8043c2354269d58614df6'
};

interface AwsCliVersion {
  major: number;
  minor: number;
  patch: number;
}

/** `aws-cli/1.45.11 Python/3.11.7 Linux/6.1 botocore/1.43.11` → 1.45.11. */
export function parseAwsCliVersion(output: string): AwsCliVersion | undefined {
  const match = /aws-cli\/(\d+)\.(\d+)\.(\d+)/.exec(output);
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

/** `aws eks get-token` arrived in v1 1.16.156 and is in every v2. */
export function supportsEksGetToken(v: AwsCliVersion): boolean {
  if (v.major >= 2) return true;
  if (v.major < 1) return false;
  if (v.minor !== 16) return v.minor > 16;
  return v.patch >= 156;
}

export function awsInstallerName(platform: string, arch: string): string {
  const cpu = { x64: 'x86_64', arm64: 'aarch64' }[arch];
  if (platform !== 'linux' || !cpu) {
    throw new Error(
      `the action installs the AWS CLI only on Linux x64/arm64 (this runner is ${platform}/${arch})`
    );
  }
  return `awscli-exe-linux-${cpu}-${AWS_CLI_VERSION}.zip`;
}

async function installedVersion(runner: ProcessRunner): Promise<AwsCliVersion | undefined> {
  try {
    const result = await runner.run('aws', ['--version'], { silent: true });
    return result.exitCode === 0 ? parseAwsCliVersion(result.stdout + result.stderr) : undefined;
  } catch {
    return undefined; // not on PATH
  }
}

/** The official installer's aws/dist is a self-contained CLI: cached as is, no root install. */
function awsCliTool(mirror: string, web: Downloads): VerifiedTool {
  const file = awsInstallerName(process.platform, process.arch);
  const official = isSameSite(mirror, OFFICIAL_AWS_CLI_MIRROR);
  return {
    label: 'aws',
    site: mirror,
    // Keyed by site: a CLI from a custom mirror is never used by a run of the official site.
    cacheName: toolCacheName('aws-cli', mirror, OFFICIAL_AWS_CLI_MIRROR),
    version: AWS_CLI_VERSION,
    file,
    archive: 'zip',
    checksum: async (url) => {
      const expected = official
        ? OFFICIAL_AWS_CLI_SHA256[file]
        : parseSha256File(await web.text(`${url}.sha256`));
      if (!expected) throw new Error(`no sha256 is known for ${file}, so it cannot be verified`);
      return (actual) => {
        if (actual !== expected) {
          throw new Error(
            `${file}: sha256 ${actual} is not the expected ${expected}; refusing to use it`
          );
        }
        return official
          ? 'sha256 matches the sum shipped in this action'
          : "sha256 matches the mirror's published sum";
      };
    },
    dir: path.join('aws', 'dist'),
    binary: 'aws'
  };
}

/**
 * The kubeconfig's exec plugin must work before helm runs it. For `aws`: on PATH and new enough
 * for `eks get-token`, else the AWS CLI v2 is installed (verified, tool-cached, on PATH).
 */
export async function ensureAuthPlugin(
  exec: ExecPlugin | undefined,
  mirror: string,
  runner: ProcessRunner = processRunner,
  web: Downloads = webDownloads
): Promise<void> {
  if (!exec || !isAwsCommand(exec.command)) return;
  const found = await installedVersion(runner);
  if (found && supportsEksGetToken(found)) {
    core.info(`aws: aws-cli/${found.major}.${found.minor}.${found.patch} supports eks get-token`);
    return;
  }
  const why = found
    ? `aws-cli/${found.major}.${found.minor}.${found.patch} is too old for eks get-token (needs 1.16.156+ or 2.x)`
    : 'the aws command is not on PATH';
  core.warning(`kubeconfig exec plugin: ${why}; installing the AWS CLI ${AWS_CLI_VERSION}`);
  try {
    const dir = await installVerified(awsCliTool(mirror, web), web);
    core.info(`aws: installed aws-cli/${AWS_CLI_VERSION} at ${dir} and put it first on PATH`);
  } catch (error) {
    throw new ActionError(
      `kubeconfig exec plugin: ${why}, and installing the AWS CLI ${AWS_CLI_VERSION} failed: ${(error as Error).message}`,
      'Install the AWS CLI v2 in an earlier step (it is preinstalled on GitHub-hosted Ubuntu runners), or check aws-cli-mirror.'
    );
  }
}
