import * as core from '@actions/core';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { InputError } from '../../shared/src/errors.js';
import { maskSecret } from '../../shared/src/mask.js';
import { saveState } from '../../shared/src/save-state.js';
import { State } from '../../shared/src/state.js';
import { makePrivateDir } from '../../shared/src/temp.js';
import type { ClusterAccess, ExecPlugin } from './cluster-access.js';
import { readKubeconfigYaml, userSecrets, type KubeconfigSource } from './kubeconfig-input.js';

type Map = Record<string, unknown>;

interface NormalizedKubeconfig {
  /** Only the current context, its cluster and its user, ready to write. */
  doc: Map;
  access: ClusterAccess;
  /** Every secret value found (in all users, not only the current one) to mask. */
  secrets: string[];
  warnings: string[];
}

const EXEC_V1ALPHA1 = 'client.authentication.k8s.io/v1alpha1';
const EXEC_V1BETA1 = 'client.authentication.k8s.io/v1beta1';
const EXEC_VERSIONS = [EXEC_V1ALPHA1, EXEC_V1BETA1, 'client.authentication.k8s.io/v1'];

const fail = (detail: string) => new InputError('kubeconfig', detail);
const isMap = (value: unknown): value is Map =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** The `name`d entries of a kubeconfig list (`clusters`, `contexts`, `users`). */
function namedList(doc: Map, key: string): Array<{ name: string; body: Map }> {
  const list = doc[key] ?? [];
  if (!Array.isArray(list)) throw fail(`${key} must be a list`);
  return list.map((entry, index) => {
    const field = key.slice(0, -1);
    if (!isMap(entry) || typeof entry.name !== 'string' || !isMap(entry[field])) {
      throw fail(`${key}[${index}] needs a name and a ${field} mapping`);
    }
    return { name: entry.name, body: entry[field] as Map };
  });
}

function pick<T extends { name: string }>(list: T[], name: string, what: string, from: string): T {
  const found = list.find((entry) => entry.name === name);
  if (!found) {
    const names = list.map((entry) => entry.name).join(', ') || '(none)';
    throw fail(`${from} names no ${what} "${name}"; ${what}s are: ${names}`);
  }
  return found;
}

function decodeData(value: unknown, field: string, owner: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw fail(`${owner} ${field} must be a base64 string`);
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  if (!decoded.includes('-----BEGIN ')) {
    throw fail(`${owner} ${field} is not base64 of a PEM block; embed it with base64 -w0 <file>`);
  }
  return decoded;
}

/** A file the kubeconfig refers to, read on the runner; `embedded` is the field to inline it in. */
function readReferenced(
  file: unknown,
  field: string,
  embedded: string,
  owner: string,
  readFile: (file: string) => string
): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFile(String(file));
  } catch {
    const fix =
      embedded === 'token' ? 'put the token itself in token:' : `embed its content as ${embedded}`;
    throw fail(`${owner} ${field} "${String(file)}" is not a file on the runner; ${fix} instead`);
  }
}

function normalizeExec(
  exec: unknown,
  owner: string,
  warnings: string[]
): { entry: Map; plugin: ExecPlugin } {
  if (!isMap(exec)) throw fail(`${owner} exec must be a mapping`);
  const command = text(exec.command);
  if (!command) throw fail(`${owner} exec has no command; set e.g. command: aws`);
  let apiVersion = text(exec.apiVersion) ?? '';
  if (!EXEC_VERSIONS.includes(apiVersion)) {
    throw fail(
      `${owner} exec apiVersion "${apiVersion}" is not one of ${EXEC_VERSIONS.join(', ')}`
    );
  }
  if (apiVersion === EXEC_V1ALPHA1) {
    warnings.push(
      `kubeconfig: ${owner} exec uses ${EXEC_V1ALPHA1}, which helm and kubectl no longer accept; using ${EXEC_V1BETA1} (update the KUBECONFIG secret to stop this warning)`
    );
    apiVersion = EXEC_V1BETA1;
  }
  const args = exec.args ?? [];
  if (
    !Array.isArray(args) ||
    !args.every((arg) => typeof arg === 'string' || typeof arg === 'number')
  ) {
    throw fail(`${owner} exec args must be a list of strings`);
  }
  const envList = exec.env ?? [];
  if (!Array.isArray(envList)) throw fail(`${owner} exec env must be a list of name/value pairs`);
  const env: Record<string, string> = {};
  for (const [index, item] of envList.entries()) {
    if (!isMap(item) || typeof item.name !== 'string' || item.value === undefined) {
      throw fail(`${owner} exec env[${index}] needs a name and a value`);
    }
    env[item.name] = String(item.value);
  }
  // client-go reads exec args and env values as strings only: `value: 123` would fail every
  // helm call, so both are written as the strings they mean.
  const entry: Map = {
    ...exec,
    apiVersion,
    args: args.map(String),
    ...(exec.env === undefined
      ? {}
      : { env: Object.entries(env).map(([name, value]) => ({ name, value })) })
  };
  // A CI step has no terminal: without this, client-go (exec v1) refuses to run the plugin.
  if (entry.interactiveMode === undefined) entry.interactiveMode = 'Never';
  return { entry, plugin: { apiVersion, command, args: args.map(String), env } };
}

