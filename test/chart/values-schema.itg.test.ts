// values.schema.json: every missing or wrong value fails before anything reaches the
// cluster, with helm's schema error naming that value, under helm 3 and helm 4.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { HELM_VERSIONS } from '../harness/rigs/helm.js';
import {
  REQUIRED_VALUES,
  helmMajor,
  helmWithValues,
  mapLimit,
  releaseCommand,
  schemaErrorLine,
  type HelmRun,
  type SchemaProblem
} from './chart.js';

describe('schemaErrorLine', () => {
  test.each<[3 | 4, SchemaProblem, string, string]>([
    [3, 'invalid', 'pythonApp.tag', '- pythonApp.tag: '],
    [4, 'invalid', 'pythonApp.tag', "- at '/pythonApp/tag': "],
    [3, 'missing', 'pythonApp.tag', '- pythonApp: tag is required'],
    [4, 'missing', 'pythonApp.tag', "- at '/pythonApp': missing property 'tag'"],
    [3, 'missing', 'namespace', '- (root): namespace is required'],
    [4, 'missing', 'namespace', "- at '': missing property 'namespace'"],
    [3, 'unknown', 'pythonApp.imagee', '- pythonApp: Additional property imagee is not allowed'],
    [
      4,
      'unknown',
      'pythonApp.imagee',
      "- at '/pythonApp': additional properties 'imagee' not allowed"
    ]
  ])('helm %i, %s %s', (major, problem, valuePath, line) => {
    expect(schemaErrorLine(major, problem, valuePath)).toBe(line);
  });
});

const withApp = (pythonApp: object): object => ({
  pythonApp: { ...REQUIRED_VALUES.pythonApp, ...pythonApp }
});

// [what is wrong, user values (a null deletes the chart's default), problem, value path]
const CASES: Array<[string, object, SchemaProblem, string]> = [
  ['namespace removed', { ...REQUIRED_VALUES, namespace: null }, 'missing', 'namespace'],
  ['pythonApp.name removed', withApp({ name: null }), 'missing', 'pythonApp.name'],
  ['pythonApp.image removed', withApp({ image: null }), 'missing', 'pythonApp.image'],
  ['pythonApp.tag removed', { pythonApp: { tag: null } }, 'missing', 'pythonApp.tag'],
  ['pythonApp.baseDir removed', withApp({ baseDir: null }), 'missing', 'pythonApp.baseDir'],
  ['pythonApp.tag not given (its default is empty)', {}, 'invalid', 'pythonApp.tag'],
  ['pythonApp.name empty', withApp({ name: '' }), 'invalid', 'pythonApp.name'],
  ['pythonApp.image empty', withApp({ image: '' }), 'invalid', 'pythonApp.image'],
  ['pythonApp.baseDir empty', withApp({ baseDir: '' }), 'invalid', 'pythonApp.baseDir'],
  [
    'pythonApp.name with capitals and _',
    withApp({ name: 'Python_App' }),
    'invalid',
    'pythonApp.name'
  ],
  ['pythonApp.name starting with a digit', withApp({ name: '1app' }), 'invalid', 'pythonApp.name'],
  [
    'pythonApp.name of 53 characters',
    withApp({ name: 'a'.repeat(53) }),
    'invalid',
    'pythonApp.name'
  ],
  ['pythonApp.tag with a colon', withApp({ tag: 'v1:2' }), 'invalid', 'pythonApp.tag'],
  ['pythonApp.tag starting with -', withApp({ tag: '-rc1' }), 'invalid', 'pythonApp.tag'],
  [
    'pythonApp.tag of 129 characters',
    withApp({ tag: 'a'.repeat(129) }),
    'invalid',
    'pythonApp.tag'
  ],
  ['pythonApp.tag as a number', withApp({ tag: 42 }), 'invalid', 'pythonApp.tag'],
  [
    'pythonApp.image with a tag',
    withApp({ image: 'ghcr.io/o/app:v1' }),
    'invalid',
    'pythonApp.image'
  ],
  ['pythonApp.baseDir relative', withApp({ baseDir: 'srv/www' }), 'invalid', 'pythonApp.baseDir'],
  [
    'pythonApp.baseDir with ..',
    withApp({ baseDir: '/srv/../etc' }),
    'invalid',
    'pythonApp.baseDir'
  ],
  [
    'pythonApp.baseDir the image binaries',
    withApp({ baseDir: '/usr/local/bin' }),
    'invalid',
    'pythonApp.baseDir'
  ],
  ['pythonApp.replicas negative', withApp({ replicas: -1 }), 'invalid', 'pythonApp.replicas'],
  ['the typo pythonApp.imagee', withApp({ imagee: 'x' }), 'unknown', 'pythonApp.imagee'],
  ['the typo nameSpace', { ...REQUIRED_VALUES, nameSpace: 'web' }, 'unknown', 'nameSpace'],
  [
    'the typo resources.requests.memroy',
    withApp({ resources: { requests: { memroy: '64Mi' } } }),
    'unknown',
    'pythonApp.resources.requests.memroy'
  ],
  [
    'namespace not a DNS label',
    { ...REQUIRED_VALUES, namespace: 'Web_Apps' },
    'invalid',
    'namespace'
  ],
  [
    'service.type misspelt',
    { ...REQUIRED_VALUES, service: { type: 'LoadBalancr' } },
    'invalid',
    'service.type'
  ],
  ['service.port 0', { ...REQUIRED_VALUES, service: { port: 0 } }, 'invalid', 'service.port'],
  [
    'the typo service.anotations',
    { ...REQUIRED_VALUES, service: { anotations: {} } },
    'unknown',
    'service.anotations'
  ],
  [
    'ingress enabled without a host',
    { ...REQUIRED_VALUES, ingress: { enabled: true } },
    'invalid',
    'ingress.host'
  ]
];

describe.each(HELM_VERSIONS)('helm %s template refuses', (version) => {
  const runs = new Map<string, HelmRun>();
  beforeAll(async () => {
    // A few at a time: each run is a short helm process, most of it start-up.
    const results = await mapLimit(CASES, 4, ([, values]) =>
      helmWithValues(version, releaseCommand(['template'], {}), values)
    );
    CASES.forEach(([name], index) => runs.set(name, results[index]));
  });

  test.each(CASES)('%s', (name, _values, problem, valuePath) => {
    const run = runs.get(name) as HelmRun;
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain("values don't meet the specifications of the schema(s)");
    expect(run.stderr).toContain(schemaErrorLine(helmMajor(version), problem, valuePath));
    expect(run.code).not.toBe(0);
  });
});

test('helm 4 install --dry-run refuses the same way (helm 3 needs a cluster for it)', async () => {
  const run = await helmWithValues(
    'v4.1.4',
    releaseCommand(['install', '--dry-run=client'], {}),
    {}
  );
  expect(run.stderr).toContain(schemaErrorLine(4, 'invalid', 'pythonApp.tag'));
  expect(run.code).not.toBe(0);
});
