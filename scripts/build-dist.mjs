// Bundles each action entry (src/index.ts, src/post.ts) with ncc into dist/<action>/.
// One place lists the entries so `npm run build` and the freshness check agree. ncc type-checks
// with actions/tsconfig.json, which covers only the actions' sources, so an unfinished test
// elsewhere never blocks a bundle.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ACTIONS = ['build-push-image', 'deploy-chart'];
export const ENTRIES = ['index', 'post'];

export function buildAll(outRoot) {
  for (const action of ACTIONS) {
    // Build every entry first and replace dist/<action> only when all succeeded: a failed
    // build must never leave a half-deleted bundle that someone then commits.
    const built = mkdtempSync(path.join(os.tmpdir(), `dist-${action}-`));
    try {
      for (const entry of ENTRIES) {
        const source = path.join('actions', action, 'src', `${entry}.ts`);
        if (existsSync(source)) bundle(source, built, entry);
      }
      const outDir = path.join(outRoot, action);
      rmSync(outDir, { recursive: true, force: true });
      mkdirSync(outDir, { recursive: true });
      for (const file of readdirSync(built))
        cpSync(path.join(built, file), path.join(outDir, file));
    } finally {
      rmSync(built, { recursive: true, force: true });
    }
  }
}

/** ncc names every bundle index.js; keep only the bundle (and its package.json), renamed after its entry. */
function bundle(source, outDir, entry) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'ncc-'));
  try {
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
    renameSync(path.join(scratch, 'index.js'), path.join(outDir, `${entry}.js`));
    if (existsSync(path.join(scratch, 'package.json'))) {
      renameSync(path.join(scratch, 'package.json'), path.join(outDir, 'package.json'));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildAll(process.argv[2] ?? 'dist');
}