/**
 * Checks the structure helm depends on and rewrites what current clients reject. Pure but for
 * `readFile`, which reads files the kubeconfig refers to (certificate-authority, token-file ...).
 */
export function normalizeKubeconfig(
  yamlText: string,
  readFile: (file: string) => string = (file) => readFileSync(file, 'utf8')
): NormalizedKubeconfig {
  const doc = readKubeconfigYaml(yamlText);
  if (!isMap(doc)) throw fail('is not a YAML mapping; it must be a kubeconfig (kind: Config)');
  const warnings: string[] = [];
  const clusters = namedList(doc, 'clusters');
  const contexts = namedList(doc, 'contexts');
  const users = namedList(doc, 'users');
  const secrets = users.flatMap((user) => userSecrets(user.body));

  if (contexts.length === 0 || clusters.length === 0 || users.length === 0) {
    throw fail(
      'has no contexts, clusters or users: the secret looks truncated or incomplete (a copy that lost lines, or base64 without -w0); store `base64 -w0 ~/.kube/config` again'
    );
  }
  let current = text(doc['current-context']);
  if (!current) {
    if (contexts.length !== 1) {
      const names = contexts.map((c) => c.name).join(', ') || '(none)';
      throw fail(`has no current-context; set current-context to one of: ${names}`);
    }
    current = contexts[0].name;
    warnings.push(`kubeconfig: no current-context; using the only context "${current}"`);
  }
  const context = pick(contexts, current, 'context', `current-context "${current}"`);
  const clusterName = text(context.body.cluster);
  const userName = text(context.body.user);
  if (!clusterName) throw fail(`context "${current}" has no cluster; set its cluster: field`);
  if (!userName) throw fail(`context "${current}" has no user; set its user: field`);
  const cluster = pick(clusters, clusterName, 'cluster', `context "${current}"`);
  const user = pick(users, userName, 'user', `context "${current}"`);

  const clusterOwner = `cluster "${clusterName}"`;
  const server = text(cluster.body.server);
  if (!server || !/^https?:\/\/[^/]/.test(server)) {
    throw fail(`${clusterOwner} has no server URL; set server: https://<api-server>`);
  }
  const insecureField = cluster.body['insecure-skip-tls-verify'];
  if (insecureField !== undefined && typeof insecureField !== 'boolean') {
    // client-go reads only a YAML boolean here; "true" in quotes fails every helm call.
    throw fail(
      `${clusterOwner} insecure-skip-tls-verify must be true or false, without quotes (Kubernetes clients refuse anything else)`
    );
  }
  const insecure = insecureField === true;
  const caField = ['certificate-authority-data', 'certificate-authority'].find(
    (field) => cluster.body[field] !== undefined
  );
  if (insecure && caField) {
    // client-go (helm, kubectl) refuses the pair: "specifying a root certificates file with the
    // insecure flag is not allowed".
    throw fail(
      `${clusterOwner} sets both insecure-skip-tls-verify: true and ${caField}, which Kubernetes clients refuse; remove insecure-skip-tls-verify (the CA then verifies the server), or remove ${caField} to skip verification`
    );
  }
  if (insecure)
    warnings.push(`kubeconfig: ${clusterOwner} skips TLS verification (insecure-skip-tls-verify)`);
  const caPem =
    decodeData(
      cluster.body['certificate-authority-data'],
      'certificate-authority-data',
      clusterOwner
    ) ??
    readReferenced(
      cluster.body['certificate-authority'],
      'certificate-authority',
      'certificate-authority-data',
      clusterOwner,
      readFile
    );

  const owner = `user "${userName}"`;
  const body = user.body;
  const access: ClusterAccess = {
    contextName: current,
    server,
    caPem,
    insecureSkipTlsVerify: insecure,
    namespace: text(context.body.namespace),
    token:
      text(body.token) ??
      readReferenced(body.tokenFile, 'tokenFile', 'token', owner, readFile)?.trim(),
    clientCertPem:
      decodeData(body['client-certificate-data'], 'client-certificate-data', owner) ??
      readReferenced(
        body['client-certificate'],
        'client-certificate',
        'client-certificate-data',
        owner,
        readFile
      ),
    clientKeyPem:
      decodeData(body['client-key-data'], 'client-key-data', owner) ??
      readReferenced(body['client-key'], 'client-key', 'client-key-data', owner, readFile),
    username: text(body.username),
    password: text(body.password)
  };
  if (access.token && body.tokenFile !== undefined) secrets.push(access.token);
  if (access.clientKeyPem) secrets.push(access.clientKeyPem);
  const userEntry: Map = { ...body };
  if (body.exec !== undefined) {
    const { entry, plugin } = normalizeExec(body.exec, owner, warnings);
    userEntry.exec = entry;
    access.exec = plugin;
  }
  if (
    !access.token &&
    !access.clientKeyPem &&
    !access.password &&
    !access.exec &&
    !body['auth-provider']
  ) {
    throw fail(
      `${owner} has no credentials (token, client certificate, exec plugin or username/password)`
    );
  }
  // Referenced files are inlined: the written config must not depend on paths of another machine.
  const clusterEntry: Map = { ...cluster.body };
  if (caPem && clusterEntry['certificate-authority'] !== undefined) {
    delete clusterEntry['certificate-authority'];
    clusterEntry['certificate-authority-data'] = Buffer.from(caPem).toString('base64');
  }
  for (const field of ['client-certificate', 'client-key'] as const) {
    const pem = field === 'client-key' ? access.clientKeyPem : access.clientCertPem;
    if (pem && userEntry[field] !== undefined) {
      delete userEntry[field];
      userEntry[`${field}-data`] = Buffer.from(pem).toString('base64');
    }
  }
  if (access.token && userEntry.tokenFile !== undefined) {
    delete userEntry.tokenFile;
    userEntry.token = access.token;
  }

  const normalized: Map = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster: clusterEntry }],
    contexts: [{ name: current, context: context.body }],
    'current-context': current,
    users: [{ name: userName, user: userEntry }]
  };
  return { doc: normalized, access, secrets: [...new Set(secrets)], warnings };
}

