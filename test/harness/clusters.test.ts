import { expect, test } from '@jest/globals';
import { clusterKind, clusterKinds } from './clusters.js';

test.each([
  [undefined, ['emulator', 'real']],
  ['emulator', ['emulator']],
  ['real', ['real']],
  [' real , emulator ', ['real', 'emulator']],
  ['emulator,', ['emulator']]
])('CLUSTER_KINDS=%p runs %p', (value, want) => {
  expect(clusterKinds(value === undefined ? {} : { CLUSTER_KINDS: value })).toEqual(want);
});

test.each([
  [
    'CLUSTER_KINDS',
    'emulator,kind',
    'CLUSTER_KINDS: "kind" is no cluster kind; kinds are: emulator, real'
  ],
  ['--cluster', 'eks', '--cluster: "eks" is no cluster kind; kinds are: emulator, real']
])('%s %p is refused, naming the kinds', (source, name, message) => {
  const read = () =>
    source === 'CLUSTER_KINDS' ? clusterKinds({ CLUSTER_KINDS: name }) : clusterKind(name, source);
  expect(read).toThrow(message);
});
