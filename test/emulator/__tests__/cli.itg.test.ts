// The CLI the local pipeline and people use: it writes a kubeconfig kubectl can use, and
// stops cleanly on SIGTERM.
import { expect, test } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../harness/runner.js';

test('serves a cluster kubectl reaches with the written kubeconfig, until SIGTERM', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'emulator-cli-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  const child = spawn(
    process.execPath,
    [
      path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'),
      path.join(REPO_ROOT, 'test/emulator/cli.ts'),
      '--kubeconfig',
      kubeconfig,
      '--token',
      'cli-token'
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] }
  );
  try {
    const started = await new Promise<{ url: string }>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString())));
      child.once('exit', (code) => reject(new Error(`cli exited with ${code}`)));
    });
    expect(started.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const { stdout } = await promisify(execFile)(
      '/usr/bin/kubectl',
      ['get', 'namespaces', '-o', 'name'],
      {
        env: { PATH: process.env.PATH, HOME: dir, KUBECONFIG: kubeconfig }
      }
    );
    expect(stdout.split('\n').filter(Boolean)).toEqual([
      'namespace/default',
      'namespace/kube-system',
      'namespace/omer'
    ]);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
