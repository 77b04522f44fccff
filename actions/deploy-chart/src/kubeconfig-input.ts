// The kubeconfig input as the user stored it: base64 (wrapped or not) or raw YAML, told apart
// by content, and its YAML read so that a syntax error names the line and column but never
// quotes the document (it holds secrets). readKubeconfigInput masks every secret in it before
// any other input is read, so no later error, warning or debug line can show one.
import { parseDocument } from 'yaml';
import { InputError } from '../../shared/src/errors.js';
import { maskSecret } from '../../shared/src/mask.js';

/** The kubeconfig as the user stored it, decoded to YAML text. */
export interface KubeconfigSource {
  yaml: string;
  encoding: 'base64' | 'yaml';
  /** The input exactly as given: masked as a whole, it is as secret as what it encodes. */
  raw: string;
}

type Map = Record<string, unknown>;

const fail = (detail: string) => new InputError('kubeconfig', detail);
const isMap = (value: unknown): value is Map =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

const KUBECONFIG_HINT =
  'store the output of `base64 -w0 ~/.kube/config` (or the YAML itself) as the KUBECONFIG secret and pass kubeconfig: ${{ secrets.KUBECONFIG }}';

/** What yaml's error codes mean to someone who edited a kubeconfig by hand. */
const YAML_PROBLEMS: Record<string, string> = {
  TAB_AS_INDENT: 'a tab indents the line; YAML indents with spaces only',
  BAD_INDENT: 'the line is indented differently from the entries around it',
  BLOCK_AS_IMPLICIT_KEY:
    'a line here is indented more than the entries around it, or a value holds ": " (quote it)',
  MULTILINE_IMPLICIT_KEY:
    'a line here is indented more than the entries around it, or a value holds ": " (quote it)',
  MISSING_CHAR: 'a closing quote or bracket, or the ":" after a key, is missing',
  BLOCK_IN_FLOW: 'a [ or { list is not closed before the next entry',
  DUPLICATE_KEY: 'a key appears twice in one mapping',
  BAD_DQ_ESCAPE: 'a "double-quoted" value holds an invalid \\ escape; use single quotes',
  UNEXPECTED_TOKEN: 'a character is out of place (a stray quote, bracket or "-")',
  MULTIPLE_DOCS: 'a "---" line starts a second YAML document; keep only the kubeconfig'
};
const YAML_FIX =
  'fix it (indent with spaces, not tabs; entries of one list or mapping start in the same column) and store the secret again';

/**
 * A kubeconfig's YAML, or an InputError with the position and a description of the first
 * syntax error, never with the source: yaml's own messages quote it. `where` names the text
 * the line numbers count in ("the decoded kubeconfig"). Pure.
 */
export function readKubeconfigYaml(yamlText: string, where = 'the kubeconfig'): unknown {
  // logLevel 'error': yaml's warnings go to stderr quoting the source line, which may be a secret.
  const parsed = parseDocument(yamlText, { logLevel: 'error' });
  const [error] = parsed.errors;
  if (error) {
    const at = error.linePos?.[0];
    const position = at ? ` at line ${at.line}, column ${at.col} of ${where}` : '';
    const problem = YAML_PROBLEMS[error.code] ?? `YAML error ${error.code}`;
    const lastLine = at && at.line >= yamlText.trimEnd().split('\n').length;
    const cut = lastLine
      ? '; it is on the last line: if the secret was cut short, store `base64 -w0 ~/.kube/config` again'
      : '';
    throw fail(`is not valid YAML${position}: ${problem}${cut}; ${YAML_FIX}`);
  }
  try {
    return parsed.toJS();
  } catch {
    // An alias without its anchor, or more aliases than yaml expands (a "billion laughs" file).
    throw fail(`uses a YAML alias (*name) that cannot be resolved; ${YAML_FIX}`);
  }
}

/** Keys only a kubeconfig has at the top level: text that has them is one, even when broken. */
const KUBECONFIG_KEYS = /^(apiVersion|kind|clusters|contexts|current-context|users|preferences):/m;

function isKubeconfigDoc(doc: unknown): boolean {
  return isMap(doc) && ('clusters' in doc || 'contexts' in doc || 'current-context' in doc);
}

