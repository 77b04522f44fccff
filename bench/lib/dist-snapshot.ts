// The bundles under test, copied once when the bench starts: other engineers rebuild dist/
// while a bench runs, and every run of one bench must measure the same bundles.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../../test/harness/runner.js';

export const BUNDLE_FILES = ['deploy-chart', 'build-push-image'].flatMap((action) =>
  ['index.js', 'post.js'].map((entry) => path.join(action, entry))
);

const DIST = path.join(REPO_ROOT, 'dist');

function sizes(): number[] | undefined {
  const files = BUNDLE_FILES.map((file) => path.join(DIST, file));
  return files.every((file) => existsSync(file))
    ? files.map((file) => statSync(file).size)
    : undefined;
}

/** Waits (up to a minute) until every bundle exists and has stopped changing, then copies dist/. */
export async function snapshotDist(into: string): Promise<{ dir: string; source: string }> {
  for (let tries = 0; ; tries++) {
    const before = sizes();
    await sleep(1000);
    const after = sizes();
    if (before && after && before.join() === after.join()) break;
    if (tries === 60) {
      throw new Error(
        `dist/ is missing ${BUNDLE_FILES.join(', ')} or keeps changing: run npm run build`
      );
    }
  }
  await rm(into, { recursive: true, force: true });
  await cp(DIST, into, { recursive: true });
  const git = (args: string[]) =>
    execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  const dirty = git(['status', '--porcelain', '--', 'dist']) !== '';
  return {
    dir: into,
    source: `dist/ at ${git(['rev-parse', '--short', 'HEAD'])}${dirty ? ' with uncommitted changes' : ''}`
  };
}
