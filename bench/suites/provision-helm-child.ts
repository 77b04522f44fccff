// Runs in its own process (started by helm-provisioning.ts): times the deploy action's own
// installHelm with an empty tool cache (download from the mirror, sha256, extract, cache)
// and with a filled one (tool-cache hit). The process's start-up is outside the timings.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { installHelm } from '../../actions/deploy-chart/src/helm-install.js';
import { interleave } from '../lib/schedule.js';
import { RESULT_PREFIX } from './helm-provisioning.js';

const [version, mirror, rounds] = process.argv.slice(2);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-provision-'));
const warmCache = path.join(scratch, 'warm-cache');
const samples: Record<'cold' | 'warm', number[]> = { cold: [], warm: [] };
try {
  process.env.RUNNER_TEMP = path.join(scratch, 'temp');
  let coldCount = 0;
  for (const { variant, round } of interleave(['cold', 'warm'] as const, Number(rounds), {
    warmup: true
  })) {
    const cache = variant === 'cold' ? path.join(scratch, `cold-cache-${++coldCount}`) : warmCache;
    process.env.RUNNER_TOOL_CACHE = cache;
    const started = performance.now();
    await installHelm(version, mirror);
    const ms = performance.now() - started;
    if (variant === 'cold') rmSync(cache, { recursive: true, force: true });
    if (round >= 0) samples[variant].push(ms);
  }
  console.log(RESULT_PREFIX + JSON.stringify(samples));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