/** The input without its encoding: base64 when all of it (spaces aside) is base64. Pure. */
function decode(raw: string): {
  encoding: KubeconfigSource['encoding'];
  compact: string;
  yaml: string;
} {
  const compact = raw.replace(/\s+/g, '');
  return /^[A-Za-z0-9+/]+={0,2}$/.test(compact)
    ? { encoding: 'base64', compact, yaml: Buffer.from(compact, 'base64').toString('utf8') }
    : { encoding: 'yaml', compact, yaml: raw };
}

/**
 * Base64 (wrapped lines and stray spaces tolerated, as `base64` without -w0 writes it) or raw
 * YAML, told apart by content: a kubeconfig is never valid base64, and its base64 never parses
 * as a kubeconfig mapping. Text with a kubeconfig's top-level keys that is not valid YAML is a
 * kubeconfig with a syntax error, and told so with the position. Messages never quote the
 * value. Pure.
 */
export function parseKubeconfigInput(raw: string): KubeconfigSource {
  const { encoding, yaml } = decode(raw);
  let doc: unknown;
  try {
    doc = readKubeconfigYaml(yaml, encoding === 'base64' ? 'the decoded kubeconfig' : undefined);
  } catch (error) {
    if (KUBECONFIG_KEYS.test(yaml)) throw error;
  }
  if (isKubeconfigDoc(doc)) return { yaml, encoding, raw };
  if (encoding === 'base64') {
    throw fail(
      `looks like base64 but does not decode to a kubeconfig (no clusters/contexts/current-context); ${KUBECONFIG_HINT}`
    );
  }
  throw fail(`is neither base64 nor a kubeconfig YAML; ${KUBECONFIG_HINT}`);
}

/** Exec env values that configure rather than authenticate; masking them would only blur logs. */
const PLAIN_EXEC_ENV = new Set(['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_STS_REGIONAL_ENDPOINTS']);

/** Secrets anywhere in one user entry, read leniently: the entry may be malformed. Pure. */
export function userSecrets(user: unknown): string[] {
  if (!isMap(user)) return [];
  const secrets = ['token', 'password', 'client-key-data', 'client-certificate-data']
    .map((key) => text(user[key]))
    .filter((value): value is string => !!value);
  for (const key of ['client-key-data', 'client-certificate-data']) {
    const value = text(user[key]);
    if (value) secrets.push(Buffer.from(value, 'base64').toString('utf8'));
  }
  const exec = isMap(user.exec) ? user.exec : undefined;
  if (exec && Array.isArray(exec.env)) {
    for (const entry of exec.env) {
      if (!isMap(entry) || PLAIN_EXEC_ENV.has(String(entry.name))) continue;
      // A number is a secret too: the kubeconfig is written with it as a string.
      const value = typeof entry.value === 'number' ? String(entry.value) : text(entry.value);
      if (value) secrets.push(value);
    }
  }
  const provider = isMap(user['auth-provider']) ? user['auth-provider'] : undefined;
  if (provider && isMap(provider.config)) {
    for (const [key, value] of Object.entries(provider.config)) {
      if (/token|secret/i.test(key) && text(value)) secrets.push(value as string);
    }
  }
  return secrets;
}

/** Every secret value in every user of a kubeconfig document, however malformed. Pure. */
export function kubeconfigSecrets(doc: unknown): string[] {
  const users = isMap(doc) && Array.isArray(doc.users) ? doc.users : [];
  return [...new Set(users.flatMap((entry) => (isMap(entry) ? userSecrets(entry.user) : [])))];
}

/** The document as far as it parses (yaml recovers what it can around a syntax error). */
function lenientDoc(yamlText: string): unknown {
  try {
    return parseDocument(yamlText, { logLevel: 'silent' }).toJS();
  } catch {
    return undefined;
  }
}

/**
 * The kubeconfig input, decoded, after masking: the encoded blob and every secret value in it
 * are registered with the runner first, even when the document then turns out to be invalid.
 * Called before any other input is read.
 */
export function readKubeconfigInput(raw: string): KubeconfigSource {
  maskKubeconfigInput(raw);
  return parseKubeconfigInput(raw);
}

/** Registers the kubeconfig input's secrets with the runner; never throws on a broken one. */
export function maskKubeconfigInput(raw: string): void {
  const { encoding, compact, yaml } = decode(raw);
  // The encoded blob is as secret as what it encodes. Raw YAML is not masked whole: its
  // secret fields are, and masking every line would blank ordinary words in the log.
  if (encoding === 'base64') {
    maskSecret(raw);
    maskSecret(compact);
  }
  for (const secret of kubeconfigSecrets(lenientDoc(yaml))) maskSecret(secret);
}
