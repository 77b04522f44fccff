import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  describeSetTypes,
  helmKey,
  helmSetType,
  parseSetInput,
  parseSetPath,
  resolveSetValues,
  setArgs,
  setFilePaths,
  writeSetArgs,
  type SetValue
} from '../src/set-values.js';

describe('set key paths', () => {
  test.each([
    ['tag', ['tag']],
    ['pythonApp.tag', ['pythonApp', 'tag']],
    ['list[0]', ['list', 0]],
    ['list[1].name', ['list', 1, 'name']],
    ['matrix[0][2]', ['matrix', 0, 2]],
    [
      'service.annotations.service\\.beta\\.kubernetes\\.io/aws-load-balancer-type',
      ['service', 'annotations', 'service.beta.kubernetes.io/aws-load-balancer-type']
    ],
    ['a\\,b.c\\[0]', ['a,b', 'c[0]']],
    ['back\\\\slash', ['back\\slash']]
  ])('%s', (key, want) => expect(parseSetPath(key)).toEqual(want));

  test.each([
    ['a..b', /has an empty part/],
    ['.a', /has an empty part/],
    ['a.', /has an empty part/],
    ['[0]', /indexes nothing/],
    ['a[-1]', /list index that is not \[N\]/],
    ['a[0]b', /needs a "." after a list index/]
  ])('refuses %s', (key, message) => expect(() => parseSetPath(key)).toThrow(message));

  test.each<[string, Array<string | number>]>([
    ['a.b[0].c', ['a', 'b', 0, 'c']],
    ['a\\.b', ['a.b']],
    ['a\\,b\\=c\\[d\\\\e', ['a,b=c[d\\e']]
  ])('helmKey writes %s back for helm', (want, steps) => {
    expect(helmKey(steps)).toBe(want);
    expect(parseSetPath(helmKey(steps))).toEqual(steps);
  });
});

const value = (key: string, text: string, quoted = false): SetValue => ({
  key,
  path: parseSetPath(key),
  text,
  quoted
});

