// Renders charts/python-application with the real helm binaries and parses the result,
// so the chart tests can check manifests field by field.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { helmPath, type HelmVersion } from '../harness/rigs/helm.js';
import { REPO_ROOT } from '../harness/runner.js';

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
    // A kubeconfig that does not exist: these commands must never reach a cluster.
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

/** Runs helm with `args` plus `--values <file>` holding `values`. */
export async function helmWithValues(
  version: HelmVersion,
  args: string[],
  values: object = REQUIRED_VALUES
): Promise<HelmRun> {
  const { file, cleanup } = valuesFile(values);
  try {
    return await runHelm(version, [...args, '--values', file]);
  } finally {
    cleanup();
  }
}

/** `<command> <release> <chart> --namespace <ns>` with the options' values. */
export function releaseCommand(command: string[], options: RenderOptions): string[] {
  return [
    ...command,
    options.release ?? 'demo',
    options.chartDir ?? CHART_DIR,
    '--namespace',
    options.namespace ?? 'apps'
  ];
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
  const run = await helmWithValues(version, releaseCommand(['template'], options), options.values);
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

export type SchemaProblem = 'missing' | 'invalid' | 'unknown';

/**
 * The line helm prints for a problem at `valuePath` (dotted). helm 3 reports through
 * gojsonschema ("pythonApp: tag is required"), helm 4 through santhosh-tekuri/jsonschema
 * ("at '/pythonApp': missing property 'tag'"). For 'missing' and 'unknown', the last
 * segment of the path is the key that is missing or unknown.
 */
export function schemaErrorLine(major: 3 | 4, problem: SchemaProblem, valuePath: string): string {
  const segments = valuePath.split('.');
  const key = segments.at(-1);
  const parent = segments.slice(0, -1);
  if (problem === 'invalid')
    return major === 3 ? `- ${valuePath}: ` : `- at '/${segments.join('/')}': `;
  const where =
    major === 3 ? parent.join('.') || '(root)' : `at '${parent.map((s) => `/${s}`).join('')}'`;
  if (problem === 'missing') {
    return major === 3 ? `- ${where}: ${key} is required` : `- ${where}: missing property '${key}'`;
  }
  return major === 3
    ? `- ${where}: Additional property ${key} is not allowed`
    : `- ${where}: additional properties '${key}' not allowed`;
}

/** Maps `items` through `run`, at most `limit` at a time, keeping their order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<R>
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
