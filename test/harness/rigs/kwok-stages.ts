// The kwok stages of the real-cluster rig: what a kubelet and a container runtime would do to
// the pods the real scheduler binds to the rig's fake node. kwok applies a stage to every pod
// its selector (jq over the pod) matches, after the stage's delay; the container's waiting
// reason is the state machine:
//
//   (new) ─pull delay─▶ ContainerCreating ─start delay─▶ Running, Ready      (pullable image)
//                               │                    └─▶ Running, not Ready  (never-ready image)
//                               │                    └─▶ CrashLoopBackOff    (crash-loop image)
//                               │   Running (a Job's pod, ready or not) ─start delay─▶ Succeeded
//                               └─▶ ErrImagePull ─1 s─▶ ImagePullBackOff ─back-off─▶ ErrImagePull …
//                                   (not found: any image that is not pullable, for ever;
//                                    transient: a flaky image, which pulls after one back-off;
//                                    the back-off message carries the pull's cause, as since 1.32)
//
// Pure: `kwokStages(policy)` returns the YAML documents kwok reads with --config.
import { stringify } from 'yaml';

export interface PodPolicy {
  /** Images that pull (JavaScript regexes written in RE2's common subset; CEL `matches`). */
  pullableImages: RegExp[];
  /** Pullable images whose first pull fails (a registry time-out) and succeeds after a back-off. */
  flakyPullImages?: RegExp[];
  /** Pullable images whose container exits at once, for ever (CrashLoopBackOff). */
  crashLoopImages?: RegExp[];
  /** Pullable images whose container runs but never passes its readiness probe. */
  neverReadyImages?: RegExp[];
  /** From pod binding to "image pulled" (ContainerCreating in between). */
  pullDelayMs?: number;
  /** From pulled to started. */
  startDelayMs?: number;
  /** How long ImagePullBackOff lasts before the next try. */
  backOffMs?: number;
  /** How many pods the fake node has room for (`allocatable.pods`; default 110). */
  podsPerNode?: number;
  /** From a pod's deletion to its removal: its containers' exit after SIGTERM (default 0). */
  stopDelayMs?: number;
}

type Stage = Record<string, unknown>;

const retryMessage = 'pulling again after the back-off';

// Selector conditions are jq expressions that yield true (kwok's CEL cannot iterate the typed
// lists of a pod); a JSON string literal is a jq string literal.
const anyImage = (patterns: RegExp[] | undefined): string =>
  (patterns ?? []).length === 0
    ? 'false'
    : `([.spec.containers[].image | select(${(patterns ?? [])
        .map((re) => `test(${JSON.stringify(re.source)})`)
        .join(' or ')})] | length > 0)`;

const waiting_ = (field: 'reason' | 'message', value: string) =>
  `([.status.containerStatuses[]? | select(.state.waiting.${field} == ${JSON.stringify(value)})] | length > 0)`;
const waitingReason = (reason: string) => waiting_('reason', reason);
const not = (condition: string) => `(${condition} | not)`;
const ownedByJob = '([.metadata.ownerReferences[]? | select(.kind == "Job")] | length > 0)';
const jq = (key: string) => ({ jq: { key, operator: 'In', values: ['true'] } });

function podStage(
  name: string,
  conditions: string[],
  delayMs: number,
  statusTemplate: string,
  event?: { type: 'Normal' | 'Warning'; reason: string; message: string }
): Stage {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name },
    spec: {
      resourceRef: { apiGroup: 'v1', kind: 'Pod' },
      selector: {
        matchExpressions: ['.metadata.deletionTimestamp == null', ...conditions].map(jq)
      },
      delay: { durationMilliseconds: delayMs },
      next: { ...(event ? { event } : {}), statusTemplate }
    }
  };
}

/** A failed pull: ErrImagePull with `message`, and the kubelet's `Failed` event. */
function pullFailure(
  name: string,
  conditions: string[],
  delayMs: number,
  message: string,
  eventMessage: string
): Stage {
  return podStage(
    name,
    conditions,
    delayMs,
    status('Pending', false, containers(waiting('ErrImagePull', message))),
    { type: 'Warning', reason: 'Failed', message: eventMessage }
  );
}

// Go templates kwok renders against the pod; `{{ $now }}` and the IPs come from kwok.
// Not ready, the kubelet says which containers: `containers with unready status: [a b]`.
const unready =
  'reason: ContainersNotReady, message: "containers with unready status: [{{ range $i, $c := .spec.containers }}{{ if $i }} {{ end }}{{ $c.name }}{{ end }}]", ';
