import { expect, test } from '@jest/globals';
import { renderMarkdown } from '../lib/terminal-markdown.js';

test.each([
  ['## Deployed', 'Deployed'],
  ['**bold** and `code`', 'bold and code'],
  ['[open](http://a.example)', 'open <http://a.example>'],
  ['line<br>break', 'line break'],
  ['<details><summary>Logs</summary>', 'Logs'],
  ['```\ndocker pull x\n```', 'docker pull x']
])('renders %j as %j', (markdown, want) => {
  expect(renderMarkdown(markdown)).toBe(want);
});

test('aligns a table and drops its separator row', () => {
  const table = ['| key | value |', '| --- | --- |', '| revision | 2 |', '| a\\|b | `x` |'].join(
    '\n'
  );
  expect(renderMarkdown(table).split('\n')).toEqual([
    '  key       value',
    '  revision  2',
    '  a|b       x'
  ]);
});
