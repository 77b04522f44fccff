import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../shared/src/errors.js';
import {
  parseBoolean,
  parseLines,
  rawInput,
  requiredInput,
  type InputReader
} from '../../shared/src/inputs.js';
import { hostWhere, resolveInWorkspace, type Where } from '../../shared/src/workspace-path.js';
import {
  parseEksInputs,
  parseExecRoleInputs,
  type EksInputs,
  type ExecRoleInputs
} from './eks-cluster.js';
import {
  maskKubeconfigInput,
  parseKubeconfigInput,
  type KubeconfigSource
} from './kubeconfig-input.js';
import { parseSetInput, resolveSetValues, setFilePaths, type SetValue } from './set-values.js';
import { parseMode, type Mode } from './plan/mode.js';
import { splitArgs } from './split-args.js';
import { OFFICIAL_AWS_CLI_MIRROR, OFFICIAL_HELM_MIRROR } from './tool-site.js';

export type DryRun = 'none' | 'client' | 'server';

export { parseKubeconfigInput, type KubeconfigSource } from './kubeconfig-input.js';

export interface Inputs {
  /** `plan`: show what the deploy would change (plan/*), change nothing. */
  mode: Mode;
  /** Writes the plan comment on pull requests; `github.token` by default. */
  githubToken: string;
  /** Exactly one of kubeconfig and eks (cluster-name) is set. */
  kubeconfig?: KubeconfigSource;
  eks?: EksInputs;
  /** role-arn with the kubeconfig: credentials for its aws exec user. */
  execRole?: ExecRoleInputs;
  /** The directory relative paths were resolved against; helm runs there. */
  workspace: string;
  release: string;
  /** Absolute path of a local chart directory or .tgz, or an oci:// reference. */
  chart: string;
  /** Empty: the kubeconfig context's namespace, else `default`. */
  namespace?: string;
  valuesFiles: string[];
  /** The `set` lines, a later one for the same key (or a parent) already applied. */
  setValues: SetValue[];
  timeout: string;
  timeoutMs: number;
  wait: boolean;
  rollbackOnFailure: boolean;
  createNamespace: boolean;
  dryRun: DryRun;
  extraArgs: string[];
  /** `latest` or an exact `vX.Y.Z`. */
  helmVersion: string;
  helmMirror: string;
  awsCliMirror: string;
  failFast: boolean;
  recoverPending: boolean;
  /** Inputs given that the chosen path ignores or overrides, each named: main warns. */
  warnings: string[];
}

/** The helm release the action pins by default; its sha256 sums ship in helm-versions.ts. */
export const DEFAULT_HELM_VERSION = 'v4.1.4';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Helm's own rule: a DNS-1123 subdomain of at most 53 characters (room for suffixes). */
export function parseRelease(text: string): string {
  const name = text || 'python-application';
  if (name.length > 53 || !DNS1123_SUBDOMAIN.test(name)) {
    throw new InputError(
      'release',
      `"${name}" is not a valid release name: use at most 53 lowercase letters, digits, "-" or ".", starting and ending with a letter or digit`
    );
  }
  return name;
}

export function parseNamespace(text: string): string | undefined {
  if (!text) return undefined;
  if (text.length > 63 || !DNS1123_LABEL.test(text)) {
    throw new InputError(
      'namespace',
      `"${text}" is not a valid namespace: use at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`
    );
  }
  return text;
}

const GO_UNITS_MS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
  ns: 0.000001
};

/** A Go `time.Duration` string as helm's --timeout takes it (`5m`, `1h30m`, `90s`), in ms. */
export function parseGoDuration(name: string, text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) {
    throw new InputError(
      name,
      `"${text}" has no unit; write it as a Go duration such as ${text}s or 5m`
    );
  }
  if (!/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/.test(text)) {
    throw new InputError(name, `"${text}" is not a Go duration; write e.g. 5m, 90s or 1h30m`);
  }
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) {
    total += Number(amount) * GO_UNITS_MS[unit];
  }
  if (total <= 0) throw new InputError(name, `"${text}" must be longer than zero`);
  return total;
}

/** GitHub ends a job after 6 hours: a longer helm --timeout could never run out. */
export const MAX_TIMEOUT_MS = 6 * 3_600_000;

