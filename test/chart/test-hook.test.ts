// The helm test hook's script, run for real: Python's http.server serves a directory laid
// out the way the kubelet mounts a ConfigMap (index.html -> ..data/index.html), and the
// script from the rendered test Pod checks it with the env the Pod gives it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { byKind, only, render, type Manifest } from './chart.js';

interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

let page: string;
let script: string;
let server: ChildProcess;
let url: string;
const dir = mkdtempSync(path.join(os.tmpdir(), 'chart-hook-'));

/** The directory a ConfigMap volume with one key looks like inside the pod. */
function mountLikeKubelet(root: string, content: string): void {
  mkdirSync(path.join(root, '..2026_01_01_00_00_00.000000001'));
  writeFileSync(path.join(root, '..2026_01_01_00_00_00.000000001', 'index.html'), content);
  symlinkSync('..2026_01_01_00_00_00.000000001', path.join(root, '..data'));
  symlinkSync('..data/index.html', path.join(root, 'index.html'));
}

/** Starts http.server on a free loopback port; resolves with its URL once it listens. */
function serve(root: string): Promise<string> {
  server = spawn('python3', [
    '-u',
    '-m',
    'http.server',
    '--bind',
    '127.0.0.1',
    '0',
    '--directory',
    root
  ]);
  return new Promise((resolve, reject) => {
    let output = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const port = /port (\d+)/.exec(output)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}/`);
    });
    server.on('error', reject);
    server.on('exit', (code) => reject(new Error(`http.server exited (${code}): ${output}`)));
  });
}

function runScript(env: Record<string, string>): Promise<ScriptRun> {
  return new Promise((resolve) => {
    execFile(
      'python3',
      ['-c', script],
      { env: { PATH: process.env.PATH ?? '', ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
    );
  });
}

beforeAll(async () => {
  const manifests = await render('v4.1.4');
  page = only(manifests, 'ConfigMap').data?.['index.html'] ?? '';
  const testPod = byKind(manifests, 'Pod')[0] as Manifest;
  const [command, flag, source] = testPod.spec.containers[0].command as string[];
  expect([command, flag]).toEqual(['python3', '-c']);
  script = source;
  mountLikeKubelet(dir, page);
  url = await serve(dir);
});

afterAll(() => {
  server?.removeAllListeners('exit');
  server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('passes when the server returns the ConfigMap page', async () => {
  const run = await runScript({ PAGE_URL: url, EXPECTED_PAGE: page });
  expect(run.stderr).toBe('');
  expect(run.stdout).toContain(
    `OK: ${url} serves the chart's page (${Buffer.byteLength(page)} bytes)`
  );
  expect(run.code).toBe(0);
});

test('fails when the server returns another page', async () => {
  const run = await runScript({
    PAGE_URL: url,
    EXPECTED_PAGE: page.replace('Python fantasy!', 'Old page')
  });
  expect(run.stderr).toContain(`FAIL: ${url} served`);
  expect(run.code).toBe(1);
});

test('fails at once on an HTTP error', async () => {
  const run = await runScript({ PAGE_URL: `${url}missing.html`, EXPECTED_PAGE: page });
  expect(run.stderr).toContain(`FAIL: ${url}missing.html answered 404 File not found`);
  expect(run.stdout).toBe(''); // no retries
  expect(run.code).toBe(1);
});
