// Reaching a container's port 8000 without taking port 8000 on the machine.
//
// The ENTRYPOINT always binds 0.0.0.0:8000, so with `--network host` two runs (or another
// engineer's test, or anything else on the machine) fight over host port 8000. The tests
// therefore run the image with `--network none`: the container gets its own network
// namespace holding only a loopback interface, and the HTTP client (this Node binary) is
// started inside that namespace with nsenter. The request is real HTTP over the
// container's 127.0.0.1:8000, parallel runs cannot collide, and nothing leaves loopback.
import { execFile } from 'node:child_process';
import type { EngineRig } from '../harness/rigs/engine.js';

export interface HttpAnswer {
  status: number;
  body: string;
}

// One client process per call (starting Node costs more than the requests): it waits for
// the server to accept connections, then GETs each path in turn.
const FETCH_SCRIPT = `
const [base, paths, timeoutMs] = [process.argv[1], JSON.parse(process.argv[2]), Number(process.argv[3])];
const deadline = Date.now() + timeoutMs;
for (;;) {
  try { await fetch(base, { method: 'HEAD' }); break; } catch (error) {
    if (Date.now() > deadline) throw new Error('nothing answered on ' + base + ': ' + error.cause?.code);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const answers = [];
for (const path of paths) {
  const response = await fetch(base + path, { signal: AbortSignal.timeout(5000) });
  answers.push({ status: response.status, body: await response.text() });
}
process.stdout.write(JSON.stringify(answers));
`;

/**
 * GETs http://127.0.0.1:8000<path> for each path from inside the container's network
 * namespace, once the server accepts connections (python needs a moment to bind).
 */
export async function fetchInContainer(
  engine: EngineRig,
  container: string,
  paths: string[],
  timeoutMs = 15_000
): Promise<HttpAnswer[]> {
  const pid = (
    await engine.docker(['inspect', '--format', '{{.State.Pid}}', container])
  ).stdout.trim();
  const base = 'http://127.0.0.1:8000';
  const script = [
    '--input-type=module',
    '-e',
    FETCH_SCRIPT,
    base,
    JSON.stringify(paths),
    String(timeoutMs)
  ];
  return new Promise((resolve, reject) => {
    execFile(
      'nsenter',
      ['--target', pid, '--net', '--', process.execPath, ...script],
      (error, stdout, stderr) => {
        if (!error) return resolve(JSON.parse(stdout) as HttpAnswer[]);
        engine
          .docker(['logs', container])
          .catch(() => ({ stdout: '', stderr: '' }))
          .then((logs) => {
            const detail = stderr.trim().split('\n').slice(-3).join('\n') || error.message;
            reject(
              new Error(
                `GET ${paths.join(', ')} in container ${container}: ${detail}\ncontainer log:\n${logs.stdout}${logs.stderr}`
              )
            );
          });
      }
    );
  });
}