export function parseTimeout(text: string): { timeout: string; timeoutMs: number } {
  const timeout = text || '5m';
  const timeoutMs = parseGoDuration('timeout', timeout);
  if (timeoutMs > MAX_TIMEOUT_MS) {
    throw new InputError(
      'timeout',
      `"${timeout}" is longer than 6h, the most a GitHub Actions job may run before GitHub ends it; write at most 6h (e.g. 30m)`
    );
  }
  return { timeout, timeoutMs };
}

export function parseDryRun(text: string): DryRun {
  switch (text) {
    case '':
    case 'false':
    case 'none':
      return 'none';
    case 'true':
    case 'client':
      return 'client';
    case 'server':
      return 'server';
    default:
      throw new InputError(
        'dry-run',
        `"${text}" is not one of false, true (= client), client or server`
      );
  }
}

/** `latest`, or an exact helm 3 or 4 release (the leading v is optional). */
export function parseHelmVersion(text: string): string {
  if (!text) return DEFAULT_HELM_VERSION;
  if (text.toLowerCase() === 'latest') return 'latest';
  const match = /^v?([34])\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/.exec(text);
  if (!match) {
    throw new InputError(
      'helm-version',
      `"${text}" is not an exact helm 3 or 4 release; write e.g. ${DEFAULT_HELM_VERSION}, v3.17.2 or latest`
    );
  }
  return text.startsWith('v') ? text : `v${text}`;
}

export function parseMirror(name: string, text: string, fallback: string): string {
  const value = text || fallback;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(name, `"${value}" is not a URL; write e.g. ${fallback}`);
  }
  // Checked first, and the value not quoted: it holds a password. The downloads send no
  // credentials from the URL, and every download line would print it.
  if (url.username || url.password) {
    throw new InputError(
      name,
      `must not hold a user name or password (user:password@host): downloads send none, and the URL is printed in the log; use a mirror that serves the files without credentials, e.g. ${fallback}`
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError(name, `"${value}" must be an http(s) URL, e.g. ${fallback}`);
  }
  if (url.search || url.hash) {
    throw new InputError(
      name,
      `"${value}" must be a base URL without ?query or #fragment: files are fetched as <${name}>/<file>, which drops them`
    );
  }
  return value.replace(/\/+$/, '');
}

const USE_KUBECONFIG =
  'use the kubeconfig input: helm connects to the cluster, and as the user, that its current-context names';

/**
 * Every flag of helm 3.17 and 4.1 that changes where or as whom helm connects
 * (pkg/cli/environment.go AddFlags, the same in both): one would deploy elsewhere than the
 * kubeconfig input says, be misreported as an outage, or print a token in the log.
 * --burst-limit and --qps only pace the requests, so they stay allowed.
 */
export const CONNECTION_FLAGS = [
  '--kubeconfig',
  '--kube-context',
  '--kube-token',
  '--kube-apiserver',
  '--kube-as-user',
  '--kube-as-group',
  '--kube-ca-file',
  '--kube-tls-server-name',
  '--kube-insecure-skip-tls-verify'
];

/** Flags the action sets itself: a second value would fight the inputs, so each names its input. */
const MANAGED_FLAGS: Array<[flags: string[], use: string]> = [
  [CONNECTION_FLAGS, USE_KUBECONFIG],
  [['--install', '-i'], 'the action always runs upgrade --install'],
  [['--namespace', '-n'], 'use the namespace input'],
  [['--wait'], 'use the wait input'],
  [['--timeout'], 'use the timeout input'],
  [['--atomic', '--rollback-on-failure'], 'use the rollback-on-failure input'],
  [['--create-namespace'], 'use the create-namespace input'],
  [['--dry-run'], 'use the dry-run input'],
  [['--values', '-f'], 'use the values input'],
  [['--set', '--set-string'], 'use the set input (one key=value per line)']
];

/**
 * helm upgrade's flags (3.17 and 4.1) whose value is a local file or directory, besides
 * --set-file, --values and the connection flags; the list is checked against real helm in
 * extra-args-helm.test.ts. Each must stay in the workspace or RUNNER_TEMP, like every path input.
 */
export const PATH_FLAGS = [
  '--ca-file',
  '--cert-file',
  '--key-file',
  '--keyring',
  '--post-renderer',
  '--registry-config',
  '--repository-cache',
  '--repository-config',
  '--content-cache'
];

/** helm upgrade's one-letter flags: -i and -h take no value, the others take the rest of the word. */
export const BOOL_SHORTHANDS = 'ih';
export const VALUE_SHORTHANDS = 'flon';

