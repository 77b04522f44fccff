// charts/python-application rendered by the real helm 3 and 4, checked field by field.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { HELM_VERSIONS } from '../harness/rigs/helm.js';
import {
  CHART_DIR,
  REQUIRED_VALUES,
  byKind,
  copyChart,
  helmWithValues,
  only,
  releaseCommand,
  render,
  runHelm,
  type HelmRun,
  type Manifest
} from './chart.js';

const CUSTOM = {
  namespace: 'web',
  pythonApp: {
    name: 'shop',
    image: 'registry.example.com:5000/team/shop',
    tag: 'v2.1.0',
    baseDir: '/var/www/html',
    replicas: 3,
    resources: {
      requests: { cpu: '100m', memory: '96Mi' },
      limits: { cpu: '500m', memory: '256Mi' }
    }
  },
  service: {
    type: 'ClusterIP',
    port: 8080,
    annotations: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing' }
  },
  ingress: {
    enabled: true,
    host: 'shop.example.com',
    annotations: {
      'alb.ingress.kubernetes.io/scheme': 'internet-facing',
      'alb.ingress.kubernetes.io/certificate-arn':
        'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab'
    }
  }
};

// Values that must not roll the pods: none of them touches the page.
const PAGE_UNCHANGED = {
  pythonApp: { tag: 'another-build', replicas: 2 },
  service: { annotations: { 'example.com/owner': 'web-team' } }
};

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const podSpec = (deployment: Manifest) => deployment.spec.template.spec;
const container = (deployment: Manifest) => podSpec(deployment).containers[0];

