import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { REPO_ROOT } from '../harness/runner.js';
import { lintDockerfile, RULES } from './dockerfile-lint.js';

// A Dockerfile that passes every rule; each row below breaks exactly one thing in it.
const GOOD = `ARG PYTHON_VERSION=3.11
FROM python:\${PYTHON_VERSION}-slim
ARG REVISION=""
LABEL org.opencontainers.image.source="" \\
      org.opencontainers.image.revision="\${REVISION}" \\
      org.opencontainers.image.created=""
WORKDIR /srv/www
COPY index.html ./
USER 10001:10001
EXPOSE 8000/tcp
STOPSIGNAL SIGINT
HEALTHCHECK --interval=30s CMD ["python3", "-c", "print(1)"]
ENTRYPOINT ["python3", "-m", "http.server"]
`;

const edit = (from: string, to: string) => {
  if (!GOOD.includes(from)) throw new Error(`test table: "${from}" is not in GOOD`);
  return GOOD.replace(from, to);
};

// [what is broken, the Dockerfile, the one rule that must fail, at this line]
const BROKEN: Array<[string, string, string, number]> = [
  [
    'a floating base tag',
    edit('FROM python:${PYTHON_VERSION}-slim', 'FROM python:3-slim'),
    'base-pinned-by-arg',
    2
  ],
  [
    'a major-only version',
    edit('PYTHON_VERSION=3.11', 'PYTHON_VERSION=3'),
    'base-pinned-by-arg',
    2
  ],
  [
    'latest as version',
    edit('PYTHON_VERSION=3.11', 'PYTHON_VERSION=latest'),
    'base-pinned-by-arg',
    2
  ],
  ['an undeclared arg', edit('PYTHON_VERSION=3.11', 'PY=3.11'), 'base-pinned-by-arg', 2],
  ['USER root', edit('USER 10001:10001', 'USER root'), 'user-numeric-non-root', 9],
  ['USER 0', edit('USER 10001:10001', 'USER 0:0'), 'user-numeric-non-root', 9],
  ['a named user', edit('USER 10001:10001', 'USER app'), 'user-numeric-non-root', 9],
  ['no USER', edit('USER 10001:10001\n', ''), 'user-numeric-non-root', 1],
  ['ADD of a local file', edit('COPY index.html', 'ADD index.html'), 'no-add', 8],
  [
    'a shell-form ENTRYPOINT',
    edit('["python3", "-m", "http.server"]', 'python3 -m http.server'),
    'entrypoint-exec-form',
    13
  ],
  [
    'no ENTRYPOINT',
    edit('ENTRYPOINT ["python3", "-m", "http.server"]\n', ''),
    'entrypoint-exec-form',
    1
  ],
  [
    'no HEALTHCHECK',
    edit('HEALTHCHECK --interval=30s CMD ["python3", "-c", "print(1)"]\n', ''),
    'healthcheck-present',
    1
  ],
  [
    'HEALTHCHECK NONE',
    edit('HEALTHCHECK --interval=30s CMD ["python3", "-c", "print(1)"]', 'HEALTHCHECK NONE'),
    'healthcheck-present',
    12
  ],
  [
    'a shell-form HEALTHCHECK',
    edit('CMD ["python3", "-c", "print(1)"]', 'CMD python3 -c "print(1)"'),
    'healthcheck-present',
    12
  ],
  ['no STOPSIGNAL', edit('STOPSIGNAL SIGINT\n', ''), 'stopsignal-sigint', 1],
  ['STOPSIGNAL SIGTERM', edit('STOPSIGNAL SIGINT', 'STOPSIGNAL SIGTERM'), 'stopsignal-sigint', 11],
  [
    'no revision label',
    edit('org.opencontainers.image.revision=', 'org.example.revision='),
    'oci-labels',
    1
  ],
  ['no EXPOSE', edit('EXPOSE 8000/tcp\n', ''), 'expose-declared', 1]
];

describe('Dockerfile lint', () => {
  test('image/Dockerfile passes every rule', () => {
    const text = readFileSync(path.join(REPO_ROOT, 'image', 'Dockerfile'), 'utf8');
    expect(lintDockerfile(text)).toEqual([]);
  });

  test('the reference Dockerfile passes every rule', () => {
    expect(lintDockerfile(GOOD)).toEqual([]);
  });

  test.each(BROKEN)('flags %s', (_name, dockerfile, rule, line) => {
    const found = lintDockerfile(dockerfile).map((finding) => [finding.rule, finding.line]);
    expect(found).toEqual([[rule, line]]);
  });

  test('every rule has a row above that breaks it', () => {
    expect(new Set(BROKEN.map((row) => row[2]))).toEqual(new Set(Object.keys(RULES)));
  });
});