/** The kubeconfig input (or the one built by cluster-name), normalized, its secrets masked. */
interface LoadedKubeconfig extends NormalizedKubeconfig {
  encoding: KubeconfigSource['encoding'];
}

/**
 * Normalizes the kubeconfig and masks its secrets before anything else is logged. The input's
 * own secrets were masked when it was read (readKubeconfigInput); those of the files it refers
 * to (tokenFile, client-key) are masked here. Its warnings are logged.
 */
export function loadKubeconfig(source: KubeconfigSource): LoadedKubeconfig {
  const normalized = normalizeKubeconfig(source.yaml);
  for (const secret of normalized.secrets) maskSecret(secret);
  for (const warning of normalized.warnings) core.warning(warning);
  return { ...normalized, encoding: source.encoding };
}

export interface WrittenKubeconfig {
  /** The normalized file, 0600; helm and kubectl get it only through KUBECONFIG. */
  path: string;
  dir: string;
  access: ClusterAccess;
}

/**
 * Writes the kubeconfig helm uses, once, and tells post where it is. With `token` (one that
 * outlives helm's run) its user carries that bearer token instead of the exec plugin.
 */
export async function writeKubeconfig(
  kubeconfig: LoadedKubeconfig,
  token?: string
): Promise<WrittenKubeconfig> {
  const dir = await makePrivateDir('kubeconfig');
  saveState(State.KubeconfigDir, dir);
  const file = path.join(dir, 'config');
  const doc = token ? withBearerToken(kubeconfig.doc, token) : kubeconfig.doc;
  await writeFile(file, stringify(doc), { mode: 0o600 });
  const { access } = kubeconfig;
  core.info(
    `kubeconfig: context "${access.contextName}" → ${access.server} (${kubeconfig.encoding})`
  );
  return { path: file, dir, access };
}

/** The kubeconfig with its user's exec plugin replaced by a minted bearer token. Pure. */
export function withBearerToken(doc: Map, token: string): Map {
  const users = (doc.users as Array<{ name: string; user: Map }>).map(({ name, user }) => {
    const kept: Map = { ...user, token };
    delete kept.exec;
    return { name, user: kept };
  });
  return { ...doc, users };
}
