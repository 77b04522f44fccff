// The chart's pods run the real image the way the kubelet would start them: the app with
// the rendered user, read-only root, dropped capabilities, no privilege escalation, its
// args and the ConfigMap laid out as the kubelet mounts it; then the helm test hook's
// container in the app's network namespace. One engine for the file.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ensureBaseImage } from '../harness/rigs/base-image.js';
import { startEngine, type EngineRig } from '../harness/rigs/engine.js';
import { REPO_ROOT } from '../harness/runner.js';
import { fetchInContainer } from '../image/container.js';
import { byKind, only, render, type Manifest } from './chart.js';
import { bytes, cpus, dockerRunArgs } from './docker-run.js';

describe('dockerRunArgs', () => {
  const pod = {
    securityContext: { runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 },
    containers: [
      {
        name: 'app',
        image: 'ignored',
        command: ['python3', '-c', 'print(1)'],
        args: ['--x'],
        env: [
          { name: 'A', value: 'a' },
          { name: 'B', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }
        ],
        resources: { requests: { cpu: '10m' }, limits: { cpu: '250m', memory: '128Mi' } },
        securityContext: {
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] }
        },
        volumeMounts: [
          { name: 'page', mountPath: '/srv/www', readOnly: true },
          { name: 'tmp', mountPath: '/tmp' }
        ]
      }
    ],
    volumes: [
      { name: 'page', configMap: { name: 'cm' } },
      { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } }
    ]
  };

  test('translates user, hardening, mounts, env, command and args', () => {
    expect(dockerRunArgs(pod, 'app', 'img', { page: '/h' }, { cm: { k: 'v' } })).toEqual([
      ...['--user', '10001:10001', '--group-add', '10001', '--read-only'],
      ...['--security-opt', 'no-new-privileges', '--cap-drop', 'ALL'],
      ...['--memory', '134217728', '--cpus', '0.25'],
      ...['--volume', '/h:/srv/www:ro', '--tmpfs', '/tmp:rw,nosuid,nodev,size=16777216'],
      ...['--env', 'A=a', '--env', 'B=v', '--entrypoint', 'python3'],
      ...['img', '-c', 'print(1)', '--x']
    ]);
  });

  test('refuses a container field it does not translate', () => {
    const withProbe = structuredClone(pod);
    Object.assign(withProbe.containers[0], { startupProbe: {} });
    expect(() =>
      dockerRunArgs(withProbe, 'app', 'img', { page: '/h' }, { cm: { k: 'v' } })
    ).toThrow('not translated to docker: startupProbe');
  });

  test.each([
    ['16Mi', 16 * 1024 * 1024],
    ['1Gi', 1024 ** 3],
    ['512Ki', 512 * 1024]
  ])('%s is %i bytes', (quantity, want) => expect(bytes(quantity)).toBe(want));

  test.each<[string | number, string]>([
    ['250m', '0.25'],
    ['1500m', '1.5'],
    [2, '2']
  ])('CPU %s is --cpus %s', (quantity, want) => expect(cpus(quantity)).toBe(want));
});

