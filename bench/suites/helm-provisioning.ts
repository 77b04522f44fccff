// 3. Helm provisioning, cold (mirror download + sha256 + extract into an empty tool cache)
//    and warm (tool-cache hit), timed inside one child process around installHelm.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HelmMirror } from '../../test/harness/rigs/helm-mirror.js';
import { REPO_ROOT } from '../../test/harness/runner.js';
import type { Collector } from '../lib/collector.js';
import { timedCommand } from '../lib/timed-run.js';

/** Marks the child's one line of JSON among installHelm's own log lines. */
export const RESULT_PREFIX = 'provision-helm-result ';
const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'provision-helm-child.ts');
const VERSION = 'v4.1.4';
const GROUP = '3. helm provisioning';

export async function helmProvisioning(
  mirror: HelmMirror,
  c: Collector,
  rounds: number
): Promise<void> {
  const result = await timedCommand(
    process.execPath,
    ['--import', 'tsx', CHILD, VERSION, mirror.url, String(rounds)],
    { cwd: REPO_ROOT }
  );
  const line = result.lines.find((l) => l.text.startsWith(RESULT_PREFIX));
  if (!result.ok || !line) throw new Error(`helm provisioning bench failed:\n${result.tail}`);
  const samples = JSON.parse(line.text.slice(RESULT_PREFIX.length)) as Record<
    'cold' | 'warm',
    number[]
  >;
  for (const ms of samples.cold) {
    c.add(
      'helm-cold',
      GROUP,
      `installHelm ${VERSION}, empty tool cache (download + sha256 + extract)`,
      ms
    );
  }
  for (const ms of samples.warm) {
    c.add('helm-warm', GROUP, `installHelm ${VERSION}, tool-cache hit`, ms);
  }
}
