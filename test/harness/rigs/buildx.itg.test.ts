import { describe, expect, test } from '@jest/globals';
import { buildkitdConfig } from './buildx.js';

describe('buildkitdConfig', () => {
  test('one OCI worker, plain HTTP only to the registries named', () => {
    expect(buildkitdConfig(['127.0.0.1:5000'])).toBe(
      [
        '[worker.oci]',
        '  enabled = true',
        '[worker.containerd]',
        '  enabled = false',
        '[registry."127.0.0.1:5000"]',
        '  http = true',
        '  insecure = true',
        ''
      ].join('\n')
    );
  });
});
