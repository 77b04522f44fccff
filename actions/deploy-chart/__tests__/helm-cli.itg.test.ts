// createHelmCli with real processes: KUBECONFIG only through the environment, output returned,
// and an abort delivered to the process as SIGTERM (then SIGKILL after a grace) without rejecting.
import { describe, expect, test } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHelmCli } from '../src/helm-cli.js';
import { HELM_VERSIONS, helmPath } from '../../../test/harness/rigs/helm.js';
import { parseExtraArgs } from '../src/inputs.js';
import { hostPathFs } from '../../shared/src/workspace-path.js';

function script(body: string): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'helm-cli-'));
  const file = path.join(dir, 'fake-helm');
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('createHelmCli', () => {
  test('KUBECONFIG reaches helm through the environment only, never as a flag', async () => {
    const fake = script('echo "args=$* kubeconfig=$KUBECONFIG"');
    try {
      const helm = createHelmCli(fake.file, 4, '/tmp/some/kubeconfig');
      const result = await helm.run(['status', 'web'], { silent: true });
      expect(result.stdout).toBe('args=status web kubeconfig=/tmp/some/kubeconfig\n');
      expect(helm.env).toEqual({ KUBECONFIG: '/tmp/some/kubeconfig' });
    } finally {
      fake.cleanup();
    }
  });

  test('the real helm binary runs', async () => {
    const result = await createHelmCli(helmPath('v3.17.2'), 3, '/k').run(['version', '--short'], {
      silent: true
    });
    expect(result).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^v3\.17\.2/) });
  });

  // extra-args' paths are checked against the workspace; helm must read them from there too,
  // not from the step's cwd (here the repository, where cfg.txt does not exist).
  test.each(HELM_VERSIONS)(
    'helm %s reads a relative --set-file from the workspace it runs in',
    async (version) => {
      const workspace = mkdtempSync(path.join(os.tmpdir(), 'helm-cli-ws-'));
      try {
        const chart = path.join(workspace, 'chart');
        mkdirSync(path.join(chart, 'templates'), { recursive: true });
        writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: c\nversion: 0.1.0\n');
        writeFileSync(
          path.join(chart, 'templates', 'cm.yaml'),
          'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata: { cfg: {{ .Values.cfg | quote }} }\n'
        );
        writeFileSync(path.join(workspace, 'cfg.txt'), 'from-the-workspace');
        const args = parseExtraArgs('--set-file cfg=cfg.txt', {
          roots: { workspace },
          fs: hostPathFs
        });
        const major = Number(version.slice(1, 2)) as 3 | 4;
        const helm = createHelmCli(helmPath(version), major, '/k', undefined, {}, workspace);
        const result = await helm.run(['template', 'r', chart, ...args], { silent: true });
        expect(process.cwd()).not.toBe(workspace);
        expect(result).toMatchObject({
          exitCode: 0,
          stdout: expect.stringContaining('cfg: "from-the-workspace"')
        });
      } finally {
        rmSync(workspace, { recursive: true, force: true });
      }
    }
  );

  test('a failing command resolves with its exit code and stderr', async () => {
    const fake = script('echo "Error: boom" >&2; exit 3');
    try {
      const result = await createHelmCli(fake.file, 3, '/k').run(['upgrade'], { silent: true });
      expect(result).toEqual({ exitCode: 3, stdout: '', stderr: 'Error: boom\n' });
    } finally {
      fake.cleanup();
    }
  });

  test('abort sends SIGTERM; a helm that traps it exits with its own code and output', async () => {
    // helm >= 3.7 catches SIGTERM, marks the release failed and exits 1: the fake does the same.
    const fake = script(
      'trap \'kill $!; echo "Release x has been cancelled."; exit 1\' TERM\necho started\nsleep 30 & wait'
    );
    try {
      const stop = new AbortController();
      const running = createHelmCli(fake.file, 4, '/k').run(['upgrade'], {
        silent: true,
        signal: stop.signal
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      stop.abort();
      await expect(running).resolves.toEqual({
        exitCode: 1,
        stdout: 'started\nRelease x has been cancelled.\n',
        stderr: ''
      });
    } finally {
      fake.cleanup();
    }
  });

  test('a process killed by the signal reports 143, like a shell', async () => {
    const fake = script('exec sleep 30');
    try {
      const stop = new AbortController();
      const running = createHelmCli(fake.file, 3, '/k').run([], {
        silent: true,
        signal: stop.signal
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      stop.abort();
      expect((await running).exitCode).toBe(143);
    } finally {
      fake.cleanup();
    }
  });

  test('a helm that does not exit after SIGTERM (its handler hangs) is killed after the grace', async () => {
    const fake = script("trap '' TERM\necho started\nexec sleep 30");
    try {
      const stop = new AbortController();
      const running = createHelmCli(fake.file, 4, '/k', 300).run([], {
        silent: true,
        signal: stop.signal
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      stop.abort();
      await expect(running).resolves.toEqual({ exitCode: 137, stdout: 'started\n', stderr: '' });
    } finally {
      fake.cleanup();
    }
  });

  test('a missing binary rejects, naming it', async () => {
    await expect(createHelmCli('/nonexistent/helm', 4, '/k').run(['version'])).rejects.toThrow(
      'cannot run /nonexistent/helm'
    );
  });
});
