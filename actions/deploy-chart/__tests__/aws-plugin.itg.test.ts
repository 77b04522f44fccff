// The aws auth plugin check: pure version rules, the real aws CLI on this machine, and the
// install path (an aws too old for eks get-token) against a loopback installer mirror.
import * as tc from '@actions/tool-cache';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  AWS_CLI_VERSION,
  awsInstallerName,
  ensureAuthPlugin,
  parseAwsCliVersion,
  supportsEksGetToken
} from '../src/aws-plugin.js';
import { isAwsCommand, type ExecPlugin } from '../src/cluster-access.js';
import { fetchText, type Downloads } from '../src/verified-install.js';
import { OFFICIAL_AWS_CLI_MIRROR } from '../src/tool-site.js';
import { processRunner } from '../../shared/src/exec.js';
import { pathWithout } from '../../../test/harness/runner.js';

describe('aws CLI versions', () => {
  test.each([
    [
      'aws-cli/1.45.11 Python/3.11.7 Linux/6.1 botocore/1.43.11',
      { major: 1, minor: 45, patch: 11 }
    ],
    [
      'aws-cli/2.36.11 Python/3.13.7 Linux/6.8 exe/x86_64.ubuntu.24',
      { major: 2, minor: 36, patch: 11 }
    ],
    ['command not found', undefined]
  ])('parses %j', (text, want) => expect(parseAwsCliVersion(text)).toEqual(want));

  test.each([
    ['1.16.155', false],
    ['1.16.156', true],
    ['1.15.999', false],
    ['1.17.0', true],
    ['1.45.11', true],
    ['2.0.0', true],
    ['0.9.9', false]
  ])('%s supports eks get-token: %s', (version, want) => {
    const [major, minor, patch] = version.split('.').map(Number);
    expect(supportsEksGetToken({ major, minor, patch })).toBe(want);
  });

  test.each([
    ['aws', true],
    ['/usr/local/bin/aws', true],
    ['aws.exe', true],
    ['aws-iam-authenticator', false],
    ['kubelogin', false]
  ])('%s is the aws CLI: %s', (command, want) => expect(isAwsCommand(command)).toBe(want));

  test.each([
    ['linux', 'x64', `awscli-exe-linux-x86_64-${AWS_CLI_VERSION}.zip`],
    ['linux', 'arm64', `awscli-exe-linux-aarch64-${AWS_CLI_VERSION}.zip`]
  ])('installer for %s/%s', (platform, arch, want) =>
    expect(awsInstallerName(platform, arch)).toBe(want)
  );
  test('no installer for macOS', () =>
    expect(() => awsInstallerName('darwin', 'arm64')).toThrow(
      /only on Linux x64\/arm64 \(this runner is darwin\/arm64\)/
    ));
});

const awsExec = (env: Record<string, string> = {}): ExecPlugin => ({
  apiVersion: 'client.authentication.k8s.io/v1beta1',
  command: 'aws',
  args: ['eks', 'get-token', '--cluster-name', 'c'],
  env
});

