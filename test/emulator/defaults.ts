// The defaulting the API server does on write (pkg/apis/*/v1/defaults.go) for the kinds a
// chart creates, so live objects look like a real cluster's to helm's diffing and to kubectl.
import type { KObject } from './store.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function imagePullPolicy(image: string): string {
  const lastPart = image.split('/').pop() ?? '';
  const tagged = lastPart.includes(':') || image.includes('@');
  return !tagged || lastPart.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

function defaultContainer(container: Json): void {
  if (typeof container.image === 'string')
    container.imagePullPolicy ??= imagePullPolicy(container.image);
  container.terminationMessagePath ??= '/dev/termination-log';
  container.terminationMessagePolicy ??= 'File';
  container.resources ??= {};
  for (const port of container.ports ?? []) port.protocol ??= 'TCP';
}

export function defaultPodSpec(spec: Json, restartPolicy = 'Always'): void {
  if (!spec) return;
  spec.restartPolicy ??= restartPolicy;
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) defaultContainer(c);
}

function defaultTemplate(template: Json, restartPolicy?: string): void {
  if (!template) return;
  template.metadata ??= {};
  defaultPodSpec((template.spec ??= {}), restartPolicy);
}

const WITH_SPEC = new Set([
  'deployments',
  'replicasets',
  'statefulsets',
  'daemonsets',
  'jobs',
  'services'
]);

export function applyDefaults(resource: string, object: KObject): void {
  if (WITH_SPEC.has(resource)) object.spec ??= {};
  const spec = object.spec;
  switch (resource) {
    case 'deployments':
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      spec.strategy ??= { type: 'RollingUpdate' };
      if (spec.strategy.type === 'RollingUpdate') {
        spec.strategy.rollingUpdate ??= {};
        spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
        spec.strategy.rollingUpdate.maxSurge ??= '25%';
      }
      defaultTemplate(spec.template);
      break;
    case 'replicasets':
      spec.replicas ??= 1;
      defaultTemplate(spec.template);
      break;
    case 'statefulsets':
      spec.replicas ??= 1;
      spec.podManagementPolicy ??= 'OrderedReady';
      spec.revisionHistoryLimit ??= 10;
      spec.updateStrategy ??= { type: 'RollingUpdate' };
      if (spec.updateStrategy.type === 'RollingUpdate') {
        spec.updateStrategy.rollingUpdate ??= {};
        spec.updateStrategy.rollingUpdate.partition ??= 0;
      }
      spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: 'Retain', whenScaled: 'Retain' };
      defaultTemplate(spec.template);
      break;
    case 'daemonsets':
      spec.revisionHistoryLimit ??= 10;
      spec.updateStrategy ??= { type: 'RollingUpdate' };
      if (spec.updateStrategy.type === 'RollingUpdate') {
        spec.updateStrategy.rollingUpdate ??= {};
        spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
        spec.updateStrategy.rollingUpdate.maxSurge ??= 0;
      }
      defaultTemplate(spec.template);
      break;
    case 'jobs':
      spec.backoffLimit ??= 6;
      spec.completions ??= 1;
      spec.parallelism ??= 1;
      spec.completionMode ??= 'NonIndexed';
      spec.suspend ??= false;
      defaultTemplate(spec.template);
      break;
    case 'pods':
      defaultPodSpec((object.spec ??= {}));
      object.status ??= { phase: 'Pending', qosClass: 'BestEffort' };
      break;
    case 'services':
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      if (spec.type !== 'ExternalName') {
        spec.ipFamilies ??= ['IPv4'];
        spec.ipFamilyPolicy ??= 'SingleStack';
        spec.internalTrafficPolicy ??= 'Cluster';
      }
      if (spec.type === 'LoadBalancer' || spec.type === 'NodePort') {
        spec.externalTrafficPolicy ??= 'Cluster';
      }
      if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
      for (const port of spec.ports ?? []) {
        port.protocol ??= 'TCP';
        port.targetPort ??= port.port;
      }
      object.status ??= { loadBalancer: {} };
      break;
    case 'secrets':
      object.type ??= 'Opaque';
      break;
    case 'namespaces':
      object.spec ??= {};
      object.spec.finalizers ??= ['kubernetes'];
      object.status ??= { phase: 'Active' };
      break;
  }
}