describe('the rendered pods on a real engine', () => {
  let engine: EngineRig | undefined;
  let app: string | undefined;
  let manifests: Manifest[];
  let configMapData: Record<string, string>;
  const pageDir = mkdtempSync(path.join(os.tmpdir(), 'chart-configmap-'));
  const image = 'chart-test/python-app:local';

  const rig = (): { engine: EngineRig; app: string } => {
    if (!engine || !app)
      throw new Error('the engine or the app container did not start; see beforeAll');
    return { engine, app };
  };

  beforeAll(async () => {
    manifests = await render('v4.1.4');
    configMapData = only(manifests, 'ConfigMap').data ?? {};
    // The kubelet's atomic writer layout: index.html -> ..data/index.html -> a timestamped dir.
    chmodSync(pageDir, 0o755);
    mkdirSync(path.join(pageDir, '..2026_01_01_00_00_00.1'), { mode: 0o755 });
    writeFileSync(
      path.join(pageDir, '..2026_01_01_00_00_00.1', 'index.html'),
      configMapData['index.html'],
      {
        mode: 0o644
      }
    );
    symlinkSync('..2026_01_01_00_00_00.1', path.join(pageDir, '..data'));
    symlinkSync('..data/index.html', path.join(pageDir, 'index.html'));

    engine = await startEngine();
    await ensureBaseImage(engine);
    await engine.docker(['build', '--tag', image, path.join(REPO_ROOT, 'image')]);
    const deployment = only(manifests, 'Deployment');
    const configMaps = { [only(manifests, 'ConfigMap').metadata.name]: configMapData };
    const run = dockerRunArgs(
      deployment.spec.template.spec,
      'python-app',
      image,
      { page: pageDir },
      configMaps
    );
    app = (await engine.docker(['run', '--detach', '--network', 'none', ...run])).stdout.trim();
  }, 600_000);

  afterAll(async () => {
    if (app) await engine?.docker(['rm', '--force', app]).catch(() => undefined);
    await engine?.stop();
    rmSync(pageDir, { recursive: true, force: true });
  });

  test('the app serves the ConfigMap page and nothing of the image', async () => {
    const { engine, app } = rig();
    const [root, python, passwd] = await fetchInContainer(engine, app, [
      '/',
      '/python3',
      '/etc/passwd'
    ]);
    expect(root).toEqual({ status: 200, body: configMapData['index.html'] });
    expect(python.status).toBe(404);
    expect(passwd.status).toBe(404);
  });

  test('the app runs as 10001 with nothing writable but /tmp', async () => {
    const { engine, app } = rig();
    const probe = [
      'import os',
      'print(os.getuid(), os.getgid())',
      'for d in ("/", "/srv/www", "/tmp"): print(d, os.access(d, os.W_OK))'
    ].join('\n');
    const { stdout } = await engine.docker(['exec', app, 'python3', '-c', probe]);
    expect(stdout.trim().split('\n')).toEqual([
      '10001 10001',
      '/ False',
      '/srv/www False',
      '/tmp True'
    ]);
  });

  /** Runs the helm test hook's container next to the app, with some variables replaced. */
  const runHook = async (env: Record<string, string>) => {
    const { engine, app } = rig();
    const [testPod] = byKind(manifests, 'Pod');
    const configMaps = { [only(manifests, 'ConfigMap').metadata.name]: configMapData };
    const run = dockerRunArgs(testPod.spec, 'page-check', image, {}, configMaps).map((arg) => {
      const name = arg.slice(0, arg.indexOf('='));
      return name in env ? `${name}=${env[name]}` : arg;
    });
    const hook = (
      await engine.docker(['run', '--detach', '--network', `container:${app}`, ...run])
    ).stdout.trim();
    try {
      const code = Number((await engine.docker(['wait', hook])).stdout.trim());
      const logs = await engine.docker(['logs', hook]);
      return { code, stdout: logs.stdout, stderr: logs.stderr };
    } finally {
      await engine.docker(['rm', '--force', hook]);
    }
  };
  // No cluster DNS here: the Service's URL becomes the app's own loopback.
  const LOCAL = 'http://127.0.0.1:8000/';

  test('the helm test hook passes against it', async () => {
    const hook = await runHook({ PAGE_URL: LOCAL });
    expect(hook.stdout).toContain(`OK: ${LOCAL} serves the chart's page`);
    expect(hook.stderr).toBe('');
    expect(hook.code).toBe(0);
  });

  test('the helm test hook fails when the served page is not the ConfigMap one', async () => {
    const hook = await runHook({ PAGE_URL: LOCAL, EXPECTED_PAGE: 'an older page' });
    expect(hook.stderr).toContain(`FAIL: ${LOCAL} served`);
    expect(hook.code).toBe(1);
  });

  test('the helm test hook fails at once on an HTTP error', async () => {
    const hook = await runHook({ PAGE_URL: `${LOCAL}missing.html` });
    expect(hook.stderr).toContain(`FAIL: ${LOCAL}missing.html answered 404`);
    expect(hook.stdout).toBe(''); // no retry
    expect(hook.code).toBe(1);
  });
});
