// Bundles each action entry (src/index.ts, src/post.ts) with ncc into dist/<action>/.
// One place lists the entries so `npm run build` and the freshness check agree.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ACTIONS = ['build-push-image', 'deploy-chart'];
export const ENTRIES = ['index', 'post'];

export function buildAll(outRoot) {
  for (const action of ACTIONS) {
    const outDir = path.join(outRoot, action);
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    for (const entry of ENTRIES) {
      const source = path.join('actions', action, 'src', `${entry}.ts`);
      if (!existsSync(source)) continue;
      const scratch = mkdtempSync(path.join(os.tmpdir(), 'ncc-'));
      execFileSync(
        process.execPath,
        [
          'node_modules/@vercel/ncc/dist/ncc/cli.js',
          'build',
          source,
          '-o',
          scratch,
          '--quiet',
          '--target',
          'es2022'
        ],
        { stdio: 'inherit' }
      );
      // ncc names every bundle index.js; keep only the bundle, renamed after its entry.
      renameSync(path.join(scratch, 'index.js'), path.join(outDir, `${entry}.js`));
      for (const extra of readdirSync(scratch)) {
        if (extra === 'package.json')
          renameSync(path.join(scratch, extra), path.join(outDir, extra));
      }
      rmSync(scratch, { recursive: true, force: true });
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildAll(process.argv[2] ?? 'dist');
}
