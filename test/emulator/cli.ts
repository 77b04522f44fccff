// Runs the emulated cluster for the local pipeline (or by hand): prints the kubeconfig
// path and URL, writes the kubeconfig (seed shape, or a static token with --token), and
// stops on SIGINT/SIGTERM. `npx tsx test/emulator/cli.ts --help` lists the flags.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startCluster } from './index.js';

const HELP = `usage: tsx test/emulator/cli.ts [--kubeconfig FILE] [--token TOKEN] [--port N]
       [--cluster-name NAME] [--region REGION] [--pod-ready-ms N] [--lb-ms N]
       [--pullable REGEX]... [--registry URL] [--log-requests]`;

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    token: { type: 'string' },
    port: { type: 'string' },
    'cluster-name': { type: 'string' },
    region: { type: 'string' },
    'pod-ready-ms': { type: 'string' },
    'lb-ms': { type: 'string' },
    pullable: { type: 'string', multiple: true },
    registry: { type: 'string' },
    'log-requests': { type: 'boolean' },
    help: { type: 'boolean' }
  }
});

if (values.help) {
  console.log(HELP);
  process.exit(0);
}

const cluster = await startCluster({
  clusterName: values['cluster-name'],
  region: values.region,
  port: values.port ? Number(values.port) : undefined,
  podReadyDelayMs: values['pod-ready-ms'] ? Number(values['pod-ready-ms']) : undefined,
  loadBalancerDelayMs: values['lb-ms'] ? Number(values['lb-ms']) : undefined,
  pullableImages: values.pullable?.map((p) => new RegExp(p)),
  registry: values.registry ? { url: values.registry } : undefined,
  staticTokens: values.token ? [values.token] : undefined
});
const kubeconfig = values.token ? cluster.tokenKubeconfig(values.token) : cluster.kubeconfig;
if (values.kubeconfig) writeFileSync(values.kubeconfig, kubeconfig, { mode: 0o600 });
console.log(JSON.stringify({ url: cluster.url, kubeconfig: values.kubeconfig ?? null }));

if (values['log-requests']) {
  let shown = 0;
  setInterval(() => {
    for (const r of cluster.requests.slice(shown)) {
      console.log(`${r.status} ${r.method} ${r.path} ${r.contentType ?? ''} ${r.userAgent ?? ''}`);
    }
    shown = cluster.requests.length;
  }, 200).unref();
}

const stop = async () => {
  await cluster.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
