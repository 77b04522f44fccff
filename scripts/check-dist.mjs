// Fails when a committed bundle differs from a fresh build of the sources: the actions
// run dist/, so a stale bundle ships code nobody reviewed. Usage: check-dist.mjs [distDir]
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ACTIONS, buildAll } from './build-dist.mjs';

const committed = process.argv[2] ?? 'dist';
const fresh = mkdtempSync(path.join(os.tmpdir(), 'dist-fresh-'));
try {
  buildAll(fresh);
  const stale = [];
  for (const action of ACTIONS) {
    const names = new Set([
      ...readdirSync(path.join(fresh, action)),
      ...(existsSync(path.join(committed, action)) ? readdirSync(path.join(committed, action)) : [])
    ]);
    for (const name of names) {
      const a = path.join(fresh, action, name);
      const b = path.join(committed, action, name);
      if (!existsSync(a) || !existsSync(b) || !readFileSync(a).equals(readFileSync(b))) {
        stale.push(path.join(action, name));
      }
    }
  }
  if (stale.length > 0) {
    console.error(
      `::error::dist is stale: ${stale.join(', ')} differ from a fresh build. Run \`npm run build\` and commit dist/.`
    );
    process.exitCode = 1;
  } else {
    console.log('dist is up to date');
  }
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
