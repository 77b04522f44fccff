import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../shared/src/errors.js';

/** One step of a `set` key: a map key or a list index. */
type PathStep = string | number;

/**
 * `a.b[0].c` → ['a', 'b', 0, 'c']. A backslash takes the next character literally, as helm's
 * --set does, so annotation keys like `service\.beta\.kubernetes\.io/aws-load-balancer-type`
 * work (and `\,`, `\=`, `\[`, `\\` too).
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
    if (ch === '\\' && i + 1 < key.length) {
      current += key[++i];
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

/** One `set` line: the key as written, its path, and the value text with quotes removed. */
export interface SetValue {
  key: string;
  path: PathStep[];
  text: string;
  /** Written in quotes: always a string, as `--set-string` makes it. */
  quoted: boolean;
}

/**
 * `KEY=VALUE` lines; only the first `=` splits, and the value is kept as written (commas, `=`,
 * inner quotes, a leading space). A value in matching "…" or '…' is a string, and may span
 * lines: the lines up to the one that ends with the same quote, verbatim. Blank lines and
 * `#` lines between entries are skipped.
 */
export function parseSetInput(text: string): SetValue[] {
  const lines = text.split(/\r?\n/);
  const values: SetValue[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = /^(?:[^\\=]|\\.)*=/s.exec(line)?.[0].length ?? 0; // after the first unescaped =
    if (eq <= 1) {
      throw new InputError(
        'set',
        `line ${i + 1} "${line}" is not KEY=VALUE; write one KEY=VALUE per line`
      );
    }
    const key = line.slice(0, eq - 1).trim();
    let value = line.slice(eq);
    const quote = value[0];
    if (quote !== '"' && quote !== "'") {
      values.push({ key, path: parseSetPath(key), text: value, quoted: false });
      continue;
    }
    const first = i + 1;
    const bad = (why: string) =>
      new InputError('set', `line ${first}: the value of "${key}" ${why}`);
    if (value.length < 2 || !value.endsWith(quote)) {
      if (value.includes(quote, 1)) {
        throw bad(
          `has text after its closing ${quote}; a set line holds one value and no comment: write ${key}=${value.slice(0, value.indexOf(quote, 1) + 1)}`
        );
      }
      // Spans lines: up to the first line that ends with the quote. No other line may hold
      // it, so that a forgotten quote cannot swallow the lines after it without a word.
      for (;;) {
        if (++i >= lines.length) {
          throw bad(
            `opens a ${quote} quote that no line closes; end the value with ${quote}, or write it without quotes`
          );
        }
        const next: string = lines[i].trimEnd();
        const inner: string = next.endsWith(quote) ? next.slice(0, -1) : next;
        if (inner.includes(quote)) {
          throw bad(
            `opens a ${quote} quote that is still open on line ${i + 1}, which holds another ${quote}; close the value on its own line, or quote a value of several lines that holds ${quote} with ${quote === '"' ? "'" : '"'}`
          );
        }
        value += `\n${next}`;
        if (inner !== next) break;
      }
    }
    values.push({ key, path: parseSetPath(key), text: value.slice(1, -1), quoted: true });
  }
  return values;
}

