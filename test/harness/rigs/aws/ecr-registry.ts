// A registry that answers as ECR's hosts, with every packet on loopback: the real registry
// rig (basic auth, user AWS, the password the AWS rig's GetAuthorizationToken hands out) behind
// `<account>.dkr.ecr.<region>.amazonaws.com` and `public.ecr.aws`, which resolve to 127.0.0.1
// only inside a network namespace of the rig's own (netns.ts), entered with a mount namespace
// of each process's own where the rig's /etc/hosts and /etc/docker (certs.d: the rig's CA for
// both hosts, so dockerd speaks TLS to them) are bound over the machine's; the machine's /etc
// is never written. On 127.0.0.1:443 in the namespace
// ecr-front.mjs serves TLS with a certificate from a CA made for the run, answers ECR's
// NAME_UNKNOWN for a repository never created, and passes the rest to the registry.
// Steps run there with `inside` (runAction's option, the engine rig's namespace); their own
// HTTPS reads trust the CA through NODE_EXTRA_CA_CERTS (`env`).
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCertificateAuthority } from '../../../emulator/auth/ca.js';
import { makeStateDir, spawnDaemon, waitUntilReady } from '../daemon.js';
import { startLoopbackNamespace, type LoopbackNamespace } from '../netns.js';
import { startRegistry, type RegistryRig } from '../registry.js';
import { ACCOUNT } from './aws-api.js';

const FRONT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ecr-front.mjs');

export interface EcrRegistryRig {
  /** `111122223333.dkr.ecr.<region>.amazonaws.com` */
  privateHost: string;
  /** `public.ecr.aws` */
  publicHost: string;
  /** The registry behind both hosts (user AWS; its password is what ECR's token carries). */
  registry: RegistryRig;
  /** The namespace, whose `inside` runs a command where the hosts resolve. */
  namespace: LoopbackNamespace;
  /** NODE_EXTRA_CA_CERTS: a node step inside trusts the rig's CA. */
  env: { NODE_EXTRA_CA_CERTS: string };
  /** As `aws ecr create-repository` (or ecr-public's) does: pushes to `host/name` work after. */
  createRepository(host: string, name: string): Promise<void>;
  stop(): Promise<void>;
}

/** The namespace's /etc/hosts: the ECR hosts are loopback there, and nothing else is known. */
export function hostsFile(hosts: string[]): string {
  return ['127.0.0.1 localhost', '::1 localhost', `127.0.0.1 ${hosts.join(' ')}`, ''].join('\n');
}

/**
 * `command args` in the namespace, with a mount namespace of its own (unshare: private, so
 * nothing leaks back) where `etc`/hosts and `etc`/docker are bound over /etc's. bash, not
 * dash: dash drops the variables whose names are no shell names, like the runner's INPUT_ROLE-ARN.
 */
export function insideWithEtc(
  netnsPath: string,
  etc: string
): (command: string, args: string[]) => [string, string[]] {
  const script =
    'etc=$1; ns=$2; shift 2; mount --bind "$etc/hosts" /etc/hosts && ' +
    'mount --bind "$etc/docker" /etc/docker && exec nsenter --net="$ns" -- "$@"';
  return (command, args) => [
    'unshare',
    ['--mount', '--', 'bash', '-c', script, 'bash', etc, netnsPath, command, ...args]
  ];
}

export async function startEcrRegistry(options: {
  region: string;
  /** More loopback services the steps inside must reach (the OIDC and AWS rigs). */
  reach: string[];
}): Promise<EcrRegistryRig> {
  const privateHost = `${ACCOUNT}.dkr.ecr.${options.region}.amazonaws.com`;
  const publicHost = 'public.ecr.aws';
  const hosts = [privateHost, publicHost];
  const registry = await startRegistry({ auth: 'basic', username: 'AWS' });
  const cleanups: Array<() => Promise<void>> = [() => registry.stop()];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const ca = await createCertificateAuthority(new Date(), hosts);
    const dir = await makeStateDir('ecr-registry-rig-', ['front.pid']);
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(path.join(dir, 'cert.pem'), ca.serverCertPem);
    await writeFile(path.join(dir, 'key.pem'), ca.serverKeyPem, { mode: 0o600 });
    await writeFile(path.join(dir, 'ca.pem'), ca.caPem);
    await writeFile(path.join(dir, 'repositories'), '');

    const ns = await startLoopbackNamespace({ reach: [registry.host, ...options.reach] });
    cleanups.push(() => ns.stop());
    const etc = path.join(dir, 'etc');
    await mkdir(etc);
    await writeFile(path.join(etc, 'hosts'), hostsFile(hosts));
    for (const host of hosts) {
      await mkdir(path.join(etc, 'docker', 'certs.d', host), { recursive: true });
      await writeFile(path.join(etc, 'docker', 'certs.d', host, 'ca.crt'), ca.caPem);
    }
    const namespace: LoopbackNamespace = { ...ns, inside: insideWithEtc(ns.path, etc) };

    const [command, args] = namespace.inside(process.execPath, [
      FRONT,
      dir,
      registry.host.split(':')[1],
      ACCOUNT
    ]);
    const front = spawnDaemon('ECR registry front', command, args, {
      logFile: path.join(dir, 'front.log')
    });
    cleanups.push(() => front.stop(2000));
    await writeFile(path.join(dir, 'front.pid'), String(front.pid));
    await waitUntilReady(front, async () =>
      (await readFile(path.join(dir, 'front.log'), 'utf8')).includes('ready')
    );
    return {
      privateHost,
      publicHost,
      registry,
      namespace,
      env: { NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem') },
      createRepository: (host, name) =>
        appendFile(path.join(dir, 'repositories'), `${host}/${name}\n`),
      stop
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
