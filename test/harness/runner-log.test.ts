import { expect, test } from '@jest/globals';
import { runnerLog } from './runner-log.js';

const show = (raw: string, debug = false) => {
  const log = runnerLog({ debug });
  return [...log.write(raw), ...log.flush()];
};

test.each([
  ['plain line', ['plain line']],
  ['::debug::hidden', []],
  ['::group::Build%0Aimage', ['▸ Build\nimage']],
  ['::endgroup::', []],
  ['::warning file=a.ts,line=3::look here', ['warning: look here']],
  ['::error::kubeconfig: bad', ['error: kubeconfig: bad']],
  ['::add-path::/opt/helm', []]
])('%j is shown as %j', (raw, want) => {
  expect(show(raw)).toEqual(want);
});

test('shows debug lines when step debug is on', () => {
  expect(show('::debug::details', true)).toEqual(['##[debug]details']);
});

test('masks registered secrets in every later line, longest first', () => {
  const raw = [
    '::add-mask::abc123',
    '::add-mask::abc123456',
    'token abc123456 and abc123',
    '::error::bad abc123'
  ];
  expect(show(raw.join('\n'))).toEqual(['token *** and ***', 'error: bad ***']);
});

test('joins lines split across chunks before applying commands', () => {
  const log = runnerLog();
  expect(log.write('::add-mask::hun')).toEqual([]);
  expect(log.write('ter2\nthe password is hunt')).toEqual([]);
  expect(log.write('er2\n')).toEqual(['the password is ***']);
});
