// The job controller: one pod at a time until one succeeds (Complete) or more than
// backoffLimit fail (Failed, BackoffLimitExceeded), with the conditions helm waits on.
import { timestamp } from '../api.js';
import type { KObject } from '../store.js';
import { controllerOf, createOwnedPod, typeOf, type ControllerContext } from './context.js';

const jobs = typeOf('jobs');
const pods = typeOf('pods');

/** The API server's create-time defaulting of a Job's selector and pod labels. */
export function defaultJobSelector(job: KObject): void {
  if (job.spec?.manualSelector) return;
  const labels = {
    'batch.kubernetes.io/controller-uid': job.metadata.uid,
    'batch.kubernetes.io/job-name': job.metadata.name,
    'controller-uid': job.metadata.uid,
    'job-name': job.metadata.name
  };
  job.spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': job.metadata.uid } };
  job.spec.template.metadata = {
    ...job.spec.template.metadata,
    labels: { ...job.spec.template.metadata?.labels, ...labels }
  };
}

function condition(type: string, reason: string, message: string) {
  const now = timestamp();
  return { type, status: 'True', lastProbeTime: now, lastTransitionTime: now, reason, message };
}

export function reconcileJob(ctx: ControllerContext, job: KObject): void {
  const { api, events } = ctx;
  const { namespace, name } = job.metadata;
  if (
    (job.status?.conditions ?? []).some(
      (c: { type: string }) => c.type === 'Complete' || c.type === 'Failed'
    )
  )
    return;
  const mine = api.store
    .list(pods, namespace)
    .filter((p) => controllerOf(p)?.uid === job.metadata.uid);
  const succeeded = mine.filter((p) => p.status?.phase === 'Succeeded').length;
  const failed = mine.filter((p) => p.status?.phase === 'Failed').length;
  const active = mine.length - succeeded - failed;
  const backoffLimit = job.spec.backoffLimit ?? 6;
  const done = succeeded >= (job.spec.completions ?? 1);
  const exhausted = failed > backoffLimit;
  if (!done && !exhausted && active === 0) {
    createOwnedPod(ctx, job, 'job-controller');
  }
  api.mutate(
    jobs,
    namespace,
    name,
    (o) => {
      const status = (o.status ??= {});
      status.startTime ??= timestamp();
      status.active = done || exhausted ? 0 : Math.max(active, 1);
      if (status.active === 0) delete status.active;
      if (succeeded) status.succeeded = succeeded;
      if (failed) status.failed = failed;
      status.ready = 0;
      status.terminating = 0;
      status.uncountedTerminatedPods = {};
      if (done) {
        status.completionTime = timestamp();
        status.conditions = [
          condition(
            'SuccessCriteriaMet',
            'CompletionsReached',
            'Reached expected number of succeeded pods'
          ),
          condition('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods')
        ];
      } else if (exhausted) {
        status.conditions = [
          condition(
            'FailureTarget',
            'BackoffLimitExceeded',
            'Job has reached the specified backoff limit'
          ),
          condition('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')
        ];
      }
    },
    'kube-controller-manager',
    'status'
  );
  if (done) events.record(job, 'Normal', 'Completed', 'Job completed', 'job-controller');
  if (exhausted)
    events.record(
      job,
      'Warning',
      'BackoffLimitExceeded',
      'Job has reached the specified backoff limit',
      'job-controller'
    );
}
