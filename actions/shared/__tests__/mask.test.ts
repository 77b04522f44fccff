import { expect, test } from '@jest/globals';
import { secretForms } from '../src/mask.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test.each<[string, string[]]>([
  ['', []],
  ['  ', []],
  ['abc', ['abc']],
  ['abcd', ['abcd', b64('abcd'), 'YWJjZA', 'YWJjZA']],
  [' token-1 ', ['token-1', b64('token-1'), 'dG9rZW4tMQ', 'dG9rZW4tMQ']],
  [
    'line-one\nab\nline-three',
    ['line-one\nab\nline-three', 'line-one', 'line-three', b64('line-one\nab\nline-three')]
  ]
])('secretForms(%j) covers %j', (value, want) => {
  const forms = secretForms(value);
  for (const form of want) expect(forms).toContain(form);
  expect(forms).not.toContain('');
  expect(forms).not.toContain('ab');
});

test('base64url differs from base64 where + and / appear, and both are masked', () => {
  const value = '>>>???';
  const forms = secretForms(value);
  expect(forms).toContain(Buffer.from(value).toString('base64'));
  expect(forms).toContain(Buffer.from(value).toString('base64url'));
});