describe('set lines', () => {
  test.each<[string, SetValue[]]>([
    ['pythonApp.tag=abc', [value('pythonApp.tag', 'abc')]],
    ['a=b,c=d', [value('a', 'b,c=d')]],
    ['# comment\n\nlist[0].name=x', [value('list[0].name', 'x')]],
    ['svc\\.beta\\.io/type=nlb', [value('svc\\.beta\\.io/type', 'nlb')]],
    ['a\\=b=c', [value('a\\=b', 'c')]],
    ['msg= two spaces  ', [value('msg', ' two spaces')]],
    ['empty=', [value('empty', '')]],
    ['a="yes"', [value('a', 'yes', true)]],
    ["a='off'", [value('a', 'off', true)]],
    ['a=""', [value('a', '', true)]],
    ['a="x" and "y"', [value('a', 'x" and "y', true)]],
    ['a=say "hi"', [value('a', 'say "hi"')]],
    [
      'cert="-----BEGIN-----\n  abc\n\n# kept\n-----END-----"\nnext=1',
      [value('cert', '-----BEGIN-----\n  abc\n\n# kept\n-----END-----', true), value('next', '1')]
    ],
    ['a="\n"', [value('a', '\n', true)]],
    ['a=\'say "hi"\nand "bye"\'', [value('a', 'say "hi"\nand "bye"', true)]]
  ])('%j', (text, want) => expect(parseSetInput(text)).toEqual(want));

  test.each([
    ['novalue', /^set: line 1 "novalue" is not KEY=VALUE/],
    ['a=1\n=x', /^set: line 2 "=x" is not KEY=VALUE/],
    ['a\\=1', /is not KEY=VALUE/],
    ['a..b=1', /^set: key "a..b" has an empty part/],
    ['a[x]=1', /^set: key "a\[x\]" has a list index that is not \[N\]/],
    ['a="open\nb=2', /^set: line 1: the value of "a" opens a " quote that no line closes/],
    ["a='", /opens a ' quote that no line closes; end the value with '/],
    // a closing quote followed by more text: not a value that goes on, a mistake
    [
      'a="x" # the tag\nb="y"',
      /^set: line 1: the value of "a" has text after its closing "; a set line holds one value and no comment: write a="x"$/
    ],
    // a forgotten quote must not swallow the next lines
    [
      'a="x\nb="y"\nc=1',
      /^set: line 1: the value of "a" opens a " quote that is still open on line 2, which holds another "/
    ],
    ["a='it\nb='s'", /still open on line 2, which holds another '; .* with "$/]
  ])('refuses %j', (text, message) => expect(() => parseSetInput(text)).toThrow(message));
});

// helm's strvals typedVal; set-values-helm.test.ts checks every row against real helm.
describe('what --set makes of a value', () => {
  test.each<[string, string]>([
    ['true', 'bool'],
    ['FALSE', 'bool'],
    ['falſe', 'bool'],
    ['null', 'null'],
    ['nULL', 'null'],
    ['0', 'int64'],
    ['-0', 'int64'],
    ['+7', 'int64'],
    ['-01', 'int64'],
    ['9223372036854775807', 'int64'],
    ['-9223372036854775808', 'int64'],
    ['9223372036854775808', 'string'],
    ['017', 'string'],
    ['00', 'string'],
    ['1_000', 'string'],
    ['1e3', 'string'],
    ['٣', 'string'], // a non-ASCII digit: Go's ParseInt takes 0-9 only
    ['yes', 'string'],
    ['~', 'string'],
    ['', 'string'],
    ['+', 'string'],
    ['-', 'string'],
    ['truee', 'string']
  ])('%j → %s', (text, type) => expect(helmSetType(text)).toBe(type));
});

describe('a later line wins', () => {
  test.each<[SetValue[], SetValue[]]>([
    [[value('a', '1'), value('a', '2')], [value('a', '2')]],
    [[value('a.b', '1'), value('a.c', '2'), value('a', 'x')], [value('a', 'x')]],
    [[value('a', 'null'), value('a.b', '1')], [value('a.b', '1')]],
    [
      [value('l[0]', 'x'), value('l[2]', 'y')],
      [value('l[0]', 'x'), value('l[2]', 'y')]
    ],
    [
      [value('a.b', '1'), value('a.c', '2')],
      [value('a.b', '1'), value('a.c', '2')]
    ],
    [[value('a', '1', true), value('a', '2')], [value('a', '2')]]
  ])('%j', (values, want) => expect(resolveSetValues(values)).toEqual(want));

  test.each<[SetValue[], string]>([
    [
      [value('a', 'x'), value('a.b', 'y')],
      'set: "a.b" conflicts with an earlier line: a is already a value'
    ],
    [[value('a', '"null"', true), value('a.b', 'y')], 'a is already a value'],
    [
      [value('a.b', 'x'), value('a[0]', 'y')],
      'set: "a[0]" conflicts with an earlier line: a is already a map'
    ],
    [
      [value('a[0]', 'x'), value('a.b', 'y')],
      'set: "a.b" conflicts with an earlier line: a is already a list'
    ]
  ])('refuses %j', (values, message) => expect(() => resolveSetValues(values)).toThrow(message));
});

describe('helm arguments', () => {
  const values = [
    value('replicas', '2'),
    value('debug', 'TRUE'),
    value('gone', 'null'),
    value('tag', '0123'),
    value('level', 'off', true),
    value('a\\.b[1]', 'x,y')
  ];

  test('typed values on the command line, every string in a file', () =>
    expect(setArgs(values, (i) => `/t/set,dir/${i}`)).toEqual([
      '--set',
      'replicas=2',
      '--set',
      'debug=TRUE',
      '--set',
      'gone=null',
      '--set-file',
      'tag=/t/set\\,dir/3',
      '--set-file',
      'level=/t/set\\,dir/4',
      '--set-file',
      'a\\.b[1]=/t/set\\,dir/5'
    ]));

  test('the log names each key with its type, never a value', () =>
    expect(describeSetTypes(values)).toBe(
      'replicas (int64), debug (bool), gone (null), tag (string), level (string), a\\.b[1] (string)'
    ));

  test('the files hold each string byte for byte, 0600 in a 0700 directory', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'set-args-'));
    try {
      const multi = value('cert', 'line 1\n  line 2\n', true);
      const args = await writeSetArgs([value('n', '1'), multi], dir);
      expect(args).toEqual(['--set', 'n=1', '--set-file', `cert=${path.join(dir, 'set', '1')}`]);
      const file = path.join(dir, 'set', '1');
      expect(readFileSync(file, 'utf8')).toBe('line 1\n  line 2\n');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(path.join(dir, 'set')).mode & 0o777).toBe(0o700);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('no set lines, no arguments and no files', async () =>
    expect(await writeSetArgs([], '/nonexistent')).toEqual([]));
});

describe('the files a --set-file names', () => {
  test.each<[string, string[]]>([
    ['cfg=conf/app.txt', ['conf/app.txt']],
    ['a=x.txt,b=/etc/passwd', ['x.txt', '/etc/passwd']],
    ['a\\=b=f\\,g', ['f,g']],
    ['list={one.txt,two.txt}', ['one.txt', 'two.txt']],
    ['a=https://example.com/v.txt', []],
    ['a=-', []],
    ['a=', []]
  ])('%j → %j', (spec, want) => expect(setFilePaths(spec)).toEqual(want));
});