describe('ensureAuthPlugin on a runner', () => {
  let work: string;
  let server: http.Server;
  let mirrorUrl: string;
  const requests: string[] = [];
  const files = new Map<string, Buffer>();
  const saved = { ...process.env };

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'aws-plugin-'));
    // An installer whose aws/dist/aws reports the pinned v2 version.
    const staging = path.join(work, 'installer');
    mkdirSync(path.join(staging, 'aws', 'dist'), { recursive: true });
    const fakeAws = path.join(staging, 'aws', 'dist', 'aws');
    writeFileSync(
      fakeAws,
      `#!/bin/sh\necho "aws-cli/${AWS_CLI_VERSION} Python/3.13.7 Linux exe/x86_64"\n`
    );
    chmodSync(fakeAws, 0o755);
    const zip = path.join(work, 'installer.zip');
    execFileSync('python3', ['-m', 'zipfile', '-c', zip, 'aws'], { cwd: staging });
    const name = awsInstallerName(process.platform, process.arch);
    const bytes = readFileSync(zip);
    files.set(`/${name}`, bytes);
    files.set(
      `/${name}.sha256`,
      Buffer.from(`${createHash('sha256').update(bytes).digest('hex')}  ${name}\n`)
    );
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      const body = files.get(req.url ?? '');
      res.writeHead(body ? 200 : 404);
      res.end(body ?? 'not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    mirrorUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    process.env = saved;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(work, { recursive: true, force: true });
  });

  function runnerEnv(name: string, pathDirs: string[]): void {
    const dir = path.join(work, name);
    mkdirSync(path.join(dir, 'toolcache'), { recursive: true });
    mkdirSync(path.join(dir, 'temp'), { recursive: true });
    writeFileSync(path.join(dir, 'path'), '');
    process.env = {
      ...saved,
      PATH: pathDirs.join(path.delimiter),
      RUNNER_TOOL_CACHE: path.join(dir, 'toolcache'),
      RUNNER_TEMP: path.join(dir, 'temp'),
      GITHUB_PATH: path.join(dir, 'path')
    };
  }

  test('the real aws CLI on this machine is accepted as is', async () => {
    runnerEnv('real', (saved.PATH ?? '').split(path.delimiter));
    requests.splice(0);
    await ensureAuthPlugin(awsExec(), mirrorUrl);
    expect(requests).toEqual([]);
    expect(process.env.PATH).toBe(saved.PATH);
  });

  test('another exec command is left alone', async () => {
    runnerEnv('other', ['/nonexistent']);
    await ensureAuthPlugin({ ...awsExec(), command: 'kubelogin' }, mirrorUrl);
    expect(process.env.PATH).toBe('/nonexistent');
  });

  test('an aws too old for eks get-token: the v2 CLI is installed, verified, cached and put first on PATH', async () => {
    const oldBin = path.join(work, 'old-bin');
    mkdirSync(oldBin, { recursive: true });
    writeFileSync(
      path.join(oldBin, 'aws'),
      '#!/bin/sh\necho "aws-cli/1.16.100 Python/2.7.18 Linux/5.4 botocore/1.12.90" >&2\n'
    );
    chmodSync(path.join(oldBin, 'aws'), 0o755);
    runnerEnv('old', [oldBin, '/usr/bin', '/bin']);
    requests.splice(0);
    await ensureAuthPlugin(awsExec(), mirrorUrl);
    const name = awsInstallerName(process.platform, process.arch);
    expect(requests).toEqual([`/${name}.sha256`, `/${name}`]);
    expect(execFileSync('aws', ['--version'], { encoding: 'utf8', env: process.env })).toMatch(
      new RegExp(`^aws-cli/${AWS_CLI_VERSION.replace(/\./g, '\\.')} `)
    );
    expect(process.env.PATH?.split(path.delimiter)[0]).toContain(
      path.join('old', 'toolcache', 'aws-cli')
    );
  });

  test('a CLI cached from a custom mirror is not used by a run of the official site', async () => {
    const noAws = pathWithout('aws').split(path.delimiter);
    runnerEnv('mirror-then-official', noAws);
    await ensureAuthPlugin(awsExec(), mirrorUrl);
    const cache = readdirSync(process.env.RUNNER_TOOL_CACHE!);
    expect(cache).toEqual([expect.stringMatching(/^aws-cli-from-127\.0\.0\.1-\d+-[0-9a-f]{12}$/)]);

    // The official site as seen from here: the loopback installer under the official URL. It
    // is held to the shipped sum, which it does not match; the cached mirror CLI is not used.
    process.env.PATH = noAws.join(path.delimiter); // not the CLI the first run put on PATH
    const asked: string[] = [];
    const local = (url: string) => {
      asked.push(url);
      return url.replace(OFFICIAL_AWS_CLI_MIRROR, mirrorUrl);
    };
    const official: Downloads = {
      text: (url) => fetchText(local(url)),
      file: (url) => tc.downloadTool(local(url))
    };
    const name = awsInstallerName(process.platform, process.arch);
    const refused = ensureAuthPlugin(awsExec(), OFFICIAL_AWS_CLI_MIRROR, processRunner, official);
    await (process.arch === 'x64'
      ? expect(refused).rejects.toThrow(/sha256 [0-9a-f]{64} is not the expected 50fbb7a2/)
      : expect(refused).rejects.toThrow(/no sha256 is known/));
    expect(asked).toEqual(process.arch === 'x64' ? [`${OFFICIAL_AWS_CLI_MIRROR}/${name}`] : []);
  });

  test('no aws and an installer that cannot be fetched: one clear error', async () => {
    runnerEnv('missing', ['/nonexistent']);
    await expect(ensureAuthPlugin(awsExec(), `${mirrorUrl}/nothing-here`)).rejects.toThrow(
      /^kubeconfig exec plugin: the aws command is not on PATH, and installing the AWS CLI [\d.]+ failed: GET .* answered HTTP 404\nInstall the AWS CLI v2 in an earlier step/
    );
  });
});
