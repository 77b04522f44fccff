// Service allocation (cluster IP and node ports, done by the API server at create) and the
// AWS cloud controller: LoadBalancer Services get an ELB hostname after a delay.
import { randomBytes } from 'node:crypto';
import type { KObject } from '../store.js';
import { typeOf, type ControllerContext } from './context.js';

const services = typeOf('services');

export function serviceAllocator(): (service: KObject) => void {
  let nextIp = 10;
  let nextNodePort = 30000 + Math.floor(Math.random() * 2000);
  return (service) => {
    const spec = service.spec;
    if (spec.type !== 'ExternalName' && spec.clusterIP !== 'None' && !spec.clusterIP) {
      const n = nextIp++;
      spec.clusterIP = `10.100.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`;
    }
    if (spec.clusterIP) spec.clusterIPs ??= [spec.clusterIP];
    if (spec.type === 'LoadBalancer' || spec.type === 'NodePort') {
      for (const port of spec.ports ?? []) port.nodePort ??= nextNodePort++;
    }
  };
}

/**
 * The service registry's patchAllocatedValues: an update that leaves out the cluster IP or
 * node ports (an apply of a manifest that never had them) keeps the allocated ones.
 */
export function keepAllocatedValues(before: KObject, next: KObject): void {
  const spec = next.spec;
  if (!spec || spec.type === 'ExternalName' || before.spec?.type === 'ExternalName') return;
  if (!spec.clusterIP && before.spec?.clusterIP) {
    spec.clusterIP = before.spec.clusterIP;
    spec.clusterIPs = before.spec.clusterIPs;
  }
  if (spec.type === 'LoadBalancer' || spec.type === 'NodePort') {
    for (const port of spec.ports ?? []) {
      const old = (before.spec?.ports ?? []).find(
        (p: { port: number; protocol?: string }) =>
          p.port === port.port && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP')
      );
      if (!port.nodePort && old?.nodePort) port.nodePort = old.nodePort;
    }
  }
}

export function reconcileLoadBalancer(ctx: ControllerContext, service: KObject): void {
  if (service.spec?.type !== 'LoadBalancer' || service.status?.loadBalancer?.ingress?.length)
    return;
  const { api, events, settings } = ctx;
  const { namespace, name, uid } = service.metadata;
  ctx.later(
    0,
    () =>
      events.record(
        service,
        'Normal',
        'EnsuringLoadBalancer',
        'Ensuring load balancer',
        'service-controller'
      ),
    `lb-start/${uid}`
  );
  if (settings.loadBalancerFailure !== undefined) {
    const failure = `Error syncing load balancer: failed to ensure load balancer: ${settings.loadBalancerFailure}`;
    ctx.later(
      settings.loadBalancerDelayMs,
      () =>
        events.record(service, 'Warning', 'SyncLoadBalancerFailed', failure, 'service-controller'),
      `lb/${uid}`
    );
    return;
  }
  ctx.later(
    settings.loadBalancerDelayMs,
    () => {
      const id = `a${randomBytes(16).toString('hex')}`;
      const digits = String(Math.floor(1e9 + Math.random() * 9e9));
      const hostname = `${id}-${digits}.${settings.region}.elb.amazonaws.com`;
      const updated = api.mutate(
        services,
        namespace,
        name,
        (o) => {
          if (o.metadata.uid !== uid) return;
          o.status = { loadBalancer: { ingress: [{ hostname }] } };
        },
        'aws-cloud-controller-manager',
        'status'
      );
      if (updated)
        events.record(
          updated,
          'Normal',
          'EnsuredLoadBalancer',
          'Ensured load balancer',
          'service-controller'
        );
    },
    `lb/${uid}`
  );
}
