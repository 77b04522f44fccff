import { expect, test } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { forwardTerminationSignals } from '../../src/cluster/signals.js';
import { captureStdout } from './capture-stdout.js';

const stdout = captureStdout();

test('forwards SIGINT and SIGTERM, remembers the first, and lets go on dispose', () => {
  const source = new EventEmitter();
  const forwarded: string[] = [];
  const forwarding = forwardTerminationSignals((signal) => forwarded.push(signal), source);
  expect(forwarding.received).toBeUndefined();

  source.emit('SIGINT', 'SIGINT');
  source.emit('SIGTERM', 'SIGTERM');
  expect(forwarded).toEqual(['SIGINT', 'SIGTERM']);
  expect(forwarding.received).toBe('SIGINT');
  expect(stdout.chunks.filter((line) => line.startsWith('::warning::'))).toHaveLength(1);

  forwarding.dispose();
  expect(source.listenerCount('SIGINT') + source.listenerCount('SIGTERM')).toBe(0);
});
