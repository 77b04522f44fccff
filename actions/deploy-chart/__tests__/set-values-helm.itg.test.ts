// `set` through real helm 3.17.2 and 4.1.4: every tricky value, written as a user writes it in
// the set input, reaches the chart with the same type and value as `helm --set` (unquoted) or
// `helm --set-string` (quoted) gives it. A probe chart prints kindOf and toJson of each value.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { HELM_VERSIONS, helmPath } from '../../../test/harness/rigs/helm.js';
import { parseSetLines } from '../src/inputs.js';
import { setValueType, writeSetArgs } from '../src/set-values.js';

const run = promisify(execFile);

/**
 * [as written after `probe.kN=` in the set input, the helm flag a user would use for it, the
 * value as that flag takes it (escaped by hand where helm's parser splits), the kindOf helm
 * renders — `invalid` for a null].
 */
type Row = [written: string, flag: '--set' | '--set-string', arg: string, kind: string];
const ROWS: Row[] = [
  // YAML 1.1 booleans: words, not booleans, for --set
  ...['yes', 'Yes', 'YES', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF'].map(
    (word): Row => [word, '--set', word, 'string']
  ),
  ['y', '--set', 'y', 'string'],
  ['Y', '--set', 'Y', 'string'],
  ['n', '--set', 'n', 'string'],
  ['N', '--set', 'N', 'string'],
  // what --set does type: true/false/null in any case (Go's EqualFold: ſ folds to s)
  ['true', '--set', 'true', 'bool'],
  ['True', '--set', 'True', 'bool'],
  ['TRUE', '--set', 'TRUE', 'bool'],
  ['tRuE', '--set', 'tRuE', 'bool'],
  ['false', '--set', 'false', 'bool'],
  ['FALSE', '--set', 'FALSE', 'bool'],
  ['falſe', '--set', 'falſe', 'bool'],
  ['null', '--set', 'null', 'invalid'],
  ['Null', '--set', 'Null', 'invalid'],
  ['NULL', '--set', 'NULL', 'invalid'],
  ['~', '--set', '~', 'string'],
  // numbers: only base-10 int64s without a leading 0
  ['0', '--set', '0', 'int64'],
  ['42', '--set', '42', 'int64'],
  ['+1', '--set', '+1', 'int64'],
  ['-0', '--set', '-0', 'int64'],
  ['-01', '--set', '-01', 'int64'],
  ['20240101', '--set', '20240101', 'int64'],
  ['9223372036854775807', '--set', '9223372036854775807', 'int64'],
  ['9223372036854775808', '--set', '9223372036854775808', 'string'],
  ['123456789012345678901234567890', '--set', '123456789012345678901234567890', 'string'],
  ['017', '--set', '017', 'string'],
  ['00', '--set', '00', 'string'],
  ['0x1F', '--set', '0x1F', 'string'],
  ['0o17', '--set', '0o17', 'string'],
  ['1e3', '--set', '1e3', 'string'],
  ['1_000', '--set', '1_000', 'string'],
  ['1.5', '--set', '1.5', 'string'],
  ['1:20', '--set', '1:20', 'string'],
  ['.inf', '--set', '.inf', 'string'],
  ['-.Inf', '--set', '-.Inf', 'string'],
  ['.nan', '--set', '.nan', 'string'],
  ['.NaN', '--set', '.NaN', 'string'],
  // dates and YAML syntax characters
  ['2024-01-01', '--set', '2024-01-01', 'string'],
  ['2001-12-14t21:59:43.10-05:00', '--set', '2001-12-14t21:59:43.10-05:00', 'string'],
  ['@scope', '--set', '@scope', 'string'],
  ['*alias', '--set', '*alias', 'string'],
  ['&anchor', '--set', '&anchor', 'string'],
  ['!tag', '--set', '!tag', 'string'],
  ['%directive', '--set', '%directive', 'string'],
  ['<<', '--set', '<<', 'string'],
  ['#not-a-comment', '--set', '#not-a-comment', 'string'],
  ['- item', '--set', '- item', 'string'],
  ['key: value', '--set', 'key: value', 'string'],
  ['[a]', '--set', '[a]', 'string'],
  ['{a: b}', '--set', '\\{a: b}', 'string'], // helm's {…} list syntax is not read: the text stays
  ['{a,b}', '--set', '\\{a\\,b}', 'string'],
  ['héllo wörld ✓', '--set', 'héllo wörld ✓', 'string'],
  // spaces, empties, commas, equals signs, backslashes, quotes inside
  [' leading space', '--set', ' leading space', 'string'],
  ['', '--set', '', 'string'],
  ['a,b,c', '--set', 'a\\,b\\,c', 'string'],
  ['a=b=c', '--set', 'a=b=c', 'string'],
  ['C:\\dir\\new', '--set', 'C:\\\\dir\\\\new', 'string'],
  ['say "hi"', '--set', 'say "hi"', 'string'],
  ["it's", '--set', "it's", 'string'],
  // quoted: a string, whatever --set would have made of it
  ['"yes"', '--set-string', 'yes', 'string'],
  ["'off'", '--set-string', 'off', 'string'],
  ['"true"', '--set-string', 'true', 'string'],
  ['"null"', '--set-string', 'null', 'string'],
  ["'0123'", '--set-string', '0123', 'string'],
  ['"42"', '--set-string', '42', 'string'],
  ['""', '--set-string', '', 'string'],
  ['"  both sides  "', '--set-string', '  both sides  ', 'string'],
  ['"{a,b}"', '--set-string', '\\{a\\,b}', 'string'],
  [
    '"first line\nsecond line\n  indented"',
    '--set-string',
    'first line\nsecond line\n  indented',
    'string'
  ],
  ['\'a "quoted" word\'', '--set-string', 'a "quoted" word', 'string']
];

