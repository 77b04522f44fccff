import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { parseSetPath, setValue, setValuesTree, writeSetValuesFile } from '../src/values-file.js';

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
    ]
  ])('%s', (key, want) => expect(parseSetPath(key)).toEqual(want));

  test.each([
    ['a..b', /has an empty part/],
    ['.a', /has an empty part/],
    ['a.', /has an empty part/],
    ['[0]', /indexes nothing/],
    ['a[-1]', /list index that is not \[N\]/],
    ['a[0]b', /needs a "." after a list index/]
  ])('refuses %s', (key, message) => expect(() => parseSetPath(key)).toThrow(message));
});

describe('set values keep what the user wrote', () => {
  test.each([
    ['hello, world', 'hello, world'],
    ['a=b=c', 'a=b=c'],
    ['"0123"', '0123'],
    ["'true'", 'true'],
    ['"quoted, with comma"', 'quoted, with comma'],
    ['say "hi"', 'say "hi"'],
    ['true', true],
    ['false', false],
    ['null', null],
    ['3', 3],
    ['-42', -42],
    ['999999', 999999],
    ['20240101', '20240101'], // helm would render a float64 as 2.0240101e+07
    ['0123', '0123'],
    ['1.5', '1.5'],
    ['14e4e52a839d8c116309971e387f2e7f72452374', '14e4e52a839d8c116309971e387f2e7f72452374'],
    ['', '']
  ])('%j', (text, want) => expect(setValue(text)).toEqual(want));
});

describe('set lines → values tree', () => {
  test.each([
    [
      [
        ['pythonApp.image', 'ghcr.io/o/app'],
        ['pythonApp.tag', 'abc']
      ],
      { pythonApp: { image: 'ghcr.io/o/app', tag: 'abc' } }
    ],
    [
      [
        ['list[0].name', 'a'],
        ['list[1].name', 'b']
      ],
      { list: [{ name: 'a' }, { name: 'b' }] }
    ],
    [[['list[2]', 'x']], { list: [null, null, 'x'] }],
    [
      [
        ['a', '1'],
        ['a', '2']
      ],
      { a: 2 }
    ],
    [[['args', 'a,b,c']], { args: 'a,b,c' }]
  ])('%j', (pairs, want) => expect(setValuesTree(pairs as Array<[string, string]>)).toEqual(want));

  test.each([
    [
      [
        ['a', 'x'],
        ['a.b', 'y']
      ],
      'set: "a.b" conflicts with an earlier line: a is already a value'
    ],
    [
      [
        ['a.b', 'x'],
        ['a[0]', 'y']
      ],
      'set: "a[0]" conflicts with an earlier line: a is already a map'
    ],
    [
      [
        ['a[0]', 'x'],
        ['a.b', 'y']
      ],
      'set: "a.b" conflicts with an earlier line: a is already a list'
    ]
  ])('refuses %j', (pairs, message) =>
    expect(() => setValuesTree(pairs as Array<[string, string]>)).toThrow(message)
  );
});

describe('the values file', () => {
  test('round-trips through YAML with commas, = and quotes intact, mode 0600', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'set-values-'));
    try {
      const file = await writeSetValuesFile(
        [
          ['pythonApp.tag', '14e4e52a'],
          ['message', 'Hello, "world" = 1: yes # not a comment'],
          ['replicas', '2']
        ],
        dir
      );
      expect(statSync(file!).mode & 0o777).toBe(0o600);
      expect(parse(readFileSync(file!, 'utf8'))).toEqual({
        pythonApp: { tag: '14e4e52a' },
        message: 'Hello, "world" = 1: yes # not a comment',
        replicas: 2
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('no set lines, no file', async () =>
    expect(await writeSetValuesFile([], os.tmpdir())).toBeUndefined());
});
