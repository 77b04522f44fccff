import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { mountsUnder } from './daemon.js';
import { dockerdArgs, startEngine } from './engine.js';

describe('dockerdArgs', () => {
  const args = dockerdArgs(
    {
      socket: '/tmp/e/docker.sock',
      dataRoot: '/cache/data',
      execRoot: '/tmp/e/exec',
      pidFile: '/tmp/e/docker.pid',
      configFile: '/tmp/e/daemon.json'
    },
    'vfs'
  );
  test.each([
    ['its own socket', '--host=unix:///tmp/e/docker.sock'],
    ['its own data root', '--data-root=/cache/data'],
    ['its own exec root', '--exec-root=/tmp/e/exec'],
    ['its own pidfile', '--pidfile=/tmp/e/docker.pid'],
    ['its own config, not /etc/docker/daemon.json', '--config-file=/tmp/e/daemon.json'],
    ['the storage driver asked for', '--storage-driver=vfs'],
    ['no iptables', '--iptables=false'],
    ['no ip6tables', '--ip6tables=false'],
    ['no bridge', '--bridge=none']
  ])('has %s', (_what, flag) => expect(args).toContain(flag));
});

describe('mountsUnder', () => {
  const procMounts = [
    '/dev/vda / ext4 rw 0 0',
    'overlay /tmp/engine-rig-a/data/overlay2/x/merged overlay rw 0 0',
    'shm /tmp/engine-rig-a/data/containers/y/mounts/shm tmpfs rw 0 0',
    'overlay /tmp/engine-rig-ab/data/overlay2/z/merged overlay rw 0 0',
    'tmpfs /tmp/engine-rig-a/with\\040space tmpfs rw 0 0'
  ].join('\n');
  test.each([
    [
      '/tmp/engine-rig-a',
      [
        '/tmp/engine-rig-a/data/containers/y/mounts/shm',
        '/tmp/engine-rig-a/data/overlay2/x/merged',
        '/tmp/engine-rig-a/with space'
      ]
    ],
    ['/tmp/engine-rig-ab', ['/tmp/engine-rig-ab/data/overlay2/z/merged']],
    ['/srv', []]
  ])('under %s', (dir, want) => expect(mountsUnder(procMounts, dir)).toEqual(want));
});

/** PIDs whose command line mentions `text` (the engine's socket names only its processes). */
async function processesMentioning(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) pids.push(Number(entry));
  }
  return pids;
}

describe('the real engine', () => {
  test('falls back to the next storage driver, builds with BuildKit, and leaves nothing behind', async () => {
    const dataRoot = await mkdtemp(path.join(os.tmpdir(), 'engine-test-data-'));
    const engine = await startEngine({ dataRoot, storageDrivers: ['no-such-driver', 'overlay2'] });
    const socket = engine.host.replace(/^unix:\/\//, '');
    try {
      expect(engine.storageDriver).toBe('overlay2');
      expect(engine.dockerBin).toBe('/usr/bin/docker');
      expect(engine.env.DOCKER_HOST).toBe(engine.host);

      // A second engine on the same data root would corrupt it.
      await expect(startEngine({ dataRoot })).rejects.toThrow(/is in use by process/);

      const context = await mkdtemp(path.join(os.tmpdir(), 'engine-test-context-'));
      await writeFile(path.join(context, 'Dockerfile'), 'FROM scratch\nCOPY hello /hello\n');
      await writeFile(path.join(context, 'hello'), 'hello\n');
      const build = await engine.docker(['build', '-t', 'rig-check:1', context]);
      await rm(context, { recursive: true, force: true });
      // BuildKit's progress output, not the legacy builder's "Successfully built".
      expect(build.stderr).toContain('naming to docker.io/library/rig-check:1');

      const cliOnPath = execFileSync('sh', ['-c', 'readlink -f "$(command -v docker)"'], {
        env: { ...process.env, ...engine.env },
        encoding: 'utf8'
      });
      expect(cliOnPath.trim()).toBe('/usr/bin/docker');
      expect(await processesMentioning(socket)).not.toEqual([]);
    } finally {
      await engine.stop();
    }
    expect(await processesMentioning(socket)).toEqual([]);
    expect(existsSync(path.dirname(socket))).toBe(false);
    expect(existsSync(path.join(dataRoot, '.engine-rig.lock'))).toBe(false);
    await rm(dataRoot, { recursive: true, force: true });
  });
});
