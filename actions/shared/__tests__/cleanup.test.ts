import { expect, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeSavedDir, warningCommand } from '../src/cleanup.js';
import { State } from '../src/state.js';

/** build-push-image's post step. */
const cleanup = (
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  remove?: (dir: string) => Promise<void>
) => removeSavedDir(env, State.RegistryAuthDir, 'registry credentials', log, remove);

test('removes the credentials directory named in the state', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cleanup-'));
  mkdirSync(path.join(dir, 'buildx'));
  writeFileSync(path.join(dir, 'config.json'), '{"auths":{}}');
  const lines: string[] = [];
  await cleanup({ 'STATE_auth-dir': dir }, (line) => void lines.push(line));
  expect(existsSync(dir)).toBe(false);
  expect(lines).toEqual([`removed registry credentials in ${dir}`]);
});

test.each([
  ['no state (main failed before login, or skipped)', {}],
  ['an empty state', { 'STATE_auth-dir': '' }]
])('does nothing with %s', async (_, env) => {
  const lines: string[] = [];
  await cleanup(
    env,
    (line) => void lines.push(line),
    async () => {
      throw new Error('must not be called');
    }
  );
  expect(lines).toEqual([]);
});

test('a directory already gone is fine (post steps may run twice)', async () => {
  const lines: string[] = [];
  await cleanup(
    { 'STATE_auth-dir': path.join(os.tmpdir(), 'cleanup-never-made') },
    (l) => void lines.push(l)
  );
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toMatch(/^::warning::/);
});

test('a failure is one warning, not a thrown error', async () => {
  const lines: string[] = [];
  await cleanup(
    { 'STATE_auth-dir': '/x' },
    (line) => void lines.push(line),
    async () => {
      throw new Error('EBUSY: resource busy\nor locked');
    }
  );
  expect(lines).toEqual([
    '::warning::could not remove registry credentials in /x: Error: EBUSY: resource busy%0Aor locked'
  ]);
});

test.each([
  ['plain', '::warning::plain'],
  ['100% done\r\nnext', '::warning::100%25 done%0D%0Anext']
])('warningCommand(%j)', (message, want) => expect(warningCommand(message)).toBe(want));
