// `npm start`: the whole delivery on this machine. Starts a real registry, a real Docker
// engine and a cluster (`--cluster emulator`, the default: the EKS emulator, up in well under
// a second; `--cluster real`: the real control plane, which a fresh machine first builds from
// Go modules), then runs dist/build-push-image and dist/deploy-chart (and their post steps)
// exactly as a GitHub runner would, with the cluster's base64 kubeconfig as the KUBECONFIG
// secret. `--keep` leaves the registry and cluster running.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  clusterKind,
  startDeployCluster,
  type ClusterKind,
  type DeployCluster
} from '../test/harness/clusters.js';
import { ensureBaseImage } from '../test/harness/rigs/base-image.js';
import { startEngine } from '../test/harness/rigs/engine.js';
import { startHelmMirror } from '../test/harness/rigs/helm-mirror.js';
import { helmPath } from '../test/harness/rigs/helm.js';
import { startRegistry, type RegistryRig } from '../test/harness/rigs/registry.js';
import { REPO_ROOT, type ActionRun } from '../test/harness/runner.js';
import { runStep } from '../test/harness/step.js';
import { localContext } from './lib/git-context.js';
import { keepNotes } from './lib/keep-notes.js';
import { withV1beta1Exec } from './lib/kubeconfig.js';
import { checkPrerequisites } from './lib/prerequisites.js';
import { runnerLog } from '../test/harness/runner-log.js';
import { renderMarkdown } from './lib/terminal-markdown.js';

const { values: flags } = parseArgs({
  options: {
    keep: { type: 'boolean', default: false },
    cluster: { type: 'string', default: 'emulator' }
  }
});
/** The Go tools of scripts/go-tools.tsv the real control plane runs. */
const REAL_CLUSTER_TOOLS = ['etcd', 'kubernetes', 'kwok'];
const STATE = path.join(REPO_ROOT, '.cache', 'pipeline');
const NAMESPACE = 'omer';
const color = process.stdout.isTTY;
const stops: Array<() => Promise<void>> = [];

function say(text: string): void {
  console.log(color ? `\x1b[36m==>\x1b[0m ${text}` : `==> ${text}`);
}

async function step<T>(title: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  say(`${title} …`);
  const result = await work();
  say(`${title}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

/** Runs a bundle's main and post steps, showing its log indented. */
async function runShown(
  action: string,
  inputs: Record<string, string>,
  env: Record<string, string>
): Promise<ActionRun> {
  const log = runnerLog({ debug: process.env.RUNNER_DEBUG === '1' });
  const show = (chunk: string) => log.write(chunk).forEach((line) => console.log(`    ${line}`));
  const { main } = await runStep(action, {
    inputs,
    env: { ...env, RUNNER_TOOL_CACHE: path.join(STATE, 'toolcache') },
    onOutput: show
  });
  log.flush().forEach((line) => console.log(`    ${line}`));
  if (main.summary.trim())
    console.log(`\n${renderMarkdown(main.summary, color).replace(/^/gm, '  │ ')}\n`);
  if (main.exitCode !== 0)
    throw new Error(`${action} failed: ${main.errors.join('; ') || `exit ${main.exitCode}`}`);
  return main;
}

async function stopAll(): Promise<void> {
  for (const stop of stops.reverse())
    await stop().catch((error) => console.error(`cleanup: ${error}`));
}

/**
 * Builds the real control plane's Go tools unless cached, with go-tools.sh's progress shown
 * (on a fresh machine this is most of the first run: test/README.md has the figures).
 */
function buildRealClusterTools(): void {
  const built = spawnSync(
    'bash',
    [path.join(REPO_ROOT, 'scripts', 'go-tools.sh'), ...REAL_CLUSTER_TOOLS],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, PATH: `${process.env.PATH}${path.delimiter}/usr/local/go/bin` }
    }
  );
  if (built.status !== 0)
    throw new Error('building the real control plane failed (go-tools.sh above)');
}

async function startPipelineCluster(
  kind: ClusterKind,
  registry: RegistryRig
): Promise<DeployCluster> {
  if (kind === 'real') buildRealClusterTools();
  return startDeployCluster(kind, {
    registry: { url: registry.url, username: registry.username, password: registry.password },
    namespaces: ['default', 'kube-system', NAMESPACE]
  });
}

async function keepRunning(
  cluster: DeployCluster,
  registry: RegistryRig,
  engineEnv: Record<string, string>
): Promise<void> {
  const kubeconfig = path.join(STATE, 'kubeconfig');
  writeFileSync(kubeconfig, withV1beta1Exec(cluster.kubeconfig), { mode: 0o600 });
  say('left running (Ctrl-C stops everything):');
  const notes = keepNotes({
    kubeconfig,
    namespace: NAMESPACE,
    release: 'python-application',
    helm: helmPath('v4.1.4'),
    registry,
    engineEnv
  });
  for (const line of notes) console.log(`    ${line}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

async function main(): Promise<void> {
  const kind = clusterKind(flags.cluster, '--cluster');
  checkPrerequisites();
  mkdirSync(STATE, { recursive: true });
  const context = localContext(REPO_ROOT);

  const registry = await step('registry', () =>
    startRegistry({ storageDir: path.join(STATE, 'registry') })
  );
  stops.push(registry.stop);
  const engine = await step('docker engine', () =>
    startEngine({ dataRoot: path.join(STATE, 'docker') })
  );
  stops.push(engine.stop);
  await step('base image (offline, cached)', () => ensureBaseImage(engine));
  const cluster = await step(
    kind === 'real'
      ? 'real control plane (etcd, kube-apiserver, controllers, kwok)'
      : 'EKS emulator',
    () => startPipelineCluster(kind, registry)
  );
  stops.push(cluster.stop);
  const mirror = await step('helm download mirror', () => startHelmMirror());
  stops.push(mirror.stop);

  const image = `${registry.host}/${context.repository}`;
  const built = await step('build-push-image', () =>
    runShown(
      'build-push-image',
      { image, tag: context.imageSha, username: registry.username, password: registry.password },
      { ...engine.env, ...context.env }
    )
  );
  const deployed = await step('deploy-chart', () =>
    runShown(
      'deploy-chart',
      {
        kubeconfig: cluster.kubeconfigBase64,
        namespace: NAMESPACE,
        'helm-mirror': mirror.url,
        set: `pythonApp.image=${image.toLowerCase()}\npythonApp.tag=${context.imageSha}`
      },
      context.env
    )
  );

  say('outputs');
  const rows: Array<[string, string | undefined]> = [
    ['image', built.outputs['image']],
    ['digest', built.outputs['digest']],
    ['skipped build', built.outputs['skipped']],
    ['revision', deployed.outputs['revision']],
    ['status', deployed.outputs['status']],
    ['url', deployed.outputs['url']]
  ];
  for (const [name, value] of rows) console.log(`    ${name.padEnd(14)} ${value ?? '-'}`);
  if (flags.keep) await keepRunning(cluster, registry, engine.env);
}

try {
  await main();
} catch (error) {
  console.error(`\npipeline failed: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
