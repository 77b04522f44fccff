import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { InputError } from '../../shared/src/errors.js';

/** One step of a `set` key: a map key or a list index. */
export type PathStep = string | number;

/**
 * `a.b[0].c` → ['a', 'b', 0, 'c']. `\.` keeps a dot inside a key, as helm's --set does, so
 * annotation keys like `service\.beta\.kubernetes\.io/aws-load-balancer-type` work.
 */
export function parseSetPath(key: string): PathStep[] {
  const steps: PathStep[] = [];
  let current = '';
  let afterIndex = false;
  const bad = (why: string) =>
    new InputError(
      'set',
      `key "${key}" ${why}; write e.g. pythonApp.tag=v1, list[0].name=x or a\\.dotted\\.key=v`
    );
  for (let i = 0; i < key.length; i++) {
    const ch = key[i];
    if (ch === '\\' && key[i + 1] === '.') {
      current += '.';
      i++;
    } else if (ch === '.') {
      if (current) steps.push(current);
      else if (!afterIndex) throw bad('has an empty part');
      current = '';
      afterIndex = false;
    } else if (ch === '[') {
      const close = key.indexOf(']', i);
      const index = key.slice(i + 1, close);
      if (close < 0 || !/^\d+$/.test(index)) throw bad('has a list index that is not [N]');
      if (current) steps.push(current);
      else if (!afterIndex) throw bad('indexes nothing');
      steps.push(Number(index));
      current = '';
      afterIndex = true;
      i = close;
    } else if (afterIndex) {
      throw bad('needs a "." after a list index');
    } else {
      current += ch;
    }
  }
  if (current) steps.push(current);
  else if (!afterIndex) throw bad('has an empty part');
  return steps;
}

/**
 * What a `set` value means. Quotes force a string (`"0123"` → 0123). true/false/null and
 * integers below a million are typed as helm's --set types them; longer digit runs stay
 * strings, because a values file goes through float64 and helm would render 20240101 as
 * 2.0240101e+07. Everything else — commas, `=`, spaces — is kept verbatim.
 */
export function setValue(text: string): unknown {
  const quoted = /^"(.*)"$/s.exec(text) ?? /^'(.*)'$/s.exec(text);
  if (quoted) return quoted[1];
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (/^-?(0|[1-9]\d{0,5})$/.test(text)) return Number(text);
  return text;
}

type Node = Record<string, unknown> | unknown[];

/** Builds the nested values a list of `key=value` lines describes; a later key wins. */
export function setValuesTree(pairs: Array<[string, string]>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, text] of pairs) {
    const steps = parseSetPath(key);
    let node: Node = root;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      const last = i === steps.length - 1;
      const slot = node as Record<string | number, unknown>;
      if (last) {
        slot[step] = setValue(text);
        break;
      }
      const wantList = typeof steps[i + 1] === 'number';
      const existing = slot[step];
      if (existing === undefined || existing === null) {
        slot[step] = wantList ? [] : {};
      } else if (Array.isArray(existing) !== wantList || typeof existing !== 'object') {
        const where = steps.slice(0, i + 1).join('.');
        throw new InputError(
          'set',
          `"${key}" conflicts with an earlier line: ${where} is already a ${Array.isArray(existing) ? 'list' : typeof existing === 'object' ? 'map' : 'value'}`
        );
      }
      node = slot[step] as Node;
    }
  }
  fillHoles(root);
  return root;
}

/** `list[2]=x` alone leaves holes; YAML needs them as null, like helm's --set. */
function fillHoles(node: unknown): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      if (!(i in node)) node[i] = null;
      fillHoles(node[i]);
    }
  } else if (typeof node === 'object' && node !== null) {
    Object.values(node).forEach(fillHoles);
  }
}

export function setValuesYaml(pairs: Array<[string, string]>): string {
  return stringify(setValuesTree(pairs));
}

/** Writes the `set` lines as a values file in `dir`, or returns undefined when there are none. */
export async function writeSetValuesFile(
  pairs: Array<[string, string]>,
  dir: string
): Promise<string | undefined> {
  if (pairs.length === 0) return undefined;
  const file = path.join(dir, 'set-values.yaml');
  await writeFile(file, setValuesYaml(pairs), { mode: 0o600 });
  return file;
}
