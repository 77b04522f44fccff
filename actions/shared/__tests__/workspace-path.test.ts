import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  hostPathFs,
  pathRoots,
  resolveInWorkspace,
  type PathFs,
  type PathRoots
} from '../src/workspace-path.js';

// A real tree, because what a symlink and `..` mean is the kernel's answer, not a string's:
//   <top>/ws/            the workspace: chart/, values.yaml, links in and out
//   <top>/ws-link ->ws   a workspace reached through a symlink
//   <top>/temp/          RUNNER_TEMP
//   <top>/outside/       neither
let top: string;
let roots: PathRoots;
const at = (...parts: string[]) => path.join(top, ...parts);

beforeAll(() => {
  top = mkdtempSync(path.join(os.tmpdir(), 'workspace-path-'));
  for (const dir of ['ws/chart', 'ws/deep/er', 'temp', 'outside/sub'])
    mkdirSync(at(dir), { recursive: true });
  writeFileSync(at('ws/values.yaml'), 'a: 1\n');
  writeFileSync(at('temp/gen.yaml'), 'b: 2\n');
  writeFileSync(at('outside/secret.txt'), 'secret\n');
  symlinkSync(at('outside/secret.txt'), at('ws/link-out.yaml'));
  symlinkSync(at('outside'), at('ws/dir-out'));
  symlinkSync('values.yaml', at('ws/link-in.yaml'));
  symlinkSync(at('outside/sub'), at('ws/sub-out'));
  symlinkSync(at('ws'), at('ws-link'));
  symlinkSync(at('ws/values.yaml'), at('outside/link-back.yaml'));
  roots = { workspace: at('ws'), runnerTemp: at('temp') };
});
afterAll(() => rmSync(top, { recursive: true, force: true }));

describe('paths that stay inside', () => {
  test.each<[string, () => string, () => string, boolean]>([
    ['relative', () => 'values.yaml', () => at('ws/values.yaml'), true],
    ['absolute in the workspace', () => at('ws/chart'), () => at('ws/chart'), true],
    ['the workspace itself', () => '.', () => at('ws'), true],
    ['.. that stays inside', () => 'deep/er/../../values.yaml', () => at('ws/values.yaml'), true],
    ['a symlink to a file inside', () => 'link-in.yaml', () => at('ws/values.yaml'), true],
    ['RUNNER_TEMP', () => at('temp/gen.yaml'), () => at('temp/gen.yaml'), true],
    [
      'a link outside that points back in',
      () => at('outside/link-back.yaml'),
      () => at('ws/values.yaml'),
      true
    ],
    ['nonexistent, inside', () => 'values/prod.yaml', () => at('ws/values/prod.yaml'), false],
    ['nonexistent under a link in', () => '../ws-link/nope.yaml', () => at('ws/nope.yaml'), false]
  ])('%s', (_name, text, want, exists) =>
    expect(resolveInWorkspace('values', text(), roots, hostPathFs)).toEqual({
      path: want(),
      exists
    })
  );

  test('a workspace reached through a symlink', () =>
    expect(
      resolveInWorkspace('chart', 'chart', { workspace: at('ws-link') }, hostPathFs).path
    ).toBe(at('ws/chart')));
});

describe('paths that leave are refused, naming the input', () => {
  test.each<[string, () => string, RegExp]>([
    [
      '.. out of the workspace',
      () => '../outside/secret.txt',
      /resolves to .*outside\/secret\.txt, outside the workspace/
    ],
    ['absolute outside', () => at('outside/secret.txt'), /resolves to/],
    ['a system file', () => '/etc/passwd', /"\/etc\/passwd" resolves to \/etc\/passwd, outside/],
    [
      'a symlink to a file outside',
      () => 'link-out.yaml',
      /"link-out\.yaml" is a symlink to .*outside\/secret\.txt/
    ],
    [
      'a symlink to a directory outside',
      () => 'dir-out/secret.txt',
      /is a symlink to .*outside\/secret\.txt/
    ],
    // The kernel resolves sub-out first, then `..`: that is <top>/outside, not the workspace.
    [
      '.. after a symlink out',
      () => 'sub-out/../secret.txt',
      /is a symlink to .*outside\/secret\.txt/
    ],
    ['nonexistent, outside', () => '../outside/nope.yaml', /resolves to .*outside\/nope\.yaml/],
    [
      'nonexistent under a symlink out',
      () => 'dir-out/nope.yaml',
      /is a symlink to .*outside\/nope\.yaml/
    ],
    ['a sibling whose name starts like the workspace', () => at('ws-link/../wsx'), /resolves to/]
  ])('%s', (_name, text, message) => {
    expect(() => resolveInWorkspace('values', text(), roots, hostPathFs)).toThrow(message);
    expect(() => resolveInWorkspace('values', text(), roots, hostPathFs)).toThrow(
      /^values: .*outside the workspace \(.*\) and RUNNER_TEMP; use a path inside the repository/
    );
  });

  test('without RUNNER_TEMP, its files are outside too', () =>
    expect(() =>
      resolveInWorkspace('file', at('temp/gen.yaml'), { workspace: at('ws') }, hostPathFs)
    ).toThrow(/^file: .* outside the workspace \(.*\); use a path/));
});

describe('the edges', () => {
  test('pathRoots: GITHUB_WORKSPACE, else the cwd; RUNNER_TEMP when set', () => {
    expect(pathRoots({ GITHUB_WORKSPACE: '/w', RUNNER_TEMP: '/t' }, '/cwd')).toEqual({
      workspace: '/w',
      runnerTemp: '/t'
    });
    expect(pathRoots({ GITHUB_WORKSPACE: '', RUNNER_TEMP: '' }, '/cwd')).toEqual({
      workspace: '/cwd',
      runnerTemp: undefined
    });
  });

  test('a file system error other than "not there" is not taken for a missing file', () => {
    const denied: PathFs = {
      realpath: () => {
        throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      }
    };
    expect(() => resolveInWorkspace('chart', 'c', { workspace: '/w' }, denied)).toThrow(/EACCES/);
  });

  test('hostPathFs answers undefined for a missing path and for a file used as a directory', () => {
    expect(hostPathFs.realpath(at('ws/none'))).toBeUndefined();
    expect(hostPathFs.realpath(at('ws/values.yaml/x'))).toBeUndefined();
  });
});
