import { afterEach, beforeEach, expect, test } from '@jest/globals';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { carriedConfig, login } from '../src/login.js';
import { scriptedRunner } from './fakes.js';

const context = { registry: '127.0.0.1:5000', name: '127.0.0.1:5000/o/app', eventName: 'push' };
const credentials = { username: 'me', password: 'hunter2-secret' };
const saved = { ...process.env };
const policy = { retryAfterHint: async () => undefined, sleep: async () => {} };
let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'login-test-'));
  mkdirSync(path.join(root, 'temp'));
  process.env.RUNNER_TEMP = path.join(root, 'temp');
  process.env.GITHUB_STATE = path.join(root, 'state');
  writeFileSync(process.env.GITHUB_STATE, '');
  process.env.DOCKER_CONFIG = path.join(root, 'user-docker');
  mkdirSync(path.join(root, 'user-docker', 'cli-plugins'), { recursive: true });
  writeFileSync(
    path.join(root, 'user-docker', 'config.json'),
    '{"auths":{"ghcr.io":{"auth":"dXNlcjpzZWNyZXQ="}},"currentContext":"rootless"}'
  );
});
afterEach(() => {
  process.env = { ...saved };
  rmSync(root, { recursive: true, force: true });
});

test('logs in through stdin into a private config dir recorded for the post step', async () => {
  const runner = scriptedRunner([{ stdout: 'Login Succeeded' }]);
  const env = await login(runner, { kind: 'docker', bin: 'docker' }, credentials, context, policy);
  const dir = env.DOCKER_CONFIG;
  expect(path.dirname(dir)).toBe(process.env.RUNNER_TEMP);
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  expect(env.REGISTRY_AUTH_FILE).toBe(path.join(dir, 'auth.json'));
  expect(readFileSync(process.env.GITHUB_STATE!, 'utf8')).toContain(dir);
  const [call] = runner.calls;
  expect([call.command, ...call.args]).toEqual([
    'docker',
    'login',
    '--username',
    'me',
    '--password-stdin',
    '127.0.0.1:5000'
  ]);
  expect(call.options?.input).toBe('hunter2-secret');
  expect(call.options?.env).toEqual(env);
  expect(lstatSync(path.join(dir, 'cli-plugins')).isSymbolicLink()).toBe(true);
  expect(readFileSync(path.join(dir, 'config.json'), 'utf8')).toBe('{"currentContext":"rootless"}');
});

test.each([
  [
    '{"auths":{"ghcr.io":{"auth":"c2VjcmV0"}},"currentContext":"rootless","credsStore":"desktop"}',
    { currentContext: 'rootless' }
  ],
  ['{"auths":{}}', {}],
  ['not json', {}],
  ['{"currentContext":42}', {}]
])('carriedConfig(%s) keeps the context and never credentials', (text, want) => {
  expect(carriedConfig(text)).toEqual(want);
});

test('a refused login is explained, and the dir is already recorded for cleanup', async () => {
  const runner = scriptedRunner([
    {
      exitCode: 1,
      stderr:
        'Error response from daemon: login attempt to http://127.0.0.1:5000/v2/ failed with status: 401 Unauthorized'
    }
  ]);
  const error = await login(
    runner,
    { kind: 'podman', bin: 'podman' },
    credentials,
    context,
    policy
  ).catch((e: unknown) => e);
  expect(runner.calls).toHaveLength(1); // a refusal is not retried
  expect(String(error)).toMatch(
    /^ActionError: podman login to 127.0.0.1:5000 failed: .*401 Unauthorized\n- The registry rejected the username and password/
  );
  expect(readFileSync(process.env.GITHUB_STATE!, 'utf8')).toContain(process.env.RUNNER_TEMP!);
  expect(runner.calls[0].args).toContain('--tls-verify=false');
});

test('a rate-limited login waits as the registry asks, then logs in', async () => {
  const sleeps: number[] = [];
  const runner = scriptedRunner([
    {
      exitCode: 1,
      stderr: 'login attempt to http://127.0.0.1:5000/v2/ failed with status: 429 Too Many Requests'
    },
    { stdout: 'Login Succeeded' }
  ]);
  await login(runner, { kind: 'docker', bin: 'docker' }, credentials, context, {
    retryAfterHint: async () => 2000,
    sleep: async (ms) => void sleeps.push(ms)
  });
  expect(runner.calls).toHaveLength(2);
  expect(sleeps).toEqual([2000]);
});
