import { describe, expect, test } from '@jest/globals';
import { githubContext, parseInputs, parseList, type GitHubContext } from '../src/inputs.js';
import { flatWorkspace } from './fakes.js';

const github: GitHubContext = {
  repository: 'Example-Org/Demo-App',
  sha: '0123456789abcdef0123456789abcdef01234567',
  actor: 'octocat',
  serverUrl: 'https://github.com',
  eventName: 'push'
};

const reader =
  (values: Record<string, string>) =>
  (name: string): string =>
    values[name] ?? '';

const withPassword = (values: Record<string, string> = {}) =>
  reader({ password: 'token-value', ...values });

describe('parseInputs defaults', () => {
  const inputs = parseInputs(withPassword(), github, flatWorkspace);
  test.each([
    ['image', inputs.image.name, 'ghcr.io/example-org/demo-app'],
    ['loweredFrom', inputs.loweredFrom, 'ghcr.io/Example-Org/Demo-App'],
    ['tags', inputs.tags, [github.sha]],
    ['context', inputs.context, '/ws/image'],
    ['file', inputs.file, '/ws/image/Dockerfile'],
    ['push', inputs.push, true],
    ['username', inputs.username, 'octocat'],
    ['skipExisting', inputs.skipExisting, true],
    ['force', inputs.force, false],
    ['provenance', inputs.provenance, false],
    ['platforms', inputs.platforms, []],
    ['labels', inputs.labels, []],
    ['buildArgs', inputs.buildArgs, []]
  ])('%s', (_, got, want) => expect(got).toEqual(want));
});

describe('parseInputs values', () => {
  test.each([
    [{ tag: 'v1', tags: 'latest, v1\nstable' }, 'tags', ['v1', 'latest', 'stable']],
    [{ context: 'app' }, 'file', '/ws/app/Dockerfile'],
    [{ context: 'app', file: 'Containerfile' }, 'file', '/ws/Containerfile'],
    [{ context: '/runner/temp/ctx' }, 'context', '/runner/temp/ctx'],
    [{ file: '/runner/temp/Dockerfile' }, 'file', '/runner/temp/Dockerfile'],
    [
      { 'build-args': 'A=1\nB=x,y=z' },
      'buildArgs',
      [
        ['A', '1'],
        ['B', 'x,y=z']
      ]
    ],
    [{ labels: 'org.example/team=a=b, c' }, 'labels', [['org.example/team', 'a=b, c']]],
    [{ platforms: 'linux/amd64,linux/arm64/v8' }, 'platforms', ['linux/amd64', 'linux/arm64/v8']],
    [{ push: 'false', password: '' }, 'push', false],
    [{ force: 'true' }, 'force', true],
    [{ 'skip-existing': 'False' }, 'skipExisting', false],
    [{ username: 'bot' }, 'username', 'bot']
  ])('%j sets %s', (values, key, want) => {
    expect(
      parseInputs(withPassword(values), github, flatWorkspace)[
        key as keyof ReturnType<typeof parseInputs>
      ]
    ).toEqual(want);
  });

  test('no upper case, no notice', () => {
    expect(
      parseInputs(withPassword({ image: 'ghcr.io/o/app' }), github, flatWorkspace).loweredFrom
    ).toBeUndefined();
  });
});

describe('parseInputs errors name the input and the fix', () => {
  test.each([
    [
      {},
      { ...github, repository: '' },
      /^image: is empty and GITHUB_REPOSITORY is not set; set image:/
    ],
    [{}, { ...github, sha: '' }, /^tag: is empty and GITHUB_SHA is not set/],
    [{ tag: '-x' }, github, /^tag: "-x" is not a valid tag/],
    [{ tags: 'ok, bad tag' }, github, /^tags: "bad tag"/],
    [{ image: 'ghcr.io/o/App:v1' }, github, /^image: .* has a tag/],
    [{ platforms: 'amd64' }, github, /^platforms: "amd64" is not os\/arch/],
    [{ push: 'yes' }, github, /^push: must be true or false, got "yes"/],
    [{ 'build-args': 'NOVALUE' }, github, /^build-args: line 1 "NOVALUE" is not KEY=VALUE/],
    [{ password: '' }, github, /^password: is empty; pass a token .*secrets.GITHUB_TOKEN/],
    [{}, { ...github, actor: '' }, /^username: is empty and GITHUB_ACTOR is not set/],
    // an outside file would be sent to the builder and could end up in the image
    [{ context: '..' }, github, /^context: "\.\." resolves to \/, outside the workspace \(\/ws\)/],
    [{ context: '/home/runner/.ssh' }, github, /^context: "\/home\/runner\/\.ssh" resolves to/],
    [
      { file: '../Dockerfile' },
      github,
      /^file: "\.\.\/Dockerfile" resolves to \/Dockerfile, outside/
    ],
    [
      { context: 'image', file: '/etc/passwd' },
      github,
      /^file: .* and RUNNER_TEMP; use a path inside/
    ]
  ])('%j', (values, context, message) => {
    expect(() => parseInputs(withPassword(values), context, flatWorkspace)).toThrow(message);
  });
});

test.each([
  ['a, b\nc', ['a', 'b', 'c']],
  ['# comment\n a ,, b ', ['a', 'b']],
  ['', []]
])('parseList(%j)', (text, want) => expect(parseList(text)).toEqual(want));

test('githubContext reads the runner variables with a github.com default', () => {
  expect(
    githubContext({
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_SHA: 's',
      GITHUB_ACTOR: 'a',
      GITHUB_EVENT_NAME: 'push'
    })
  ).toEqual({
    repository: 'o/r',
    sha: 's',
    actor: 'a',
    serverUrl: 'https://github.com',
    eventName: 'push'
  });
});
