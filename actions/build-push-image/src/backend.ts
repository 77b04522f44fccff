import { ActionError } from '../../shared/src/errors.js';
import type { ProcessRunner, RunResult } from '../../shared/src/exec.js';
import type { EngineKind } from './build-args.js';

export interface Engine {
  kind: EngineKind;
  /** The executable to run: docker, podman or buildah. */
  bin: string;
  /** Why docker was passed over, for the log; only on a fallback. */
  fallback?: string;
  /** The current buildx builder's driver: docker, docker-container, remote …; buildx only. */
  driver?: string;
}

/** `Driver: docker-container` from `docker buildx inspect`. */
export function builderDriver(inspect: string): string | undefined {
  return /^Driver:\s*(\S+)/m.exec(inspect)?.[1];
}

async function probe(runner: ProcessRunner, bin: string, args: string[]): Promise<RunResult> {
  try {
    return await runner.run(bin, args, { silent: true });
  } catch (error) {
    // @actions/exec throws when the executable is not on PATH.
    return { exitCode: 127, stdout: '', stderr: error instanceof Error ? error.message : '' };
  }
}

/** What was wrong with docker, in a few words: its last error line, or that it is missing. */
export function dockerProblem(probe: RunResult): string {
  // @actions/exec's "Unable to locate executable file: docker. Please verify ..." is a paragraph.
  if (probe.exitCode === 127) return 'not installed';
  return probe.stderr.trim().split('\n').pop() || `exit code ${probe.exitCode}`;
}

/**
 * docker when its daemon answers (with buildx if the plugin is there), else podman, else
 * buildah: GitHub's runners have docker; self-hosted and rootless machines may not.
 */
export async function detectEngine(runner: ProcessRunner): Promise<Engine> {
  // Both probes at once: each docker CLI start costs ~0.1 s and the buildx answer is usually
  // needed. `buildx inspect` says both whether buildx is there and which driver its builder has.
  const [docker, buildx] = await Promise.all([
    probe(runner, 'docker', ['version', '--format', '{{.Server.Version}}']),
    probe(runner, 'docker', ['buildx', 'inspect'])
  ]);
  if (docker.exitCode === 0) {
    if (buildx.exitCode !== 0) return { kind: 'docker', bin: 'docker' };
    const driver = builderDriver(buildx.stdout);
    return { kind: 'buildx', bin: 'docker', ...(driver ? { driver } : {}) };
  }
  const problem = dockerProblem(docker);
  for (const bin of ['podman', 'buildah'] as const) {
    if ((await probe(runner, bin, ['version'])).exitCode === 0) {
      return { kind: bin, bin, fallback: `using ${bin}: docker did not answer (${problem})` };
    }
  }
  throw new ActionError(
    `no container engine: docker did not answer (${problem}) and neither podman nor buildah is installed`,
    'Run on a runner with docker (ubuntu-latest has it), start the docker daemon, or install podman.'
  );
}
