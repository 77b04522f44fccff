// The few fields of Kubernetes objects the deploy reads. Everything is optional because the
// API server omits empty fields; readers supply their own defaults.

interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  generation?: number;
  ownerReferences?: Array<{ kind: string; name: string; uid?: string; controller?: boolean }>;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export interface KubeList<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items: T[];
}

/** The body of every non-2xx API response (apimachinery metav1.Status). */
export interface KubeStatus {
  kind?: 'Status';
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
}

interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode?: number; reason?: string; message?: string; finishedAt?: string };
}

export interface ContainerStatus {
  name: string;
  image?: string;
  ready?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface Pod extends KubeObject {
  spec?: { nodeName?: string; [field: string]: unknown };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    startTime?: string;
    nominatedNodeName?: string;
    conditions?: PodCondition[];
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
  };
}

export interface KubeEvent extends KubeObject {
  involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
}

export interface LoadBalancerIngress {
  hostname?: string;
  ip?: string;
}

export interface Service extends KubeObject {
  spec?: { type?: string; ports?: Array<{ name?: string; port: number }> };
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

export interface Ingress extends KubeObject {
  spec?: {
    rules?: Array<{ host?: string }>;
    tls?: Array<{ hosts?: string[] }>;
  };
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

/** Deployments and StatefulSets: desired vs ready replicas. */
export interface Workload extends KubeObject {
  spec?: { replicas?: number };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
  };
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** A Deployment, ReplicaSet, StatefulSet, DaemonSet or Job as fail-fast reads it. */
export interface LiveWorkload extends KubeObject {
  spec?: {
    selector?: unknown;
    replicas?: number;
    parallelism?: number;
    template?: unknown;
    /** StatefulSets: OrderedReady (the default) or Parallel. */
    podManagementPolicy?: string;
  };
  status?: {
    observedGeneration?: number;
    updateRevision?: string;
    desiredNumberScheduled?: number;
    conditions?: Condition[];
  };
}