/** Go's strings.EqualFold against a lower-case ASCII word: ſ (U+017F) folds to s, as in Go. */
function equalFold(text: string, word: string): boolean {
  const chars = [...text];
  return (
    chars.length === word.length &&
    chars.every((ch, i) => (ch === 'ſ' ? 's' : ch.toLowerCase()) === word[i])
  );
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

type HelmType = 'bool' | 'null' | 'int64' | 'string';

/**
 * What `helm --set` makes of a value: helm's strvals typedVal, rule for rule. true/false/null
 * in any case are a bool or null; 0, and base-10 int64s (sign allowed) that do not start with
 * 0, are int64; everything else (01, 1_000, 1e3, 0x1F, .inf, yes, off, ~) stays a string.
 */
export function helmSetType(text: string): HelmType {
  if (equalFold(text, 'true') || equalFold(text, 'false')) return 'bool';
  if (equalFold(text, 'null')) return 'null';
  if (text === '0') return 'int64';
  if (text !== '' && text[0] !== '0' && /^[+-]?\d+$/.test(text)) {
    const n = BigInt(text);
    if (n >= INT64_MIN && n <= INT64_MAX) return 'int64';
  }
  return 'string';
}

/** The type the value reaches the chart with: quoted is a string, else what --set makes of it. */
export function setValueType(value: SetValue): HelmType {
  return value.quoted ? 'string' : helmSetType(value.text);
}

const sameStep = (a: PathStep, b: PathStep) => a === b;
const kindOf = (step: PathStep) => (typeof step === 'number' ? 'list' : 'map');

/**
 * A later line wins, as the lines read top to bottom: one for the same key replaces it, one for
 * a parent replaces its children. What is left has no key under another, so helm's order of
 * --set before --set-file cannot change the result. A key under an earlier value, or a list
 * index where an earlier line made a map (or the reverse), is refused: helm would fail on it.
 */
export function resolveSetValues(values: SetValue[]): SetValue[] {
  let kept: SetValue[] = [];
  for (const value of values) {
    kept = kept.filter((earlier) => {
      const shared = Math.min(earlier.path.length, value.path.length);
      for (let i = 0; i < shared; i++) {
        if (sameStep(earlier.path[i], value.path[i])) continue;
        if (typeof earlier.path[i] !== typeof value.path[i]) {
          const where = value.path.slice(0, i).join('.');
          throw new InputError(
            'set',
            `"${value.key}" conflicts with an earlier line: ${where} is already a ${kindOf(earlier.path[i])}`
          );
        }
        return true; // different keys or indexes: both stay
      }
      // The new line goes under the earlier one: only an earlier null may become a map or list.
      if (earlier.path.length < value.path.length && setValueType(earlier) !== 'null') {
        throw new InputError(
          'set',
          `"${value.key}" conflicts with an earlier line: ${earlier.path.join('.')} is already a value`
        );
      }
      return false; // same key, a parent of it, or a null it replaces: the later line wins
    });
    kept.push(value);
  }
  return kept;
}

/** A key in helm's --set syntax: `\` escapes what its parser would split on. */
export function helmKey(steps: PathStep[]): string {
  return steps
    .map((step, i) =>
      typeof step === 'number'
        ? `[${step}]`
        : `${i === 0 ? '' : '.'}${step.replace(/[\\.[,=]/g, (ch) => `\\${ch}`)}`
    )
    .join('');
}

/** A value or file name as helm's --set parser reads it back: `\` and `,` escaped. */
function helmValue(text: string): string {
  return text.replace(/[\\,]/g, (ch) => `\\${ch}`);
}

/**
 * The helm arguments for the `set` lines: `--set key=value` for the bools, nulls and integers
 * --set types, `--set-file key=<file>` for every string, so that helm takes it byte for byte
 * and no string (a secret, perhaps) is on a command line. `fileFor(i)` names the i-th file. Pure.
 */
export function setArgs(values: SetValue[], fileFor: (index: number) => string): string[] {
  return values.flatMap((value, index) =>
    setValueType(value) === 'string'
      ? ['--set-file', `${helmKey(value.path)}=${helmValue(fileFor(index))}`]
      : ['--set', `${helmKey(value.path)}=${helmValue(value.text)}`]
  );
}

/** Writes each string value to its own 0600 file under `dir` and returns the helm arguments. */
export async function writeSetArgs(values: SetValue[], dir: string): Promise<string[]> {
  if (values.length === 0) return [];
  const setDir = path.join(dir, 'set');
  await mkdir(setDir, { recursive: true, mode: 0o700 });
  const fileFor = (index: number) => path.join(setDir, String(index));
  await Promise.all(
    values.map((value, index) =>
      setValueType(value) === 'string'
        ? writeFile(fileFor(index), value.text, { mode: 0o600 })
        : undefined
    )
  );
  return setArgs(values, fileFor);
}

/** For the log: each key with the type it reaches the chart as, never its value. */
export function describeSetTypes(values: SetValue[]): string {
  return values.map((value) => `${value.key} (${setValueType(value)})`).join(', ');
}

/**
 * The local files a `--set-file` value names, read as helm's parser reads it: `key=path`
 * items split on commas, `\` escaping, `{a,b}` lists. URLs (helm fetches them) are not files.
 */
export function setFilePaths(spec: string): string[] {
  const items: string[][] = [[]];
  let word = '';
  const flush = () => {
    items[items.length - 1].push(word);
    word = '';
  };
  for (let i = 0; i < spec.length; i++) {
    const ch = spec[i];
    if (ch === '\\' && i + 1 < spec.length) word += spec[++i];
    else if (ch === '=' && items[items.length - 1].length === 0) flush();
    else if (ch === ',' && !/^\{[^}]*$/.test(word)) {
      flush();
      items.push([]);
    } else word += ch;
  }
  flush();
  return items
    .map((item) => item[1])
    .filter((value): value is string => value !== undefined && value !== '')
    .flatMap((value) =>
      value.startsWith('{') ? value.replace(/^\{|\}$/g, '').split(',') : [value]
    )
    .filter((file) => file !== '' && file !== '-' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(file));
}
