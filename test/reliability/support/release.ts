// The real helm, used by tests beside the action to read what it left in the cluster: a
// private HELM_* home and a static-token kubeconfig, so it never touches ~/.kube or ~/.config.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Cluster } from '../../emulator/index.js';
import { helmPath } from '../../harness/rigs/helm.js';

export interface ReleaseReader {
  /** `helm history` rows, oldest first; [] when the release does not exist. */
  history(release: string): Promise<Array<{ revision: number; status: string }>>;
  remove(): void;
}

export function releaseReader(
  cluster: Pick<Cluster, 'tokenKubeconfig'>,
  token: string,
  namespace: string
): ReleaseReader {
  const home = mkdtempSync(path.join(os.tmpdir(), 'reliability-helm-'));
  writeFileSync(path.join(home, 'kubeconfig'), cluster.tokenKubeconfig(token), { mode: 0o600 });
  const env = {
    HOME: home,
    KUBECONFIG: path.join(home, 'kubeconfig'),
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_DATA_HOME: path.join(home, 'data')
  };
  return {
    async history(release) {
      try {
        const { stdout } = await promisify(execFile)(
          helmPath('v4.1.4'),
          ['history', release, '--namespace', namespace, '--output', 'json'],
          { env: { PATH: process.env.PATH ?? '', ...env } }
        );
        return JSON.parse(stdout);
      } catch (error) {
        if (/release: not found/.test(String((error as { stderr?: string }).stderr))) return [];
        throw error;
      }
    },
    remove: () => rmSync(home, { recursive: true, force: true })
  };
}
