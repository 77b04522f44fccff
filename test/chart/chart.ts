// Renders charts/python-application with the real helm binaries and parses the result,
// so the chart tests can check manifests field by field.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { helmPath, type HelmVersion } from '../rigs/helm.js';
import { REPO_ROOT } from '../support/runner.js';

export const CHART_DIR = path.join(REPO_ROOT, 'charts', 'python-application');

/** The values a deployer must give (the tag has no default on purpose). */
export const REQUIRED_VALUES = { pythonApp: { tag: '0123abcd' } };

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- field-by-field checks walk arbitrary kinds
  spec?: any;
  data?: Record<string, string>;
}

export interface HelmRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RenderOptions {
  /** User-supplied values, as a values file; a null deletes the chart's default. */
  values?: object;
  release?: string;
  namespace?: string;
  chartDir?: string;
}

export function helmMajor(version: HelmVersion): 3 | 4 {
  return version.startsWith('v3.') ? 3 : 4;
}

export function runHelm(version: HelmVersion, args: string[]): Promise<HelmRun> {
  return new Promise((resolve) => {
    // An empty kubeconfig path: these commands must never reach a cluster.
    const env = {
      ...process.env,
      KUBECONFIG: path.join(os.tmpdir(), 'no-cluster-kubeconfig'),
      HELM_NO_PLUGINS: '1'
    };
    execFile(
      helmPath(version),
      args,
      { env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      }
    );
  });
}

/** Writes values to a fresh temporary file and returns its path and a cleanup. */
function valuesFile(values: object): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chart-values-'));
  const file = path.join(dir, 'values.yaml');
  writeFileSync(file, stringify(values));
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `helm template`, or another command taking `<release> <chart> -n <ns> -f <values>`. */
export async function helmWithValues(
  version: HelmVersion,
  command: string[],
  options: RenderOptions = {}
): Promise<HelmRun> {
  const { file, cleanup } = valuesFile(options.values ?? REQUIRED_VALUES);
  try {
    return await runHelm(version, [
      ...command,
      options.release ?? 'demo',
      options.chartDir ?? CHART_DIR,
      '--namespace',
      options.namespace ?? 'apps',
      '--values',
      file
    ]);
  } finally {
    cleanup();
  }
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0)
        throw new Error(`helm rendered invalid YAML: ${document.errors[0].message}`);
      return document.toJS({ maxAliasCount: 0 }) as Manifest | null;
    })
    .filter((manifest): manifest is Manifest => manifest !== null);
}

/** Renders the chart and returns its manifests; a helm failure throws with helm's stderr. */
export async function render(
  version: HelmVersion,
  options: RenderOptions = {}
): Promise<Manifest[]> {
  const run = await helmWithValues(version, ['template'], options);
  if (run.code !== 0) throw new Error(`helm ${version} template failed: ${run.stderr}`);
  return parseManifests(run.stdout);
}

export function byKind(manifests: Manifest[], kind: string): Manifest[] {
  return manifests.filter((manifest) => manifest.kind === kind);
}

/** The one manifest of this kind that is not a helm hook. */
export function only(manifests: Manifest[], kind: string): Manifest {
  const found = byKind(manifests, kind).filter(
    (manifest) => !manifest.metadata.annotations?.['helm.sh/hook']
  );
  if (found.length !== 1) throw new Error(`expected one ${kind}, rendered ${found.length}`);
  return found[0];
}

/** A throwaway copy of the chart, for tests that edit its templates. */
export function copyChart(): { dir: string; cleanup: () => void } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'chart-copy-'));
  const dir = path.join(root, 'python-application');
  cpSync(CHART_DIR, dir, { recursive: true });
  return { dir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
