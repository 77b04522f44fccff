// A release as the cluster shows it mid-rollout, for the release-objects, fail-fast and
// diagnostics tests: a Deployment whose chart sets no app.kubernetes.io/instance label, its
// old and new ReplicaSets and their pods.
import type { KubeObject, LiveWorkload, Pod } from '../../src/cluster/types.js';

export const MANIFEST = `---
# Source: shop/templates/web.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-web
  labels: { app: shop, tier: web }
spec:
  replicas: 3
  selector:
    matchLabels: { app: shop, tier: web }
  strategy:
    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }
  template:
    metadata:
      labels: { app: shop, tier: web }
    spec:
      containers:
        - name: web
          image: ghcr.io/o/shop:v2
          ports: [{ containerPort: 8080 }]
          resources: { limits: { cpu: 1000m } }
---
apiVersion: v1
kind: Service
metadata: { name: shop-web }
spec:
  type: LoadBalancer
  selector: { app: shop, tier: web }
  ports: [{ port: 80, targetPort: 8080 }]
---
apiVersion: shop.example.com/v1
kind: Widget
metadata: { name: shop-widget }
spec: { size: 3 }
---
`;

export const HOOKS = [
  {
    name: 'shop-migrate',
    kind: 'Job',
    events: ['pre-install', 'pre-upgrade'],
    manifest:
      'apiVersion: batch/v1\nkind: Job\nmetadata: { name: shop-migrate }\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{ name: migrate, image: ghcr.io/o/shop:v2 }]\n'
  },
  {
    name: 'shop-test',
    kind: 'Pod',
    events: ['test'],
    manifest:
      'apiVersion: v1\nkind: Pod\nmetadata: { name: shop-test }\nspec: { containers: [{ name: t, image: busybox }] }\n'
  }
];

const labels = { app: 'shop', tier: 'web' };

export function template(image: string) {
  return {
    metadata: { labels },
    spec: {
      containers: [
        {
          name: 'web',
          image,
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          resources: { limits: { cpu: '1' } },
          imagePullPolicy: 'IfNotPresent'
        }
      ],
      restartPolicy: 'Always'
    }
  };
}

export function deployment(image: string, generation = 2, observed = generation): LiveWorkload {
  return {
    metadata: { name: 'shop-web', uid: 'dep-uid', generation, labels },
    spec: {
      replicas: 3,
      selector: { matchLabels: labels },
      template: template(image)
    },
    status: { observedGeneration: observed }
  };
}

export function replicaSet(uid: string, revision: number, replicas = 3): LiveWorkload {
  return {
    metadata: {
      name: `shop-web-${uid}`,
      uid,
      labels,
      annotations: { 'deployment.kubernetes.io/revision': String(revision) },
      ownerReferences: [{ kind: 'Deployment', name: 'shop-web', uid: 'dep-uid', controller: true }]
    },
    spec: { replicas }
  };
}

export function pod(
  name: string,
  owner: string,
  waiting?: { reason: string; message?: string },
  extra: Partial<Pod> = {}
): Pod {
  return {
    metadata: {
      name,
      uid: `${name}-uid`,
      labels,
      creationTimestamp: new Date(Date.now() - 5000).toISOString(),
      ownerReferences: [{ kind: 'ReplicaSet', name: owner, uid: owner, controller: true }]
    },
    spec: { nodeName: 'node-1' },
    status: {
      phase: waiting ? 'Pending' : 'Running',
      startTime: new Date(Date.now() - 5000).toISOString(),
      containerStatuses: [
        {
          name: 'web',
          restartCount: 0,
          ready: !waiting,
          state: waiting ? { waiting } : { running: {} }
        }
      ]
    },
    ...extra
  };
}

export const notFound = {
  reason: 'ImagePullBackOff',
  message:
    'Back-off pulling image "ghcr.io/o/shop:v2": ErrImagePull: rpc error: code = NotFound desc = failed to pull and unpack image "ghcr.io/o/shop:v2": not found'
};

export type { KubeObject };
