// The kubeconfig input before it is normalized: a YAML mistake made while adding the AWS keys
// by hand is reported as invalid YAML with its position (base64 or raw), never quoted, and
// every secret in the input is masked before anything else happens, even when it is broken.
import { describe, expect, test } from '@jest/globals';
import {
  kubeconfigSecrets,
  parseKubeconfigInput,
  readKubeconfigInput
} from '../src/kubeconfig-input.js';
import { captureStdout } from './cluster/capture-stdout.js';

const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

/** The README's exec user with the keys added by hand; `envLines` are the env entries. */
function handEdited(envLines: string[]): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- cluster:',
    '    server: https://ABC.gr7.eu-west-1.eks.amazonaws.com',
    '  name: eks',
    'contexts:',
    '- context: {cluster: eks, user: ci}',
    '  name: eks',
    'current-context: eks',
    'users:',
    '- name: ci',
    '  user:',
    '    exec:',
    '      apiVersion: client.authentication.k8s.io/v1beta1',
    '      command: aws',
    '      args: [eks, get-token, --cluster-name, eks]',
    '      env:',
    ...envLines,
    ''
  ].join('\n');
}

const GOOD_ENV = [
  '        - name: AWS_ACCESS_KEY_ID',
  '          value: AKIAIOSFODNN7EXAMPLE',
  '        - name: AWS_SECRET_ACCESS_KEY',
  `          value: ${SECRET_KEY}`
];
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('a kubeconfig with a YAML syntax error', () => {
  const cases: Array<[string, string[], number, number, RegExp]> = [
    [
      'a tab before the secret key',
      [...GOOD_ENV.slice(0, 3), `\t  value: ${SECRET_KEY}`],
      22,
      1,
      /a tab indents the line; YAML indents with spaces only/
    ],
    [
      'an env entry indented one column less',
      [...GOOD_ENV.slice(0, 2), '       - name: AWS_SECRET_ACCESS_KEY', GOOD_ENV[3]],
      21,
      1,
      /indented more than the entries around it|indented differently/
    ],
    [
      'a value with ": " in it',
      [...GOOD_ENV.slice(0, 3), `          value: ${SECRET_KEY}: x`],
      22,
      18,
      /holds ": " \(quote it\)/
    ],
    [
      'an unclosed quote',
      [...GOOD_ENV.slice(0, 3), `          value: "${SECRET_KEY}`],
      23,
      1,
      /closing quote or bracket.* is missing; it is on the last line: if the secret was cut short/
    ]
  ];

  test.each(cases)('%s, base64: says where, of the decoded text', (_name, env, line, col, why) => {
    const raw = b64(handEdited(env));
    const error = (() => {
      try {
        parseKubeconfigInput(raw);
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('accepted');
    })();
    expect(error.message).toMatch(
      new RegExp(
        `^kubeconfig: is not valid YAML at line ${line}, column ${col} of the decoded kubeconfig: `
      )
    );
    expect(error.message).toMatch(why);
    expect(error.message).toMatch(/spaces, not tabs/);
    expect(error.message).not.toMatch(/looks like base64|re-encode/);
    expect(error.message).not.toContain(SECRET_KEY);
    expect(error.message).not.toContain('AKIA');
  });

  test.each(cases)('%s, raw YAML: says where', (_name, env, line, col, why) => {
    expect(() => parseKubeconfigInput(handEdited(env))).toThrow(
      new RegExp(
        `^kubeconfig: is not valid YAML at line ${line}, column ${col} of the kubeconfig: `
      )
    );
    expect(() => parseKubeconfigInput(handEdited(env))).toThrow(why);
  });

  test('a second YAML document ("---") is named as such', () => {
    expect(() => parseKubeconfigInput(`${handEdited(GOOD_ENV)}---\nkind: Config\n`)).toThrow(
      /at line 23, column 1 of the kubeconfig: a "---" line starts a second YAML document/
    );
  });

  test('the same document without the mistake is accepted', () => {
    expect(parseKubeconfigInput(b64(handEdited(GOOD_ENV))).encoding).toBe('base64');
    expect(parseKubeconfigInput(handEdited(GOOD_ENV)).encoding).toBe('yaml');
  });

  test('text with no kubeconfig key in it is still "not a kubeconfig", not a YAML lesson', () => {
    expect(() => parseKubeconfigInput(b64('%%% not: [valid'))).toThrow(
      /looks like base64 but does not decode to a kubeconfig/
    );
    expect(() => parseKubeconfigInput('%%% not: [valid')).toThrow(
      /is neither base64 nor a kubeconfig YAML/
    );
  });
});

describe('kubeconfigSecrets reads every user leniently', () => {
  test.each<[string, unknown, string[]]>([
    ['no users', { clusters: [] }, []],
    ['users that is not a list', { users: { token: 'x' } }, []],
    [
      'a malformed entry beside a good one',
      { users: ['junk', { name: 'a' }, { name: 'b', user: { token: 'tok-b' } }] },
      ['tok-b']
    ],
    [
      'exec env: keys, not regions',
      {
        users: [
          {
            user: {
              exec: {
                env: [
                  { name: 'AWS_SECRET_ACCESS_KEY', value: SECRET_KEY },
                  { name: 'AWS_REGION', value: 'eu-west-1' }
                ]
              }
            }
          }
        ]
      },
      [SECRET_KEY]
    ]
  ])('%s', (_name, doc, want) => expect(kubeconfigSecrets(doc)).toEqual(want));
});

describe('readKubeconfigInput masks first', () => {
  const stdout = captureStdout();

  test('a valid kubeconfig: the blob and every secret are masked', () => {
    const raw = b64(handEdited(GOOD_ENV));
    readKubeconfigInput(raw);
    const masked = stdout.text();
    expect(masked).toContain(`::add-mask::${raw}\n`);
    expect(masked).toContain(`::add-mask::${SECRET_KEY}\n`);
    expect(masked).toContain('::add-mask::AKIAIOSFODNN7EXAMPLE\n');
  });

  test('a broken kubeconfig: what parses of it is masked before the error', () => {
    // The tab breaks the second entry; the first key is still read, and masked.
    const raw = handEdited([...GOOD_ENV.slice(0, 3), `\t  value: ${SECRET_KEY}`]);
    expect(() => readKubeconfigInput(raw)).toThrow(/is not valid YAML/);
    expect(stdout.text()).toContain('::add-mask::AKIAIOSFODNN7EXAMPLE\n');
  });
});
