// A HelmCli that records its calls and answers `history` from a scripted list.
import type { RunOptions, RunResult } from '../../../shared/src/exec.js';
import type { HelmCli } from '../../src/helm-cli.js';
import type { HelmRevision } from '../../src/cluster/release-plan.js';

export class FakeHelm implements HelmCli {
  readonly path = '/fake/helm';
  readonly major = 4 as const;
  readonly env: Record<string, string> = {};
  readonly calls: string[][] = [];
  /** undefined: the release does not exist. */
  history?: HelmRevision[];
  /** Exit code for anything but history. */
  exitCode = 0;

  async run(args: string[], _options?: RunOptions): Promise<RunResult> {
    this.calls.push(args);
    if (args[0] === 'history') {
      return this.history
        ? { exitCode: 0, stdout: JSON.stringify(this.history), stderr: '' }
        : { exitCode: 1, stdout: '', stderr: 'Error: release: not found\n' };
    }
    return { exitCode: this.exitCode, stdout: '', stderr: this.exitCode ? 'Error: boom\n' : '' };
  }
}