/** The flags a word sets, as pflag reads it: `--name[=value]`, or a chain like `-if file`. */
function flagsOf(arg: string): string[] {
  if (arg.startsWith('--')) return [arg.split('=', 1)[0]];
  if (!arg.startsWith('-')) return [];
  const flags: string[] = [];
  for (const ch of arg.slice(1)) {
    flags.push(`-${ch}`);
    if (!BOOL_SHORTHANDS.includes(ch)) break; // a value flag (or one helm will refuse) ends it
  }
  return flags.filter(
    (flag) => BOOL_SHORTHANDS.includes(flag[1]) || VALUE_SHORTHANDS.includes(flag[1])
  );
}

/** The value of a `--flag value` or `--flag=value` at args[i], if that is `flag`. */
function valueOf(args: string[], i: number, flag: string): string | undefined {
  if (args[i] === flag) return args[i + 1];
  return args[i].startsWith(`${flag}=`) ? args[i].slice(flag.length + 1) : undefined;
}

/**
 * helm runs with the workspace as its working directory (main.ts), so a relative path means
 * there what it meant here. helm 3 looks a --post-renderer without a `/` up on PATH (a program
 * outside the workspace), helm 4 takes it as a plugin name (installed outside the workspace):
 * only a path to a program in the workspace is taken.
 */
function checkPathFlag(flag: string, file: string, where: Where): void {
  if (file === '') throw new InputError('extra-args', `${flag} has no value; give a path`);
  if (flag !== '--post-renderer') {
    resolveInWorkspace('extra-args', file, where.roots, where.fs, flag);
    return;
  }
  if (!file.includes('/')) {
    throw new InputError(
      'extra-args',
      `${flag} "${file}" is not a path: helm would run a program of that name from PATH (helm 3) or a plugin (helm 4), outside the workspace; write the path of a program in the repository, e.g. ./${file}`
    );
  }
  const { path: full, exists } = resolveInWorkspace(
    'extra-args',
    file,
    where.roots,
    where.fs,
    flag
  );
  if (!exists) {
    throw new InputError(
      'extra-args',
      `${flag} "${file}" does not exist in the workspace (${full}); check out the repository first or fix the path`
    );
  }
}

/**
 * More `helm upgrade` flags, split like a shell would. Refused: a flag the inputs manage (the
 * message never repeats its value: it may be a token), and a --set-file whose file is outside
 * the workspace and RUNNER_TEMP, and so is the value of any other path flag (PATH_FLAGS). After `--` helm takes no flags, so neither does the check.
 */
export function parseExtraArgs(text: string, where: Where): string[] {
  let args: string[];
  try {
    args = splitArgs(text);
  } catch (error) {
    throw new InputError(
      'extra-args',
      `${(error as Error).message}; quote like a shell, e.g. --description "first deploy"`
    );
  }
  const end = args.indexOf('--');
  const flagWords = end < 0 ? args : args.slice(0, end);
  flagWords.forEach((arg, i) => {
    const set = flagsOf(arg);
    for (const [flags, use] of MANAGED_FLAGS) {
      const hit = flags.find((flag) => set.includes(flag));
      if (hit) throw new InputError('extra-args', `must not contain ${hit}: ${use}`);
    }
    for (const flag of PATH_FLAGS) {
      const file = valueOf(flagWords, i, flag);
      if (file !== undefined) checkPathFlag(flag, file, where);
    }
    const setFile = valueOf(flagWords, i, '--set-file');
    for (const file of setFile === undefined ? [] : setFilePaths(setFile)) {
      resolveInWorkspace('extra-args', file, where.roots, where.fs);
    }
  });
  return args;
}

/** A local chart (directory or .tgz) in the workspace, or an oci:// reference. */
export function parseChart(text: string, where: Where): string {
  const chart = text || 'charts/python-application';
  if (chart.startsWith('oci://')) return chart;
  const { path: full, exists } = resolveInWorkspace('chart', chart, where.roots, where.fs);
  if (!exists) {
    throw new InputError(
      'chart',
      `"${chart}" does not exist in the workspace (${full}); check out the repository first (actions/checkout) or fix the path`
    );
  }
  if (statSync(full).isDirectory() && !existsSync(path.join(full, 'Chart.yaml'))) {
    throw new InputError(
      'chart',
      `"${chart}" has no Chart.yaml; point it at the chart's directory`
    );
  }
  return full;
}

