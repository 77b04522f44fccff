import { afterEach, describe, expect, test } from '@jest/globals';
import {
  parseBoolean,
  parseKeyValueLines,
  parseLines,
  rawInput,
  requiredInput
} from '../src/inputs.js';

describe('parseBoolean', () => {
  test.each([
    ['', true, true],
    ['', false, false],
    ['true', false, true],
    ['True', false, true],
    ['TRUE', false, true],
    ['false', true, false],
    ['False', true, false],
    ['FALSE', true, false]
  ])('"%s" with default %s → %s', (text, fallback, want) => {
    expect(parseBoolean('push', text, fallback)).toBe(want);
  });

  test.each(['yes', '1', 'tRue', 'on'])('"%s" is an error naming the input', (text) => {
    expect(() => parseBoolean('push', text, true)).toThrow(
      `push: must be true or false, got "${text}"`
    );
  });
});

test.each([
  ['a\nb', ['a', 'b']],
  ['  a  \r\n\r\n b', ['a', 'b']],
  ['# comment\na\n  # indented comment', ['a']],
  ['', []]
])('parseLines(%j)', (text, want) => expect(parseLines(text)).toEqual(want));

describe('parseKeyValueLines', () => {
  test.each([
    [
      'A=1\nB=2',
      [
        ['A', '1'],
        ['B', '2']
      ]
    ],
    ['URL=https://x/?a=b&c=d', [['URL', 'https://x/?a=b&c=d']]],
    ['LIST=a,b,c', [['LIST', 'a,b,c']]],
    ['EMPTY=', [['EMPTY', '']]],
    [' KEY = "quoted value" ', [['KEY', ' "quoted value"']]],
    [
      'A=1\nA=2',
      [
        ['A', '1'],
        ['A', '2']
      ]
    ]
  ])('%j', (text, want) => expect(parseKeyValueLines('labels', text)).toEqual(want));

  test.each([
    ['novalue', /^labels: line 1 "novalue" is not KEY=VALUE/],
    ['A=1\n=2', /^labels: line 2 "=2" is not KEY=VALUE/]
  ])('%j is an error', (text, message) => {
    expect(() => parseKeyValueLines('labels', text)).toThrow(message);
  });
});

describe('rawInput and requiredInput read INPUT_<NAME> (hyphens kept) like the runner sets them', () => {
  afterEach(() => {
    delete process.env['INPUT_SKIP-EXISTING'];
  });
  test.each([
    ['  value \n', 'value'],
    ['', '']
  ])('%j → %j', (value, want) => {
    process.env['INPUT_SKIP-EXISTING'] = value;
    expect(rawInput('skip-existing')).toBe(want);
  });

  test('requiredInput names the input and the hint', () => {
    process.env['INPUT_SKIP-EXISTING'] = '';
    expect(() => requiredInput('skip-existing', 'set it')).toThrow(
      'skip-existing: is required but empty; set it'
    );
    process.env['INPUT_SKIP-EXISTING'] = 'x';
    expect(requiredInput('skip-existing', 'set it')).toBe('x');
  });
});
