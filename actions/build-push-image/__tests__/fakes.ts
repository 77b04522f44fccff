import path from 'node:path';
import type { RunOptions, RunResult, ProcessRunner } from '../../shared/src/exec.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../shared/src/http.js';
import type { Where } from '../../shared/src/workspace-path.js';

export type Reply = Partial<HttpResponse> | Error;

/** An HttpClient that answers from a script by URL pattern, in order, and records requests. */
export function scriptedHttp(
  script: Array<[RegExp, Reply]>
): HttpClient & { requests: HttpRequest[] } {
  const pending = [...script];
  const requests: HttpRequest[] = [];
  return {
    requests,
    async request(request) {
      requests.push(request);
      const index = pending.findIndex(([pattern]) =>
        pattern.test(`${request.method} ${request.url}`)
      );
      if (index === -1) throw new Error(`unexpected request ${request.method} ${request.url}`);
      const [[, reply]] = pending.splice(index, 1);
      if (reply instanceof Error) throw reply;
      return { status: 200, headers: {}, body: '', ...reply };
    }
  };
}

export interface Call {
  command: string;
  args: string[];
  options?: RunOptions;
}

/** A ProcessRunner that answers each call from a list of results and records the calls. */
export function scriptedRunner(
  results: Array<Partial<RunResult> | Error>
): ProcessRunner & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    async run(command, args, options) {
      calls.push({ command, args, options });
      const next = results.shift();
      if (next === undefined) throw new Error(`unexpected call ${command} ${args.join(' ')}`);
      if (next instanceof Error) throw next;
      return { exitCode: 0, stdout: '', stderr: '', ...next };
    }
  };
}

export const noSleep = async (): Promise<void> => {};

/** A workspace at /ws where every path exists as written (no symlinks): for inputs tests. */
export const flatWorkspace: Where = {
  roots: { workspace: '/ws', runnerTemp: '/runner/temp' },
  fs: { realpath: (file) => path.resolve(file) }
};