export function parseValuesFiles(text: string, where: Where): string[] {
  return parseLines(text).map((file) => {
    const { path: full, exists } = resolveInWorkspace('values', file, where.roots, where.fs);
    if (exists && !statSync(full).isFile()) {
      throw new InputError('values', `"${file}" is a directory (${full}); list values files`);
    }
    if (!exists) {
      throw new InputError(
        'values',
        `file "${file}" does not exist in the workspace (${full}); list one values file per line`
      );
    }
    return full;
  });
}

export function parseSetLines(text: string): SetValue[] {
  return resolveSetValues(parseSetInput(text));
}

/** The inputs that were given but mean nothing on the path the others chose. Pure. */
function ignoredInputWarnings(read: InputReader, inputs: Omit<Inputs, 'warnings'>): string[] {
  const warnings: string[] = [];
  if (inputs.dryRun !== 'none') {
    for (const name of ['rollback-on-failure', 'recover-pending', 'fail-fast'] as const) {
      if (read(name)) {
        warnings.push(
          `${name}: is ignored for a dry run (dry-run: ${read('dry-run')}): nothing is deployed, so nothing is waited for, rolled back or recovered`
        );
      }
    }
  } else if (inputs.rollbackOnFailure && !inputs.wait) {
    warnings.push(
      'wait: false is overridden by rollback-on-failure: true: helm waits for the release so that it can roll a failure back; set wait: true, or drop rollback-on-failure'
    );
  }
  if (inputs.eks && read('aws-cli-mirror')) {
    warnings.push(
      'aws-cli-mirror: is ignored when deploying by cluster-name: the action signs the EKS token itself and never downloads the AWS CLI; remove it'
    );
  }
  return warnings;
}

/**
 * Every input, parsed and validated once: a pure function of the inputs' text (`read`), the
 * runner's environment (AWS_REGION and friends, for cluster-name) and where paths may lead.
 */
export function parseInputs(read: InputReader, env: NodeJS.ProcessEnv, where: Where): Inputs {
  // First: the kubeconfig's secrets are masked before any other input is read.
  const given = read('kubeconfig');
  if (given) maskKubeconfigInput(given);
  const eks = parseEksInputs(read, env);
  if (eks && given) {
    throw new InputError('cluster-name', 'and kubeconfig are both set; give one of them');
  }
  const kubeconfig = eks
    ? undefined
    : parseKubeconfigInput(
        requiredInput(
          'kubeconfig',
          'pass the base64 KUBECONFIG secret: kubeconfig: ${{ secrets.KUBECONFIG }}, or deploy by cluster-name (with region and role-arn)',
          read
        )
      );
  const execRole = eks ? undefined : parseExecRoleInputs(read, env);
  const inputs = {
    mode: parseMode(read('mode')),
    githubToken: read('github-token'),
    ...(eks ? { eks } : { kubeconfig }),
    ...(execRole ? { execRole } : {}),
    workspace: where.roots.workspace,
    release: parseRelease(read('release')),
    chart: parseChart(read('chart'), where),
    namespace: parseNamespace(read('namespace')),
    valuesFiles: parseValuesFiles(read('values'), where),
    setValues: parseSetLines(read('set')),
    ...parseTimeout(read('timeout')),
    wait: parseBoolean('wait', read('wait'), true),
    rollbackOnFailure: parseBoolean('rollback-on-failure', read('rollback-on-failure'), false),
    createNamespace: parseBoolean('create-namespace', read('create-namespace'), false),
    dryRun: parseDryRun(read('dry-run')),
    extraArgs: parseExtraArgs(read('extra-args'), where),
    helmVersion: parseHelmVersion(read('helm-version')),
    helmMirror: parseMirror('helm-mirror', read('helm-mirror'), OFFICIAL_HELM_MIRROR),
    awsCliMirror: parseMirror('aws-cli-mirror', read('aws-cli-mirror'), OFFICIAL_AWS_CLI_MIRROR),
    failFast: parseBoolean('fail-fast', read('fail-fast'), true),
    recoverPending: parseBoolean('recover-pending', read('recover-pending'), true)
  };
  return { ...inputs, warnings: ignoredInputWarnings(read, inputs) };
}

/** The runner's inputs, environment and file system. */
export function readInputs(): Inputs {
  return parseInputs(rawInput, process.env, hostWhere(process.env, process.cwd()));
}