describe.each(HELM_VERSIONS)('helm %s', (version) => {
  let lint: HelmRun;
  let lintEverything: HelmRun;
  let defaults: Manifest[];
  let custom: Manifest[];
  let pageUnchanged: Manifest[];
  let pageEdited: Manifest[];
  const editedChart = copyChart();

  beforeAll(async () => {
    const helpers = path.join(editedChart.dir, 'templates', '_helpers.tpl');
    const page = readFileSync(helpers, 'utf8');
    expect(page).toContain('<h1>Python fantasy!</h1>');
    writeFileSync(helpers, page.replace('<h1>Python fantasy!</h1>', '<h1>A new page</h1>'));
    [lint, lintEverything, defaults, custom, pageUnchanged, pageEdited] = await Promise.all([
      helmWithValues(version, ['lint', '--strict', CHART_DIR]),
      helmWithValues(version, ['lint', '--strict', CHART_DIR], CUSTOM),
      render(version),
      render(version, { values: CUSTOM, release: 'shop-prod' }),
      render(version, {
        values: {
          ...PAGE_UNCHANGED,
          pythonApp: { ...REQUIRED_VALUES.pythonApp, ...PAGE_UNCHANGED.pythonApp }
        }
      }),
      render(version, { chartDir: editedChart.dir })
    ]);
  });
  afterAll(() => editedChart.cleanup());

  // A tag is 1-128 characters and may start with _ or end with . or -; a label value is at
  // most 63 and starts and ends alphanumeric.
  test.each([
    ['starting with _ and ending with -', '_build.7-', 'build.7'],
    ['of 100 characters', 'a'.repeat(100), 'a'.repeat(63)],
    ['cut after a dot', 'b'.repeat(62) + '.x', 'b'.repeat(62)]
  ])('a tag %s still makes a valid version label', async (_name, tag, label) => {
    const manifests = await render(version, { values: { pythonApp: { tag } } });
    for (const manifest of manifests) {
      expect(manifest.metadata.labels?.['app.kubernetes.io/version']).toBe(label);
    }
    expect(container(only(manifests, 'Deployment')).image).toBe(
      `ghcr.io/omer-avner/python-app:${tag}`
    );
  });

  test('lint --strict passes with the required values, and with every option on', () => {
    for (const run of [lint, lintEverything]) {
      expect(run.stderr).toBe('');
      expect(run.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
      expect(run.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(run.code).toBe(0);
    }
  });

  test('lint --strict without a tag fails naming pythonApp.tag', async () => {
    const run = await runHelm(version, ['lint', '--strict', CHART_DIR]);
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toMatch(/pythonApp\.tag|\/pythonApp\/tag/);
  });

  test('names every resource <name>-<kind> in the release namespace by default', () => {
    const names = defaults
      .map((m) => `${m.kind} ${m.metadata.name} ${m.metadata.namespace}`)
      .sort();
    expect(names).toEqual([
      'ConfigMap python-application-configmap apps',
      'Deployment python-application-deployment apps',
      'Pod python-application-test apps',
      'Service python-application-service apps'
    ]);
  });

  test('the longest name the schema allows still makes valid names and label values', async () => {
    const name = 'a'.repeat(52);
    const manifests = await render(version, {
      values: { pythonApp: { ...REQUIRED_VALUES.pythonApp, name }, ingress: CUSTOM.ingress }
    });
    const dnsLabel = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
    const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
    expect(manifests).toHaveLength(5);
    for (const manifest of manifests) {
      expect(manifest.metadata.name).toMatch(dnsLabel);
      for (const value of Object.values(manifest.metadata.labels ?? {}))
        expect(value).toMatch(labelValue);
    }
    expect(only(manifests, 'Deployment').metadata.name).toHaveLength(63);
  });

  test('the namespace value overrides the release namespace', () => {
    const names = custom.map((m) => `${m.kind} ${m.metadata.name} ${m.metadata.namespace}`).sort();
    expect(names).toEqual([
      'ConfigMap shop-configmap web',
      'Deployment shop-deployment web',
      'Ingress shop-ingress web',
      'Pod shop-test web',
      'Service shop-service web'
    ]);
  });

  test('labels every object the standard way, with the image tag as version', () => {
    for (const manifest of custom) {
      expect(manifest.metadata.labels).toMatchObject({
        'app.kubernetes.io/instance': 'shop-prod',
        'app.kubernetes.io/version': 'v2.1.0',
        'app.kubernetes.io/managed-by': 'Helm',
        'helm.sh/chart': 'python-application-1.0.0'
      });
    }
    const app = custom.filter((m) => m.kind !== 'Pod');
    for (const manifest of app)
      expect(manifest.metadata.labels?.['app.kubernetes.io/name']).toBe('shop');
  });

  test('the Deployment and the Service select exactly the app pods', () => {
    const deployment = only(custom, 'Deployment');
    const service = only(custom, 'Service');
    const selector = {
      'app.kubernetes.io/name': 'shop',
      'app.kubernetes.io/instance': 'shop-prod'
    };
    expect(deployment.spec.selector).toEqual({ matchLabels: selector });
    expect(service.spec.selector).toEqual(selector);
    expect(deployment.spec.template.metadata.labels).toMatchObject(selector);
    // The helm test pod must not receive the Service's traffic nor count as an app pod.
    const testPod = byKind(custom, 'Pod')[0];
    expect(testPod.metadata.labels?.['app.kubernetes.io/name']).not.toBe('shop');
  });

  test('the Service maps port 80 to the container port 8000', () => {
    const deployment = only(defaults, 'Deployment');
    const service = only(defaults, 'Service');
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }
    ]);
    expect(container(deployment).ports).toEqual([
      { name: 'http', containerPort: 8000, protocol: 'TCP' }
    ]);
    expect(service.metadata.annotations).toBeUndefined();
  });

  test('service type, port and annotations can be overridden', () => {
    const service = only(custom, 'Service');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([
      { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }
    ]);
    expect(service.metadata.annotations).toEqual(CUSTOM.service.annotations);
  });

  test('runs image:tag serving baseDir, with the page mounted as the whole directory', () => {
    for (const [manifests, values] of [
      [defaults, { image: 'ghcr.io/omer-avner/python-app', tag: '0123abcd', baseDir: '/srv/www' }],
      [custom, CUSTOM.pythonApp]
    ] as const) {
      const deployment = only(manifests, 'Deployment');
      const main = container(deployment);
      expect(main.image).toBe(`${values.image}:${values.tag}`);
      expect(main.command).toBeUndefined(); // the image's ENTRYPOINT runs http.server
      expect(main.args).toEqual(['--directory', values.baseDir]);
      expect(main.volumeMounts).toEqual([
        { name: 'page', mountPath: values.baseDir, readOnly: true },
        { name: 'tmp', mountPath: '/tmp' }
      ]);
      const configMap = only(manifests, 'ConfigMap');
      expect(podSpec(deployment).volumes).toEqual([
        {
          name: 'page',
          configMap: {
            name: configMap.metadata.name,
            items: [{ key: 'index.html', path: 'index.html' }]
          }
        },
        { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } }
      ]);
      expect(configMap.data?.['index.html']).toContain('<h1>Python fantasy!</h1>');
    }
  });

  test('replicas: 1 by default, overridable', () => {
    expect(only(defaults, 'Deployment').spec.replicas).toBe(1);
    expect(only(custom, 'Deployment').spec.replicas).toBe(3);
  });

  test('the pod runs as the image user, hardened, without a service account token', () => {
    const spec = podSpec(only(defaults, 'Deployment'));
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' }
    });
    expect(spec.containers[0].securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ['ALL'] }
    });
  });

  test('probes: readiness GET / and liveness TCP, both on the http port (8000)', () => {
    const main = container(only(defaults, 'Deployment'));
    expect(main.readinessProbe).toMatchObject({ httpGet: { path: '/', port: 'http' } });
    expect(main.livenessProbe).toMatchObject({ tcpSocket: { port: 'http' } });
    expect(main.livenessProbe.httpGet).toBeUndefined();
  });

  test('resources: requests and limits by default, overridable', () => {
    expect(container(only(defaults, 'Deployment')).resources).toEqual({
      requests: { cpu: '50m', memory: '64Mi' },
      limits: { cpu: '250m', memory: '128Mi' }
    });
    expect(container(only(custom, 'Deployment')).resources).toEqual(CUSTOM.pythonApp.resources);
  });

  test('checksum/config is the page checksum: it changes with the page and only then', () => {
    const checksum = (manifests: Manifest[]) =>
      only(manifests, 'Deployment').spec.template.metadata.annotations['checksum/config'];
    const page = only(defaults, 'ConfigMap').data?.['index.html'] ?? '';
    expect(checksum(defaults)).toBe(sha256(page));
    expect(checksum(pageUnchanged)).toBe(checksum(defaults));
    expect(only(pageUnchanged, 'Deployment').spec.replicas).toBe(2); // the values did apply
    const editedPage = only(pageEdited, 'ConfigMap').data?.['index.html'] ?? '';
    expect(editedPage).toContain('<h1>A new page</h1>');
    expect(checksum(pageEdited)).toBe(sha256(editedPage));
    expect(checksum(pageEdited)).not.toBe(checksum(defaults));
  });

  test('no Ingress by default', () => {
    expect(byKind(defaults, 'Ingress')).toEqual([]);
  });

  test('the Ingress, when enabled, routes the host to the Service through the ALB class', () => {
    const ingress = only(custom, 'Ingress');
    expect(ingress.metadata.annotations).toEqual(CUSTOM.ingress.annotations);
    expect(ingress.spec).toEqual({
      ingressClassName: 'alb',
      rules: [
        {
          host: 'shop.example.com',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'shop-service', port: { name: 'http' } } }
              }
            ]
          }
        }
      ]
    });
  });

  test('the helm test hook pod fetches the page through the Service and compares it', () => {
    const [testPod] = byKind(custom, 'Pod');
    expect(testPod.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'test' });
    expect(testPod.spec.restartPolicy).toBe('Never');
    expect(testPod.spec.automountServiceAccountToken).toBe(false);
    const [check] = testPod.spec.containers;
    expect(check.image).toBe('registry.example.com:5000/team/shop:v2.1.0');
    expect(check.command.slice(0, 2)).toEqual(['python3', '-c']);
    expect(check.env).toEqual([
      { name: 'PAGE_URL', value: 'http://shop-service.web.svc:8080/' },
      {
        name: 'EXPECTED_PAGE',
        valueFrom: { configMapKeyRef: { name: 'shop-configmap', key: 'index.html' } }
      }
    ]);
    expect(check.securityContext).toEqual(container(only(custom, 'Deployment')).securityContext);
  });
});

describe('NOTES.txt (helm 4 renders it for install --dry-run=client without a cluster)', () => {
  const notes = async (values: object): Promise<string> => {
    const command = releaseCommand(['install', '--dry-run=client'], {});
    const run = await helmWithValues('v4.1.4', command, values);
    expect(run.stderr).toBe('');
    return run.stdout.slice(run.stdout.indexOf('NOTES:'));
  };

  test('tells how to get the load balancer hostname', async () => {
    const text = await notes(REQUIRED_VALUES);
    expect(text).toContain(
      "kubectl get service python-application-service -n apps \\\n    -o jsonpath='{.status.loadBalancer.ingress[0].hostname}'"
    );
    expect(text).toContain('helm test demo -n apps');
  });

  test('points at the Ingress host when the Ingress is on', async () => {
    const text = await notes(CUSTOM);
    expect(text).toContain('http://shop.example.com/');
    expect(text).toContain('kubectl get ingress shop-ingress -n web');
  });
});
