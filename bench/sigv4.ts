// Our SigV4 signer against the AWS SDK's (@smithy/signature-v4): the same one-request entry
// (sign an STS GetCallerIdentity POST, print the Authorization header, at a fixed time so both must print the same; ours is
// bench/sigv4-entry.ts, the SDK's is written below) bundled with
// ncc like the actions, then bundle size and cold start (`node bundle.js`, interleaved rounds).
// The SDK packages are installed with npm into a temp dir, never into the project.
//   npx tsx bench/sigv4.ts [--rounds 40]
// The figures are recorded in actions/shared/src/aws/sigv4.ts's header comment.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median } from './lib/stats.js';

const SMITHY = ['@smithy/signature-v4@5.7.5', '@smithy/hash-node@4', '@smithy/protocol-http@5'];
const REQUEST = `{ method: 'POST', url: 'https://sts.eu-west-1.amazonaws.com/',
  headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
  body: 'Action=GetCallerIdentity&Version=2011-06-15' }`;
const CREDENTIALS = `{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }`;

const SDK = `import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
const r = ${REQUEST};
const u = new URL(r.url);
const signer = new SignatureV4({ credentials: ${CREDENTIALS}, region: 'eu-west-1', service: 'sts', sha256: Hash.bind(null, 'sha256'), applyChecksum: false });
const signed = await signer.sign(new HttpRequest({ method: r.method, protocol: u.protocol, hostname: u.hostname, path: u.pathname, headers: { ...r.headers, host: u.host }, body: r.body }), { signingDate: new Date('2015-08-30T12:36:00Z') });
console.log(signed.headers.authorization);
`;

function bundle(dir: string, entry: string): string {
  const out = path.join(dir, 'out-' + path.basename(entry, path.extname(entry)));
  execFileSync(
    process.execPath,
    [
      path.resolve('node_modules/@vercel/ncc/dist/ncc/cli.js'),
      'build',
      entry,
      '-o',
      out,
      '--quiet',
      '--target',
      'es2022'
    ],
    { stdio: 'inherit' }
  );
  // ncc writes index.js (plus a package.json saying "type": "module") or index.mjs.
  const file = readdirSync(out).find((name) => /^index\.m?js$/.test(name));
  if (!file) throw new Error(`ncc wrote no bundle for ${entry}`);
  return path.join(out, file);
}

function coldStartMs(args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')}: ${result.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 40;
const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-sigv4-'));
try {
  execFileSync('npm', ['install', '--no-save', '--silent', '--prefix', dir, ...SMITHY], {
    stdio: 'inherit'
  });
  writeFileSync(path.join(dir, 'sdk.mjs'), SDK);
  const bundles = {
    ours: bundle(dir, path.resolve('bench/sigv4-entry.ts')),
    smithy: bundle(dir, path.join(dir, 'sdk.mjs'))
  };
  const authorizations = Object.values(bundles).map((file) =>
    execFileSync(process.execPath, [file], { encoding: 'utf8' })
  );
  if (authorizations[0] !== authorizations[1]) {
    throw new Error(`the signers disagree:\n${authorizations.join('')}`);
  }
  const samples: Record<string, number[]> = { 'node -e ""': [], ours: [], smithy: [] };
  for (let i = 0; i < rounds; i++) {
    samples['node -e ""'].push(coldStartMs(['-e', '']));
    samples.ours.push(coldStartMs([bundles.ours]));
    samples.smithy.push(coldStartMs([bundles.smithy]));
  }
  console.log(`| signer | bundle | cold start, median of ${rounds} |`);
  console.log('| --- | --- | --- |');
  for (const [name, times] of Object.entries(samples)) {
    const file = bundles[name as keyof typeof bundles];
    const size = file ? `${(statSync(file).size / 1000).toFixed(1)} kB` : '';
    console.log(`| ${name} | ${size} | ${median(times).toFixed(1)} ms |`);
  }
  console.log(`node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0]}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
