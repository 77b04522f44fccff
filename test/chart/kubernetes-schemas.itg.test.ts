// The rendered chart against Kubernetes v1.35's own schemas, offline and strict.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { HELM_VERSIONS } from '../harness/rigs/helm.js';
import { REQUIRED_VALUES, only, render, type Manifest } from './chart.js';
import { kubernetesValidator } from './kubernetes-schema.js';

const validator = kubernetesValidator();

// Every optional branch of the templates turned on.
const EVERYTHING_ON = {
  namespace: 'web',
  pythonApp: {
    ...REQUIRED_VALUES.pythonApp,
    name: 'shop',
    imagePullSecrets: ['ghcr-pull'],
    resources: {
      requests: { cpu: '100m', memory: '96Mi', 'ephemeral-storage': '64Mi' },
      limits: { cpu: 1, memory: '256Mi' }
    }
  },
  service: {
    type: 'ClusterIP',
    port: 8080,
    annotations: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing' }
  },
  ingress: {
    enabled: true,
    className: 'alb',
    host: 'shop.example.com',
    annotations: { 'alb.ingress.kubernetes.io/target-type': 'ip' }
  }
};

describe.each(HELM_VERSIONS)('helm %s output is valid Kubernetes v1.35', (version) => {
  let defaults: Manifest[];
  let everything: Manifest[];
  beforeAll(async () => {
    [defaults, everything] = await Promise.all([
      render(version),
      render(version, { values: EVERYTHING_ON })
    ]);
  });

  test('with the default values', () => {
    expect(defaults.map((m) => m.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'Pod',
      'Service'
    ]);
    expect(defaults.flatMap((manifest) => validator.problems(manifest))).toEqual([]);
  });

  test('with every option on', () => {
    expect(everything.map((m) => m.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'Ingress',
      'Pod',
      'Service'
    ]);
    expect(everything.flatMap((manifest) => validator.problems(manifest))).toEqual([]);
  });
});

// The validator itself must be able to say no, or the tests above prove nothing.
describe('the vendored schemas reject', () => {
  let deployment: Manifest;
  beforeAll(async () => {
    deployment = only(await render(HELM_VERSIONS[0]), 'Deployment');
  });
  const edited = (edit: (copy: Manifest) => void): Manifest => {
    const copy = structuredClone(deployment);
    edit(copy);
    return copy;
  };

  test.each<[string, (copy: Manifest) => void, string]>([
    [
      'an unknown field',
      (d) => (d.spec.template.spec.containers[0].imagee = 'x'),
      'must NOT have additional properties "imagee"'
    ],
    [
      'a misplaced field',
      (d) => (d.spec.securityContext = {}),
      'must NOT have additional properties "securityContext"'
    ],
    ['a wrong type', (d) => (d.spec.replicas = 'one'), '/spec/replicas: must be integer'],
    [
      'a missing required field',
      (d) => delete d.spec.selector,
      "must have required property 'selector'"
    ],
    [
      'a wrong apiVersion',
      (d) => (d.apiVersion = 'apps/v1beta1'),
      'no vendored schema for apps/v1beta1/Deployment'
    ]
  ])('%s', (_name, edit, message) => {
    expect(validator.problems(edited(edit)).join('\n')).toContain(message);
  });
});