const conditions = (ready: boolean) => `conditions:
- {type: PodScheduled, status: "True", lastTransitionTime: {{ $now | Quote }}}
- {type: Initialized, status: "True", lastTransitionTime: {{ $now | Quote }}}
- {type: ContainersReady, status: "${ready ? 'True' : 'False'}", ${ready ? '' : unready}lastTransitionTime: {{ $now | Quote }}}
- {type: Ready, status: "${ready ? 'True' : 'False'}", ${ready ? '' : unready}lastTransitionTime: {{ $now | Quote }}}`;

const addresses = `hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}`;

function containers(state: string, extra = ''): string {
  return `containerStatuses:
{{ range .spec.containers }}
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  imageID: ""
  ${state}${extra}
{{ end }}`;
}

const waiting = (reason: string, message: string) =>
  `ready: false
  started: false
  restartCount: 0
  state: {waiting: {reason: ${reason}, message: ${JSON.stringify(message)}}}`;

// The kubelet since 1.32 keeps the pull's cause in the back-off message:
// `Back-off pulling image "x": ErrImagePull: <the ErrImagePull message before it>`.
const backOffContainers = `containerStatuses:
{{ range $i, $c := .spec.containers }}
- name: {{ $c.name | Quote }}
  image: {{ $c.image | Quote }}
  imageID: ""
  ready: false
  started: false
  restartCount: 0
  state: {waiting: {reason: ImagePullBackOff, message: {{ printf "Back-off pulling image %q: ErrImagePull: %s" $c.image (index $.status.containerStatuses $i).state.waiting.message | Quote }}}}
{{ end }}`;

function status(phase: string, ready: boolean, containerBlock: string, started = false): string {
  return `{{ $now := Now }}
phase: ${phase}
${conditions(ready)}
${addresses}
${started ? 'startTime: {{ $now | Quote }}\n' : ''}${containerBlock}`;
}

