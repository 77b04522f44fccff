import { ActionError } from '../../shared/src/errors.js';
import type { ProcessRunner, RunResult } from '../../shared/src/exec.js';
import type { EngineKind } from './build-args.js';

export interface Engine {
  kind: EngineKind;
  /** The executable to run: docker, podman or buildah. */
  bin: string;
  /** Why docker was passed over, for the log; only on a fallback. */
  fallback?: string;
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
  // Both probes at once: each docker CLI start costs ~0.1 s and the buildx answer is usually needed.
  const [docker, buildx] = await Promise.all([
    probe(runner, 'docker', ['version', '--format', '{{.Server.Version}}']),
    probe(runner, 'docker', ['buildx', 'version'])
  ]);
  if (docker.exitCode === 0) {
    return { kind: buildx.exitCode === 0 ? 'buildx' : 'docker', bin: 'docker' };
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