/** Keys helm's --set syntax treats specially, with the flags a helm user would write. */
type KeyRow = [line: string, args: string[], key: string];
const KEY_ROWS: KeyRow[] = [
  ['probe.dotted\\.key=off', ['--set', 'probe.dotted\\.key=off'], 'dotted.key'],
  ['probe.list[0]=x', ['--set', 'probe.list[0]=x'], 'list'],
  ['probe.list[2]=3', ['--set', 'probe.list[2]=3'], 'list'],
  ['probe.nested.map[1].name=on', ['--set', 'probe.nested.map[1].name=on'], 'nested'],
  ['probe.comma\\,key=1', ['--set', 'probe.comma\\,key=1'], 'comma,key'],
  ['probe.equals\\=key=a=b', ['--set', 'probe.equals\\=key=a=b'], 'equals=key'],
  ['probe.back\\\\slash=1', ['--set', 'probe.back\\\\slash=1'], 'back\\slash'],
  ['probe.bracket\\[0]=1', ['--set', 'probe.bracket\\[0]=1'], 'bracket[0]']
];

const CHART_FILES: Record<string, string> = {
  'Chart.yaml': 'apiVersion: v2\nname: probe\nversion: 0.1.0\n',
  'values.yaml': 'probe: {}\n',
  'templates/probe.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: probe
data:
{{- range $key, $value := .Values.probe }}
  {{ $key | quote }}: {{ printf "%s %s" (kindOf $value) (toJson $value) | quote }}
{{- end }}
`
};

const key = (i: number) => `k${String(i).padStart(2, '0')}`;
const setInput = [
  ...ROWS.map(([written], i) => `probe.${key(i)}=${written}`),
  ...KEY_ROWS.map(([line]) => line)
].join('\n');
const referenceArgs = [
  ...ROWS.flatMap(([, flag, arg], i) => [flag, `probe.${key(i)}=${arg}`]),
  ...KEY_ROWS.flatMap(([, args]) => args)
];

let dir: string;
let chart: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'set-values-helm-'));
  chart = path.join(dir, 'chart');
  for (const [file, text] of Object.entries(CHART_FILES)) {
    mkdirSync(path.dirname(path.join(chart, file)), { recursive: true });
    writeFileSync(path.join(chart, file), text);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The probe ConfigMap's data: key → "kindOf toJson". */
async function render(helm: string, args: string[]): Promise<Record<string, string>> {
  const { stdout } = await run(helm, ['template', 'probe', chart, ...args]);
  return (parse(stdout) as { data?: Record<string, string> }).data ?? {};
}

test('the table has at least 40 values, each on its own key', () => {
  expect(ROWS.length).toBeGreaterThanOrEqual(40);
  expect(parseSetLines(setInput)).toHaveLength(ROWS.length + KEY_ROWS.length);
});

describe.each(HELM_VERSIONS)('helm %s', (version) => {
  let ours: Record<string, string>;
  let reference: Record<string, string>;
  beforeAll(async () => {
    const helm = helmPath(version);
    const values = parseSetLines(setInput);
    const args = await writeSetArgs(values, mkdtempSync(path.join(dir, `${version}-`)));
    [ours, reference] = await Promise.all([render(helm, args), render(helm, referenceArgs)]);
  });

  test.each(ROWS.map((row, i) => [JSON.stringify(row[0]), row, i] as const))(
    '%s',
    (_name, [written, , , kind], i) => {
      const got = ours[key(i)];
      expect(got).toBe(reference[key(i)]);
      expect(got.split(' ')[0]).toBe(kind);
      // The type the action reports in its log is the one helm rendered.
      const [value] = parseSetLines(`probe.x=${written}`);
      expect(setValueType(value)).toBe(kind === 'invalid' ? 'null' : kind);
    }
  );

  test.each(KEY_ROWS)('key %s', (_line, _args, name) => {
    expect(ours[name]).toBeDefined();
    expect(ours[name]).toBe(reference[name]);
  });

  test('nothing more, nothing less than --set gives', () => expect(ours).toEqual(reference));
});
