import { expect, test } from '@jest/globals';
import {
  ingressStatus,
  readReleaseResources,
  renderSuccessSummary,
  serviceStatus,
  workloadStatus
} from '../../src/cluster/report.js';
import { FakeKube } from './fake-kube.js';
import { releaseSecret } from './helm-storage.js';

const labels = { 'app.kubernetes.io/instance': 'demo' };

test.each([
  [
    workloadStatus('Deployment', {
      metadata: { name: 'web' },
      spec: { replicas: 2 },
      status: { readyReplicas: 2, updatedReplicas: 2 }
    }),
    { ready: '2/2', detail: '2 up to date' }
  ],
  [
    workloadStatus('Deployment', { metadata: { name: 'web' }, spec: {}, status: {} }),
    { ready: '0/1', detail: '0 up to date' }
  ],
  [
    serviceStatus({
      metadata: { name: 'web' },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
      status: { loadBalancer: { ingress: [{ hostname: 'elb.example' }] } }
    }),
    { ready: 'yes', detail: 'LoadBalancer port 80 http://elb.example' }
  ],
  [
    serviceStatus({
      metadata: { name: 'web' },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }] }
    }),
    { ready: 'pending', detail: 'LoadBalancer port 80' }
  ],
  [
    serviceStatus({ metadata: { name: 'db' }, spec: { ports: [{ port: 5432 }, { port: 9187 }] } }),
    { ready: '-', detail: 'ClusterIP port 5432, 9187' }
  ],
  [
    ingressStatus({ metadata: { name: 'web' }, spec: { rules: [{ host: 'app.example' }] } }),
    { ready: 'pending', detail: '' }
  ]
])('resource row %#', (row, want) => expect(row).toMatchObject(want));

test("reads the release's resources and renders the success summary", async () => {
  const kube = new FakeKube()
    .set('/apis/apps/v1/namespaces/web/deployments', [
      {
        metadata: { name: 'python-app-deployment', labels },
        spec: { replicas: 1 },
        status: { readyReplicas: 1, updatedReplicas: 1 }
      }
    ])
    .set('/api/v1/namespaces/web/services', [
      {
        metadata: { name: 'python-app-service', labels },
        spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
        status: { loadBalancer: { ingress: [{ hostname: 'a1.elb.amazonaws.com' }] } }
      },
      { metadata: { name: 'other', labels: {} } }
    ])
    .set('/api/v1/namespaces/web/secrets', [
      releaseSecret(
        'demo',
        { revision: 2, status: 'deployed', chart: 'c-1', app_version: '1', description: '' },
        {
          manifest:
            '---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: python-app-deployment }\n---\napiVersion: v1\nkind: Service\nmetadata: { name: python-app-service }\n'
        }
      )
    ]);
  const resources = await readReleaseResources(kube, { release: 'demo', namespace: 'web' });
  const summary = renderSuccessSummary({
    target: { release: 'demo', namespace: 'web' },
    revision: {
      revision: 2,
      updated: '2026-11-25T12:00:00Z',
      status: 'deployed',
      chart: 'python-application-0.1.0',
      app_version: '1.0',
      description: 'Upgrade complete'
    },
    resources,
    url: 'http://a1.elb.amazonaws.com'
  });
  expect(summary).toBe(
    [
      '### Deployed `demo` to `web`',
      '',
      '| Revision | Status | Chart | App version | Updated |\n| --- | --- | --- | --- | --- |\n| 2 | deployed | python-application-0.1.0 | 1.0 | 2026-11-25T12:00:00Z |',
      '',
      '#### Resources',
      '',
      '| Kind | Name | Ready | Detail |\n| --- | --- | --- | --- |\n| Deployment | python-app-deployment | 1/1 | 1 up to date |\n| Service | python-app-service | yes | LoadBalancer port 80 http://a1.elb.amazonaws.com |',
      '',
      '**URL:** http://a1.elb.amazonaws.com',
      ''
    ].join('\n')
  );
});