export function kwokStages(policy: PodPolicy): string {
  const pullDelay = policy.pullDelayMs ?? 300;
  const startDelay = policy.startDelayMs ?? 300;
  const backOff = policy.backOffMs ?? 2000;
  const pullable = anyImage(policy.pullableImages);
  const flaky = anyImage(policy.flakyPullImages);
  const crash = anyImage(policy.crashLoopImages);
  const neverReady = anyImage(policy.neverReadyImages);
  const creating = waitingReason('ContainerCreating');
  // A flaky image's first pull fails; the retry after its back-off says so in the message.
  const firstPullOfFlaky = `(${flaky} and ${not(waiting_('message', retryMessage))})`;

  const stages: Stage[] = [
    nodeInitialize(policy.podsPerNode ?? 110),
    podStage(
      'pod-pulling',
      ['(.spec.nodeName // "") != ""', '((.status.containerStatuses // []) | length == 0)'],
      0,
      status('Pending', false, containers(waiting('ContainerCreating', ''))),
      { type: 'Normal', reason: 'Pulling', message: 'Pulling image' }
    ),
    pullFailure(
      'pod-pull-not-found',
      [creating, not(pullable)],
      pullDelay,
      `rpc error: code = NotFound desc = failed to pull and unpack image "{{ .image }}": not found`,
      'Failed to pull image: rpc error: code = NotFound desc = not found'
    ),
    pullFailure(
      'pod-pull-flaky',
      [creating, pullable, firstPullOfFlaky],
      pullDelay,
      'rpc error: code = Unknown desc = failed to pull image "{{ .image }}": dial tcp: i/o timeout',
      'Failed to pull image: dial tcp: i/o timeout'
    ),
    podStage(
      'pod-pull-back-off',
      [waitingReason('ErrImagePull')],
      1000,
      status('Pending', false, backOffContainers),
      { type: 'Normal', reason: 'BackOff', message: 'Back-off pulling image' }
    ),
    podStage(
      'pod-pull-retry',
      [waitingReason('ImagePullBackOff')],
      backOff,
      status('Pending', false, containers(waiting('ContainerCreating', retryMessage)))
    ),
    podStage(
      'pod-crash-loop',
      [creating, pullable, not(firstPullOfFlaky), crash],
      pullDelay + startDelay,
      status(
        'Running',
        false,
        containers(
          `ready: false
  started: false
  restartCount: 3
  lastState: {terminated: {exitCode: 1, reason: Error, startedAt: {{ $now | Quote }}, finishedAt: {{ $now | Quote }}}}
  state: {waiting: {reason: CrashLoopBackOff, message: "back-off 40s restarting failed container={{ .name }}"}}`
        ),
        true
      ),
      { type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container' }
    ),
    podStage(
      'pod-never-ready',
      [creating, pullable, not(firstPullOfFlaky), not(crash), neverReady],
      pullDelay + startDelay,
      status(
        'Running',
        false,
        containers(`ready: false
  started: true
  restartCount: 0
  state: {running: {startedAt: {{ $now | Quote }}}}`),
        true
      ),
      {
        type: 'Warning',
        reason: 'Unhealthy',
        message: 'Readiness probe failed: connection refused'
      }
    ),
    podStage(
      'pod-ready',
      [creating, pullable, not(firstPullOfFlaky), not(crash), not(neverReady)],
      pullDelay + startDelay,
      status(
        'Running',
        true,
        containers(`ready: true
  started: true
  restartCount: 0
  state: {running: {startedAt: {{ $now | Quote }}}}`),
        true
      ),
      { type: 'Normal', reason: 'Started', message: 'Started container' }
    ),
    // A Job's container runs to completion (exit 0), ready or not: a readiness probe does not
    // hold a Job back. Without this, a hook Job would keep helm waiting until its timeout.
    podStage(
      'pod-complete',
      ['(.status.phase == "Running")', ownedByJob, not(crash)],
      startDelay,
      `{{ $now := Now }}
phase: Succeeded
conditions:
- {type: PodScheduled, status: "True", lastTransitionTime: {{ $now | Quote }}}
- {type: Initialized, status: "True", lastTransitionTime: {{ $now | Quote }}}
- {type: ContainersReady, status: "False", reason: PodCompleted, lastTransitionTime: {{ $now | Quote }}}
- {type: Ready, status: "False", reason: PodCompleted, lastTransitionTime: {{ $now | Quote }}}
${addresses}
${containers(`ready: false
  started: false
  restartCount: 0
  state: {terminated: {exitCode: 0, reason: Completed, startedAt: {{ $now | Quote }}, finishedAt: {{ $now | Quote }}}}`)}`,
      { type: 'Normal', reason: 'Completed', message: 'Container completed' }
    ),
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Stage',
      metadata: { name: 'pod-delete' },
      spec: {
        resourceRef: { apiGroup: 'v1', kind: 'Pod' },
        selector: {
          matchExpressions: [jq('.metadata.deletionTimestamp != null')]
        },
        delay: { durationMilliseconds: policy.stopDelayMs ?? 0 },
        next: { finalizers: { empty: true }, delete: true }
      }
    }
  ];
  return stages.map((stage) => stringify(stage)).join('---\n');
}

/** The fake node comes up Ready with room for `pods` pods; kwok renews its lease from then on. */
function nodeInitialize(pods: number): Stage {
  const condition = (type: string, value: string, reason: string) =>
    `- {type: ${type}, status: "${value}", reason: ${reason}, message: ${reason}, lastHeartbeatTime: {{ $now | Quote }}, lastTransitionTime: {{ $now | Quote }}}`;
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name: 'node-initialize' },
    spec: {
      resourceRef: { apiGroup: 'v1', kind: 'Node' },
      selector: {
        matchExpressions: [
          jq(
            '([.status.conditions[]? | select(.type == "Ready" and .status == "True")] | length == 0)'
          )
        ]
      },
      next: {
        statusTemplate: `{{ $now := Now }}
conditions:
${condition('Ready', 'True', 'KubeletReady')}
${condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory')}
${condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure')}
${condition('PIDPressure', 'False', 'KubeletHasSufficientPID')}
addresses:
- {type: InternalIP, address: {{ NodeIP | Quote }}}
- {type: Hostname, address: {{ NodeName | Quote }}}
{{ with NodePort }}
daemonEndpoints:
  kubeletEndpoint:
    Port: {{ . }}
{{ end }}
allocatable: {cpu: "32", memory: 128Gi, pods: "${pods}"}
capacity: {cpu: "32", memory: 128Gi, pods: "${pods}"}
nodeInfo:
  architecture: amd64
  operatingSystem: linux
  kubeletVersion: {{ Version | Quote }}
  kubeProxyVersion: ""
  containerRuntimeVersion: "kwok"
  osImage: "kwok"
  kernelVersion: ""
  machineID: ""
  systemUUID: ""
  bootID: ""
phase: Running`
      }
    }
  };
}
