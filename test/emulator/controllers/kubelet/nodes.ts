// The cluster's nodes: EKS managed-node-group workers named after their private IPs, as Node
// objects (Ready, with the labels EKS puts on them), which the scheduler binds pods to and
// DaemonSets run on. Cluster Autoscaler adds more with `addNode`.
import type { KObject } from '../../store.js';
import { typeOf, type ControllerContext } from '../context.js';

const nodes = typeOf('nodes');
export const NODE_GROUP = 'eks-ng-default-5ec9b2a1-3f4d-4e8a-9c7b-1d2e3f4a5b6c';

/** The i-th node's private IP and name (`ip-192-168-42-17.eu-west-1.compute.internal`). */
export function nodeAddress(index: number, region: string): { ip: string; name: string } {
  const ip = `192.168.42.${17 + index}`;
  return { ip, name: `ip-${ip.replaceAll('.', '-')}.${region}.compute.internal` };
}

export function nodeObject(name: string, ip: string, region: string, pods: number) {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const ready = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
    reason,
    message
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': 'm5.large',
        'topology.kubernetes.io/region': region,
        'topology.kubernetes.io/zone': `${region}a`,
        'eks.amazonaws.com/nodegroup': 'default',
        'eks.amazonaws.com/capacityType': 'ON_DEMAND'
      }
    },
    spec: {
      providerID: `aws:///${region}a/i-0${ip
        .split('.')
        .map((n) => Number(n).toString(16).padStart(2, '0'))
        .join('')}abcdef`
    },
    status: {
      capacity: { cpu: '2', memory: '7910356Ki', pods: String(pods) },
      allocatable: { cpu: '1930m', memory: '7220180Ki', pods: String(pods) },
      conditions: [
        ready(
          'MemoryPressure',
          'False',
          'KubeletHasSufficientMemory',
          'kubelet has sufficient memory available'
        ),
        ready('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        ready(
          'PIDPressure',
          'False',
          'KubeletHasSufficientPID',
          'kubelet has sufficient PID available'
        ),
        ready('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
      ],
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name }
      ],
      nodeInfo: {
        kubeletVersion: 'v1.32.9-eks-113cf36',
        containerRuntimeVersion: 'containerd://1.7.27',
        operatingSystem: 'linux',
        architecture: 'amd64',
        osImage: 'Amazon Linux 2023.8.20250818'
      }
    }
  };
}

/** Registers node `index` unless it exists; returns its name. */
export function addNode(ctx: ControllerContext, index: number): string {
  const { ip, name } = nodeAddress(index, ctx.settings.region);
  if (ctx.api.store.get(nodes, undefined, name)) return name;
  const { podsPerNode } = ctx.settings;
  const node = nodeObject(
    name,
    ip,
    ctx.settings.region,
    Number.isFinite(podsPerNode) ? podsPerNode : 29
  );
  ctx.api.create(nodes, undefined, node, { fieldManager: 'kubelet', fieldValidation: 'Ignore' });
  ctx.api.mutate(
    nodes,
    undefined,
    name,
    (o) => {
      o.status = node.status;
    },
    'kubelet',
    'status'
  );
  return name;
}

export function nodeIp(node: KObject | undefined): string {
  return (
    (node?.status?.addresses ?? []).find((a: { type: string }) => a.type === 'InternalIP')
      ?.address ?? '192.168.42.17'
  );
}
