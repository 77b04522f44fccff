// dockerd in the rig's own network namespace: RUN steps have a network (loopback and the
// namespace's bridge) that has no route off the machine, and pushes reach the token
// registry through the forwarded loopback ports only.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ensureBaseImage } from './base-image.js';
import { startEngine, type EngineRig } from './engine.js';
import {
  deadNamespaces,
  loopbackPort,
  startLoopbackNamespace,
  type LoopbackNamespace
} from './netns.js';
import { startRegistry, type RegistryRig } from './registry.js';

describe('loopbackPort and deadNamespaces', () => {
  test.each([
    ['127.0.0.1:5000', 5000],
    ['http://127.0.0.1:4321/token', 4321]
  ])('%s → %d', (endpoint, port) => expect(loopbackPort(endpoint)).toBe(port));
  test.each(['10.0.0.1:5000', 'ghcr.io', 'http://localhost:80/'])('%s is refused', (endpoint) =>
    expect(() => loopbackPort(endpoint)).toThrow(/only 127\.0\.0\.1:PORT/)
  );
  test('only rig namespaces whose process is gone', () => {
    const list = 'builder-rig-11-aa (id: 3)\nbuilder-rig-22-bb\nother-ns\n';
    expect(deadNamespaces(list, (pid) => pid === 22)).toEqual(['builder-rig-11-aa']);
  });
});

describe('an engine in the rig namespace', () => {
  let registry: RegistryRig | undefined;
  let namespace: LoopbackNamespace | undefined;
  let engine: EngineRig | undefined;
  let context: string;

  beforeAll(async () => {
    registry = await startRegistry();
    namespace = await startLoopbackNamespace({ reach: registry.endpoints });
    engine = await startEngine({ namespace });
    await ensureBaseImage(engine);
    context = await mkdtemp(path.join(os.tmpdir(), 'netns-test-'));
  }, 600_000);
  afterAll(async () => {
    await engine?.stop();
    await namespace?.stop();
    await registry?.stop();
    if (context) await rm(context, { recursive: true, force: true });
  });

  test('the namespace has loopback and the bridge, and no route off the machine', () => {
    const links = execFileSync('ip', ['-n', namespace!.name, '-o', 'link'], { encoding: 'utf8' });
    const names = links
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(': ')[1].split('@')[0]);
    expect(names.filter((n) => !n.startsWith('veth'))).toEqual(['lo', 'docker0']);
    const routes = execFileSync('ip', ['-n', namespace!.name, 'route'], { encoding: 'utf8' });
    expect(routes).not.toMatch(/default/);
    expect(routes.trim().split('\n')).toEqual([expect.stringMatching(/ dev docker0 /)]);
  });

  test('a RUN step runs, with a network of its own, and the image pushes to the token registry', async () => {
    await writeFile(
      path.join(context, 'Dockerfile'),
      [
        'FROM python:3.11-slim',
        // A server and client on the step's own loopback: RUN has a working network.
        `RUN python3 -c "import socket; s=socket.create_server(('127.0.0.1',0)); c=socket.create_connection(s.getsockname()); c.send(b'ok'); print(s.accept()[0].recv(2).decode())" > /net-check`,
        ''
      ].join('\n')
    );
    const { engine: e, registry: r } = { engine: engine!, registry: registry! };
    const ref = `${r.host}/rig/netns:1`;
    await e.docker(['build', '--tag', ref, context]);
    const { stdout } = await e.docker([
      'run',
      '--rm',
      '--network',
      'none',
      ref,
      'cat',
      '/net-check'
    ]);
    expect(stdout.trim()).toBe('ok');
    await e.docker(['login', '--username', r.username, '--password-stdin', r.host], {
      input: r.password
    });
    await e.docker(['push', ref]);
    const head = await fetch(`${r.url}/v2/rig/netns/manifests/1`, {
      method: 'HEAD',
      headers: {
        accept: 'application/vnd.docker.distribution.manifest.v2+json',
        authorization: await r.authorization('repository:rig/netns:pull')
      }
    });
    expect(head.status).toBe(200);
    // dockerd asked the token server for push rights on the repository.
    expect(r.tokens!.issued).toContainEqual(
      expect.objectContaining({
        granted: [
          {
            type: 'repository',
            name: 'rig/netns',
            actions: expect.arrayContaining(['pull', 'push'])
          }
        ]
      })
    );
  });
});
