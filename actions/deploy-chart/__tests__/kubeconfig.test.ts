import { describe, expect, test } from '@jest/globals';
import { parse, stringify } from 'yaml';
import { sharedTokenMessage } from '../src/credentials.js';
import { normalizeKubeconfig, withBearerToken } from '../src/kubeconfig.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN EC PRIVATE KEY-----\nMHcfake\n-----END EC PRIVATE KEY-----\n';
const b64 = (text: string) => Buffer.from(text).toString('base64');

// The shape the seed's README tells users to store (exec aws, v1alpha1, keys in env).
const seed = stringify({
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [
    {
      name: 'basickapp',
      cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': b64(CA) }
    }
  ],
  contexts: [{ name: 'basickapp', context: { cluster: 'basickapp', user: 'basickapp-aws' } }],
  'current-context': 'basickapp',
  preferences: {},
  users: [
    {
      name: 'basickapp-aws',
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1alpha1',
          command: 'aws',
          args: ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'basickapp'],
          env: [
            { name: 'AWS_ACCESS_KEY_ID', value: 'AKIAEXAMPLEKEY123456' },
            { name: 'AWS_SECRET_ACCESS_KEY', value: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
            { name: 'AWS_DEFAULT_REGION', value: 'eu-west-1' }
          ]
        }
      }
    }
  ]
});

interface Spec {
  current?: string;
  contexts?: Array<{ name: string; context: Record<string, unknown> }>;
  clusters?: Array<{ name: string; cluster: Record<string, unknown> }>;
  users?: Array<{ name: string; user: Record<string, unknown> }>;
}
function config(spec: Spec = {}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: spec.clusters ?? [
      { name: 'c', cluster: { server: 'https://api:6443', 'certificate-authority-data': b64(CA) } }
    ],
    contexts: spec.contexts ?? [
      { name: 'staging', context: { cluster: 'c', user: 'u', namespace: 'web' } }
    ],
    'current-context': spec.current ?? 'staging',
    users: spec.users ?? [{ name: 'u', user: { token: 'tok-123456' } }]
  });
}
/** A cluster that skips TLS verification, with more fields. */
const insecureWith = (fields: Record<string, unknown>) =>
  config({
    clusters: [
      { name: 'c', cluster: { server: 'https://a', 'insecure-skip-tls-verify': true, ...fields } }
    ]
  });
const noFiles = (file: string): string => {
  throw new Error(`ENOENT ${file}`);
};

describe("the seed's kubeconfig (exec aws, v1alpha1)", () => {
  const result = normalizeKubeconfig(seed, noFiles);

  test('is rewritten to exec v1beta1 with a warning', () => {
    const user = (result.doc.users as Array<{ user: { exec: Record<string, unknown> } }>)[0].user;
    expect(user.exec.apiVersion).toBe('client.authentication.k8s.io/v1beta1');
    expect(user.exec.interactiveMode).toBe('Never');
    expect(result.warnings).toEqual([
      expect.stringMatching(/v1alpha1, which helm and kubectl no longer accept; using .*v1beta1/)
    ]);
  });

  test('yields the ClusterAccess the cluster side needs', () => {
    expect(result.access).toEqual({
      contextName: 'basickapp',
      server: 'https://127.0.0.1:6443',
      caPem: CA,
      insecureSkipTlsVerify: false,
      namespace: undefined,
      token: undefined,
      clientCertPem: undefined,
      clientKeyPem: undefined,
      username: undefined,
      password: undefined,
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        command: 'aws',
        args: ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'basickapp'],
        env: {
          AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEKEY123456',
          AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
          AWS_DEFAULT_REGION: 'eu-west-1'
        }
      }
    });
  });

  test('masks the AWS keys but not the region', () => {
    expect(result.secrets.sort()).toEqual([
      'AKIAEXAMPLEKEY123456',
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
    ]);
  });
});

describe('masking set', () => {
  test.each([
    ['a token', { token: 'tok-123456' }, ['tok-123456']],
    ['basic auth', { username: 'admin', password: 'hunter22' }, ['hunter22']],
    [
      'client certificate and key (encoded and decoded)',
      { 'client-certificate-data': b64(CA), 'client-key-data': b64(KEY) },
      [b64(KEY), b64(CA), KEY, CA]
    ],
    [
      'an auth-provider token',
      {
        'auth-provider': {
          name: 'oidc',
          config: { 'id-token': 'idt-1234', 'client-id': 'public', 'refresh-token': 'rt-1234' }
        }
      },
      ['idt-1234', 'rt-1234']
    ]
  ])('%s', (_name, user, want) => {
    const result = normalizeKubeconfig(config({ users: [{ name: 'u', user }] }), noFiles);
    expect(result.secrets.sort()).toEqual([...want].sort());
  });

  test('includes the users the current context does not use', () => {
    const users = [
      { name: 'u', user: { token: 'tok-in-use' } },
      { name: 'other', user: { token: 'tok-unused' } }
    ];
    const result = normalizeKubeconfig(config({ users }), noFiles);
    expect(result.secrets.sort()).toEqual(['tok-in-use', 'tok-unused']);
    expect((result.doc.users as unknown[]).length).toBe(1); // only the one in use is written
  });
});

