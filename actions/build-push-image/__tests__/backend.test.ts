import { expect, test } from '@jest/globals';
import type { RunResult } from '../../shared/src/exec.js';
import { builderDriver, detectEngine, dockerProblem } from '../src/backend.js';
import { scriptedRunner } from './fakes.js';

const up: Partial<RunResult> = { stdout: '20.10.24' };
const down = (stderr: string): Partial<RunResult> => ({ exitCode: 1, stderr });
const missing = new Error('Unable to locate executable file');

test.each<[string, Array<Partial<RunResult> | Error>, string, string | undefined]>([
  ['docker with buildx', [up, { stdout: 'Name: default\nDriver: docker\n' }], 'buildx', undefined],
  [
    'docker without buildx',
    [up, down("docker: 'buildx' is not a docker command")],
    'docker',
    undefined
  ],
  [
    'podman when docker is not running',
    [down('Cannot connect to the Docker daemon'), up, up],
    'podman',
    'using podman: docker did not answer (Cannot connect to the Docker daemon)'
  ],
  [
    'buildah when docker and podman are absent',
    [missing, missing, missing, up],
    'buildah',
    'using buildah: docker did not answer (not installed)'
  ]
])('%s', async (_, results, kind, fallback) => {
  const runner = scriptedRunner(results);
  await expect(detectEngine(runner)).resolves.toEqual({
    kind,
    bin: kind === 'buildx' ? 'docker' : kind,
    ...(fallback ? { fallback } : {}),
    ...(kind === 'buildx' ? { driver: 'docker' } : {})
  });
  expect(runner.calls.every((c) => c.options?.silent)).toBe(true);
});

test.each<[string, RunResult, string]>([
  [
    'the daemon is down: its last line',
    {
      exitCode: 1,
      stdout: '',
      stderr: 'Client: 20.10\nCannot connect to the Docker daemon at x\n'
    },
    'Cannot connect to the Docker daemon at x'
  ],
  [
    'not on PATH: no paragraph from @actions/exec',
    {
      exitCode: 127,
      stdout: '',
      stderr: 'Unable to locate executable file: docker. Please verify'
    },
    'not installed'
  ],
  ['silent failure: the exit code', { exitCode: 2, stdout: '', stderr: '' }, 'exit code 2']
])('dockerProblem: %s', (_, probe, want) => expect(dockerProblem(probe)).toBe(want));

test('no engine at all says what docker answered and what to do', async () => {
  const runner = scriptedRunner([
    down('noise\nCannot connect to the Docker daemon at unix:///x'),
    up,
    missing,
    missing
  ]);
  await expect(detectEngine(runner)).rejects.toThrow(
    /^no container engine: docker did not answer \(Cannot connect to the Docker daemon at unix:\/\/\/x\).*\n.*install podman/
  );
});

test('docker and its buildx plugin are probed at once, not one after the other', async () => {
  let running = 0;
  let overlapped = false;
  const runner = {
    async run(command: string, args: string[]): Promise<RunResult> {
      running++;
      overlapped ||= running > 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      running--;
      return { exitCode: 0, stdout: `${command} ${args[0]}`, stderr: '' };
    }
  };
  await expect(detectEngine(runner)).resolves.toEqual({ kind: 'buildx', bin: 'docker' });
  expect(overlapped).toBe(true);
});

test.each([
  ['Name:          default\nDriver:        docker\nLast Activity: x\n', 'docker'],
  ['Name: rig\nDriver: remote\nNodes:\nName: rig0\n', 'remote'],
  ['Name: ci\nDriver: docker-container\n', 'docker-container'],
  ['nothing useful', undefined]
])('builderDriver reads the driver line of buildx inspect', (text, want) =>
  expect(builderDriver(text)).toBe(want)
);
