import { describe, expect, test } from '@jest/globals';
import { daemonlessConfig, qualifiedName } from './daemonless.js';

describe('qualifiedName', () => {
  test.each([
    ['python:3.11-slim', 'docker.io/library/python:3.11-slim'],
    ['bitnami/python:3.11', 'docker.io/bitnami/python:3.11'],
    ['ghcr.io/o/python:3.11', 'ghcr.io/o/python:3.11'],
    ['127.0.0.1:5000/python:3.11', '127.0.0.1:5000/python:3.11'],
    ['localhost/python:3.11', 'localhost/python:3.11']
  ])('%s → %s', (name, want) => expect(qualifiedName(name)).toBe(want));
});

describe('daemonlessConfig', () => {
  const files = daemonlessConfig('/tmp/d', 'overlay');

  test('keeps storage, run state and events inside the rig dir', () => {
    expect(files['storage.conf']).toContain('driver = "overlay"');
    expect(files['storage.conf']).toContain('graphroot = "/tmp/d/storage"');
    expect(files['storage.conf']).toContain('runroot = "/tmp/d/run"');
    expect(files['containers.conf']).toContain('events_logfile_path = "/tmp/d/events.log"');
    expect(files['containers.conf']).toContain('tmp_dir = "/tmp/d/libpod-tmp"');
  });

  test('never searches a registry for a short name', () =>
    expect(files['registries.conf']).toContain('unqualified-search-registries = []'));
});
