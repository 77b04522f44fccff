import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { REPO_ROOT, newRunnerJob, runAction } from '../harness/runner.js';

const ACTIONS = ['build-push-image', 'deploy-chart'] as const;

describe.each(ACTIONS)('%s action metadata and bundle', (action) => {
  const metadata = parse(
    readFileSync(path.join(REPO_ROOT, 'actions', action, 'action.yml'), 'utf8')
  );

  test('runs on node24 from its own bundle, by a relative path', () => {
    expect(metadata.runs.using).toBe('node24');
    expect(metadata.runs.main).toBe(`../../dist/${action}/index.js`);
    if (metadata.runs.post) expect(metadata.runs.post).toBe(`../../dist/${action}/post.js`);
  });

  test('the bundle starts and fails cleanly without its required input', async () => {
    const job = newRunnerJob();
    const result = await runAction(job, action, 'index', {
      env: { GITHUB_REPOSITORY: '', GITHUB_TOKEN: '' }
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(/^[a-z-]+: .+/);
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
    rmSync(job.dir, { recursive: true, force: true });
  });
});

describe('dist freshness check', () => {
  const run = promisify(execFile);
  const check = (dir: string) =>
    run(process.execPath, ['scripts/check-dist.mjs', dir], { cwd: REPO_ROOT });

  test('fails on a bundle that differs from a fresh build, naming it', async () => {
    const stale = mkdtempSync(path.join(os.tmpdir(), 'stale-dist-'));
    cpSync(path.join(REPO_ROOT, 'dist'), stale, { recursive: true });
    const bundle = path.join(stale, 'deploy-chart', 'index.js');
    writeFileSync(bundle, readFileSync(bundle, 'utf8') + '\n// edited by hand\n');
    await expect(check(stale)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('deploy-chart/index.js')
    });
    rmSync(stale, { recursive: true, force: true });
  });
});
