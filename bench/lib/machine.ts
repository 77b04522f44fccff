// Where and with what a bench ran: cores, load, and the versions of the tools it measured.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HELM_VERSIONS, helmPath } from '../../test/harness/rigs/helm.js';
import { DOCKER_CLI } from '../../test/harness/rigs/engine.js';
import { BUNDLE_FILES } from './dist-snapshot.js';

function firstLine(command: string, args: string[]): string {
  try {
    const out = execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe']
    });
    return out.trim().split('\n')[0];
  } catch (error) {
    return `unavailable (${(error as Error).message.split('\n')[0]})`;
  }
}

export function loadAverage(): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}

export function machine(): { nproc: number; cpu: string } {
  return { nproc: os.availableParallelism(), cpu: os.cpus()[0]?.model.trim() ?? 'unknown' };
}

export function versions(): Record<string, string> {
  return {
    node: process.version,
    ...Object.fromEntries(
      HELM_VERSIONS.map((v) => [
        `helm ${v.slice(1, 2)}`,
        firstLine(helmPath(v), ['version', '--short'])
      ])
    ),
    'docker CLI': firstLine(DOCKER_CLI, ['--version']).replace(/^Docker version /, ''),
    dockerd: firstLine('dockerd', ['--version']).replace(/^Docker version /, ''),
    aws: firstLine('aws', ['--version']).split(' ')[0]
  };
}

export function bundleSizes(distDir: string): Array<{ file: string; bytes: number }> {
  return BUNDLE_FILES.map((file) => ({
    file: path.join('dist', file),
    bytes: statSync(path.join(distDir, file)).size
  }));
}