describe('structure errors name the part and the fix', () => {
  test.each([
    [
      'current-context names no context',
      config({
        current: 'prod',
        contexts: [
          { name: 'staging', context: { cluster: 'c', user: 'u' } },
          { name: 'dev', context: { cluster: 'c', user: 'u' } }
        ]
      }),
      'kubeconfig: current-context "prod" names no context "prod"; contexts are: staging, dev'
    ],
    [
      'no current-context and two contexts',
      config({
        current: '',
        contexts: [
          { name: 'a', context: { cluster: 'c', user: 'u' } },
          { name: 'b', context: { cluster: 'c', user: 'u' } }
        ]
      }),
      'kubeconfig: has no current-context; set current-context to one of: a, b'
    ],
    [
      'a secret cut short: no contexts left',
      'apiVersion: v1\nkind: Config\nclusters:\n  - name: c\n    cluster:\n      server: https://x\n',
      'kubeconfig: has no contexts, clusters or users: the secret looks truncated or incomplete (a copy that lost lines, or base64 without -w0); store `base64 -w0 ~/.kube/config` again'
    ],
    [
      'context names a missing cluster',
      config({ contexts: [{ name: 'staging', context: { cluster: 'gone', user: 'u' } }] }),
      'kubeconfig: context "staging" names no cluster "gone"; clusters are: c'
    ],
    [
      'context names a missing user',
      config({ contexts: [{ name: 'staging', context: { cluster: 'c', user: 'ghost' } }] }),
      'kubeconfig: context "staging" names no user "ghost"; users are: u'
    ],
    [
      'context without a user',
      config({ contexts: [{ name: 'staging', context: { cluster: 'c' } }] }),
      'kubeconfig: context "staging" has no user; set its user: field'
    ],
    [
      'cluster without a server',
      config({ clusters: [{ name: 'c', cluster: {} }] }),
      'kubeconfig: cluster "c" has no server URL; set server: https://<api-server>'
    ],
    [
      'a CA that is not PEM',
      config({
        clusters: [
          { name: 'c', cluster: { server: 'https://a', 'certificate-authority-data': b64('junk') } }
        ]
      }),
      'kubeconfig: cluster "c" certificate-authority-data is not base64 of a PEM block; embed it with base64 -w0 <file>'
    ],
    [
      'a CA file of another machine',
      config({
        clusters: [
          {
            name: 'c',
            cluster: { server: 'https://a', 'certificate-authority': '/home/me/.minikube/ca.crt' }
          }
        ]
      }),
      'kubeconfig: cluster "c" certificate-authority "/home/me/.minikube/ca.crt" is not a file on the runner; embed its content as certificate-authority-data instead'
    ],
    [
      // client-go's field is `token`; there is no tokenFile-data
      'a token file of another machine',
      config({ users: [{ name: 'u', user: { tokenFile: '/var/run/secrets/token' } }] }),
      'kubeconfig: user "u" tokenFile "/var/run/secrets/token" is not a file on the runner; put the token itself in token: instead'
    ],
    [
      'insecure-skip-tls-verify with CA data, which client-go refuses',
      insecureWith({ 'certificate-authority-data': b64(CA) }),
      'kubeconfig: cluster "c" sets both insecure-skip-tls-verify: true and certificate-authority-data, which Kubernetes clients refuse; remove insecure-skip-tls-verify (the CA then verifies the server), or remove certificate-authority-data to skip verification'
    ],
    [
      'insecure-skip-tls-verify with a CA file',
      insecureWith({ 'certificate-authority': '/ca.crt' }),
      /sets both insecure-skip-tls-verify: true and certificate-authority, which Kubernetes clients refuse/
    ],
    [
      'insecure-skip-tls-verify in quotes, which client-go cannot read',
      insecureWith({ 'insecure-skip-tls-verify': 'true' }),
      'kubeconfig: cluster "c" insecure-skip-tls-verify must be true or false, without quotes (Kubernetes clients refuse anything else)'
    ],
    [
      'an alias without its anchor',
      'clusters: *missing\ncurrent-context: x\n',
      /^kubeconfig: uses a YAML alias \(\*name\) that cannot be resolved/
    ],
    [
      'a user without credentials',
      config({ users: [{ name: 'u', user: {} }] }),
      'kubeconfig: user "u" has no credentials (token, client certificate, exec plugin or username/password)'
    ],
    [
      'an exec plugin without apiVersion',
      config({ users: [{ name: 'u', user: { exec: { command: 'aws' } } }] }),
      'kubeconfig: user "u" exec apiVersion "" is not one of client.authentication.k8s.io/v1alpha1, client.authentication.k8s.io/v1beta1, client.authentication.k8s.io/v1'
    ],
    [
      'an exec env entry without value',
      config({
        users: [
          {
            name: 'u',
            user: {
              exec: {
                apiVersion: 'client.authentication.k8s.io/v1beta1',
                command: 'aws',
                env: [{ name: 'A' }]
              }
            }
          }
        ]
      }),
      'kubeconfig: user "u" exec env[0] needs a name and a value'
    ],
    [
      'clusters that is not a list',
      'clusters: {}\ncurrent-context: x\n',
      'kubeconfig: clusters must be a list'
    ],
    [
      'invalid YAML',
      'clusters: [\n  - a: b\n current-context: x: y\n',
      /^kubeconfig: is not valid YAML at line \d+, column \d+ of the kubeconfig: .+; fix it \(indent with spaces, not tabs;/
    ]
  ])('%s', (_name, text, message) => {
    expect(() => normalizeKubeconfig(text, noFiles)).toThrow(message);
  });

  test('a YAML error never quotes the source', () => {
    const text = 'users:\n  - name: u\n    user: { token: s3cr3t-t0ken: bad }\n';
    expect(() => normalizeKubeconfig(text, noFiles)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cr3t') })
    );
  });
});

describe('normalization', () => {
  test('a single context without current-context is used, with a warning', () => {
    const result = normalizeKubeconfig(config({ current: '' }), noFiles);
    expect(result.access.contextName).toBe('staging');
    expect(result.warnings).toEqual([
      'kubeconfig: no current-context; using the only context "staging"'
    ]);
  });

  test('files the kubeconfig refers to are read and embedded', () => {
    const files: Record<string, string> = { '/ca.crt': CA, '/token': 'file-token\n' };
    const text = config({
      clusters: [
        { name: 'c', cluster: { server: 'https://a', 'certificate-authority': '/ca.crt' } }
      ],
      users: [{ name: 'u', user: { tokenFile: '/token' } }]
    });
    const result = normalizeKubeconfig(text, (file) => files[file] ?? noFiles(file));
    expect(result.access.caPem).toBe(CA);
    expect(result.access.token).toBe('file-token');
    expect(result.secrets).toContain('file-token');
    const written = parse(stringify(result.doc));
    expect(written.clusters[0].cluster).toEqual({
      server: 'https://a',
      'certificate-authority-data': b64(CA)
    });
    expect(written.users[0].user).toEqual({ token: 'file-token' });
  });

  test('the context namespace reaches ClusterAccess; exec v1 keeps its version and interactiveMode', () => {
    const exec = {
      apiVersion: 'client.authentication.k8s.io/v1',
      command: 'kubelogin',
      interactiveMode: 'IfAvailable'
    };
    const result = normalizeKubeconfig(config({ users: [{ name: 'u', user: { exec } }] }), noFiles);
    expect(result.access.namespace).toBe('web');
    expect(result.access.exec?.apiVersion).toBe('client.authentication.k8s.io/v1');
    const user = (result.doc.users as Array<{ user: { exec: Record<string, unknown> } }>)[0].user;
    expect(user.exec.interactiveMode).toBe('IfAvailable');
    expect(result.warnings).toEqual([]);
  });

  test('exec args and env values that YAML reads as numbers are written as the strings they mean', () => {
    const exec = {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: 'aws',
      args: ['eks', 'get-token', '--cluster-name', 'eks', '--duration-seconds', 900],
      env: [
        { name: 'AWS_ACCOUNT', value: 123456789012 },
        { name: 'AWS_REGION', value: 'eu-west-1' }
      ]
    };
    const result = normalizeKubeconfig(config({ users: [{ name: 'u', user: { exec } }] }), noFiles);
    const written = parse(stringify(result.doc)).users[0].user.exec;
    expect(written.args.at(-1)).toBe('900');
    expect(written.env).toEqual([
      { name: 'AWS_ACCOUNT', value: '123456789012' },
      { name: 'AWS_REGION', value: 'eu-west-1' }
    ]);
    expect(result.secrets).toEqual(['123456789012']);
  });

  test('insecure-skip-tls-verify is kept but warned about', () => {
    const text = config({
      clusters: [{ name: 'c', cluster: { server: 'https://a', 'insecure-skip-tls-verify': true } }]
    });
    const result = normalizeKubeconfig(text, noFiles);
    expect(result.access.insecureSkipTlsVerify).toBe(true);
    expect(result.warnings).toEqual([
      'kubeconfig: cluster "c" skips TLS verification (insecure-skip-tls-verify)'
    ]);
  });
});

describe("helm reuses the exec plugin's token", () => {
  test.each([
    [
      true,
      'kubeconfig: helm uses the EKS token this action signed (valid longer than helm may run), so it starts no aws process'
    ],
    [
      false,
      'kubeconfig: helm reuses the token that "aws" printed for this action (valid longer than helm may run), so it does not start "aws" again'
    ]
  ])('the log says who made the token helm gets (signed here: %s)', (signedHere, want) =>
    expect(sharedTokenMessage('aws', signedHere)).toBe(want)
  );

  test('the exec user becomes a token user; cluster and context are unchanged', () => {
    const normalized = normalizeKubeconfig(seed, noFiles);
    const written = withBearerToken(normalized.doc, 'k8s-aws-v1.minted');
    expect(written.users).toEqual([
      { name: 'basickapp-aws', user: { token: 'k8s-aws-v1.minted' } }
    ]);
    expect(written.clusters).toEqual(normalized.doc.clusters);
    expect(written['current-context']).toBe('basickapp');
  });
});
