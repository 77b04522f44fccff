import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appendSummary, cell, markdownTable } from '../src/summary.js';

test.each([
  ['plain', 'plain'],
  ['a|b', 'a\\|b'],
  ['one\ntwo', 'one<br>two'],
  ['one\r\ntwo', 'one<br>two']
])('cell(%j) = %j', (text, want) => expect(cell(text)).toBe(want));

test.each<[string[], string[][], string]>([
  [['A', 'B'], [], '| A | B |\n| --- | --- |'],
  [
    ['K', 'V'],
    [
      ['x', 'a|b'],
      ['y', 'l1\nl2']
    ],
    '| K | V |\n| --- | --- |\n| x | a\\|b |\n| y | l1<br>l2 |'
  ]
])('markdownTable(%j)', (header, rows, want) => expect(markdownTable(header, rows)).toBe(want));

describe('appendSummary', () => {
  const saved = process.env.GITHUB_STEP_SUMMARY;
  afterEach(() => {
    if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
    else process.env.GITHUB_STEP_SUMMARY = saved;
  });

  test('appends to the runner summary file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'summary-'));
    const file = path.join(dir, 'summary.md');
    writeFileSync(file, 'before\n');
    process.env.GITHUB_STEP_SUMMARY = file;
    await appendSummary('### after');
    expect(readFileSync(file, 'utf8')).toBe('before\n### after\n');
    rmSync(dir, { recursive: true, force: true });
  });

  test('does nothing outside a runner', async () => {
    delete process.env.GITHUB_STEP_SUMMARY;
    await expect(appendSummary('x')).resolves.toBeUndefined();
  });
});
