import { describe, expect, test } from '@jest/globals';
import { ingressUrl, releaseUrl, serviceUrl, waitForReleaseUrl } from '../../src/cluster/url.js';
import { FakeKube } from './fake-kube.js';
import type { Ingress, KubeEvent, Service } from '../../src/cluster/types.js';
import { captureStdout } from './capture-stdout.js';
import { releaseSecret } from './helm-storage.js';

const lb = (port: number, entry?: { hostname?: string; ip?: string }): Service => ({
  metadata: { name: 'web' },
  spec: { type: 'LoadBalancer', ports: [{ port }] },
  status: { loadBalancer: { ingress: entry ? [entry] : [] } }
});
const clusterIp: Service = {
  metadata: { name: 'db' },
  spec: { type: 'ClusterIP', ports: [{ port: 5432 }] }
};
const ingress = (host?: string, tls = false, address?: string): Ingress => ({
  metadata: { name: 'web' },
  spec: { rules: [{ host }], tls: tls && host ? [{ hosts: [host] }] : [] },
  status: { loadBalancer: { ingress: address ? [{ hostname: address }] : [] } }
});

test.each<[string, Service, string | undefined]>([
  [
    'ELB hostname on port 80',
    lb(80, { hostname: 'a1b2-123.us-east-1.elb.amazonaws.com' }),
    'http://a1b2-123.us-east-1.elb.amazonaws.com'
  ],
  ['IP on port 8080', lb(8080, { ip: '203.0.113.7' }), 'http://203.0.113.7:8080'],
  ['port 443', lb(443, { hostname: 'lb.example' }), 'https://lb.example'],
  ['IPv6', lb(80, { ip: '2001:db8::1' }), 'http://[2001:db8::1]'],
  ['no address yet', lb(80), undefined],
  ['ClusterIP', clusterIp, undefined]
])('service: %s', (_name, service, want) => expect(serviceUrl(service)).toBe(want));

test.each<[string, Ingress, string | undefined]>([
  ['host', ingress('app.example.com', false, 'alb.example'), 'http://app.example.com'],
  ['host with TLS', ingress('app.example.com', true, 'alb.example'), 'https://app.example.com'],
  ['host but no address yet: not a URL that answers', ingress('app.example.com'), undefined],
  [
    'no host, LB address',
    ingress(undefined, false, 'k8s-alb.elb.amazonaws.com'),
    'http://k8s-alb.elb.amazonaws.com'
  ],
  ['no host, no address', ingress(), undefined]
])('ingress: %s', (_name, input, want) => expect(ingressUrl(input)).toBe(want));

test.each<[string, Service[], Ingress[], { url?: string; waiting: boolean }]>([
  ['nothing exposed', [clusterIp], [], { waiting: false }],
  ['LB without address yet', [clusterIp, lb(80)], [], { waiting: true }],
  [
    'LB with address',
    [clusterIp, lb(80, { hostname: 'elb.example' })],
    [],
    { url: 'http://elb.example', waiting: false }
  ],
  [
    'ingress host wins over LB',
    [lb(80, { hostname: 'elb.example' })],
    [ingress('app.example.com', false, 'alb.example')],
    { url: 'http://app.example.com', waiting: false }
  ],
  [
    'an ingress host without an address does not win: the LB has one',
    [lb(80, { hostname: 'elb.example' })],
    [ingress('app.example.com')],
    { url: 'http://elb.example', waiting: false }
  ],
  [
    'an ingress host without an address: waiting',
    [],
    [ingress('app.example.com')],
    { waiting: true }
  ],
  ['hostless ingress without address', [], [ingress()], { waiting: true }],
  [
    'LB wins over hostless ingress address',
    [lb(80, { hostname: 'elb.example' })],
    [ingress(undefined, false, 'alb.example')],
    { url: 'http://elb.example', waiting: false }
  ]
])('release: %s', (_name, services, ingresses, want) =>
  expect(releaseUrl(services, ingresses)).toEqual(want)
);

describe('waitForReleaseUrl', () => {
  const SERVICES = '/api/v1/namespaces/web/services';
  const SECRETS = '/api/v1/namespaces/web/secrets';
  const target = { release: 'demo', namespace: 'web' };
  const stdout = captureStdout();
  const manifest = (...services: string[]) =>
    services
      .map((name) => `---\napiVersion: v1\nkind: Service\nmetadata: { name: ${name} }\n`)
      .join('');
  const withRelease = (kube: FakeKube, ...services: string[]) =>
    kube.set(SECRETS, [
      releaseSecret(
        'demo',
        { revision: 1, status: 'deployed', chart: 'c-1', app_version: '1', description: '' },
        { manifest: manifest(...services) }
      )
    ]);

  test("polls the release's own Service (no instance label) until it gets its hostname", async () => {
    const kube = withRelease(new FakeKube().set(SERVICES, [lb(80)]), 'web');
    let polls = 0;
    const waiting = waitForReleaseUrl(kube, target, Date.now() + 60_000, { pollMs: 5 });
    const timer = setInterval(() => {
      if (++polls === 3) kube.set(SERVICES, [lb(80, { hostname: 'elb.example' })]);
    }, 5);
    await expect(waiting).resolves.toBe('http://elb.example');
    clearInterval(timer);
  });

  test('returns at once when nothing will get an address', async () => {
    const kube = withRelease(new FakeKube().set(SERVICES, [clusterIp]), 'db');
    await expect(waitForReleaseUrl(kube, target, Date.now() + 60_000)).resolves.toBeUndefined();
    expect(kube.calls.filter((c) => c.startsWith(`GET ${SERVICES}/db`))).toHaveLength(1);
  });

  test('a load balancer that cannot be made: says why from the Service events, url empty', async () => {
    const kube = withRelease(new FakeKube().set(SERVICES, [lb(80)]), 'web').set<KubeEvent>(
      '/api/v1/namespaces/web/events',
      [
        {
          involvedObject: { kind: 'Service', name: 'web' },
          type: 'Warning',
          reason: 'SyncLoadBalancerFailed',
          message:
            'Error syncing load balancer: failed to ensure load balancer: could not find any suitable subnets for creating the ELB',
          lastTimestamp: '2026-11-25T12:00:00Z'
        }
      ]
    );
    await expect(
      waitForReleaseUrl(kube, target, Date.now() + 60_000, { pollMs: 5 })
    ).resolves.toBeUndefined();
    expect(stdout.text()).toContain(
      '::warning::Release "demo": Service/web got no address because its load balancer cannot be made (Service/web: SyncLoadBalancerFailed: Error syncing load balancer: failed to ensure load balancer: could not find any suitable subnets for creating the ELB)'
    );
  });

  test('gives up at the deadline with a warning', async () => {
    const kube = withRelease(new FakeKube().set(SERVICES, [lb(80)]), 'web');
    await expect(
      waitForReleaseUrl(kube, target, Date.now() + 30, { pollMs: 5 })
    ).resolves.toBeUndefined();
    expect(stdout.text()).toContain(
      '::warning::Release "demo": Service/web got no LoadBalancer address within the timeout'
    );
  });
});
