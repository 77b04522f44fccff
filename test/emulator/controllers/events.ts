// core/v1 Events the way client-go's event recorder writes them: one object per (object,
// reason, message), its count and lastTimestamp bumped when it repeats.
import { createHash } from 'node:crypto';
import type { Api } from '../api.js';
import { timestamp } from '../api.js';
import type { KObject } from '../store.js';
import { typeOf } from '../resources.js';

export class EventRecorder {
  constructor(private readonly api: Api) {}

  record(
    involved: KObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    component: string,
    fieldPath?: string
  ): void {
    const namespace = involved.metadata.namespace ?? 'default';
    const events = typeOf('events');
    const suffix = createHash('sha1')
      .update(`${involved.metadata.uid}/${reason}/${message}`)
      .digest('hex')
      .slice(0, 16);
    const name = `${involved.metadata.name}.${suffix}`;
    const now = timestamp();
    if (!this.api.store.get(typeOf('namespaces'), undefined, namespace)) return;
    const existing = this.api.store.get(events, namespace, name);
    if (existing) {
      this.api.mutate(
        events,
        namespace,
        name,
        (e) => {
          e.count = (e.count ?? 1) + 1;
          e.lastTimestamp = now;
        },
        component
      );
      return;
    }
    this.api.create(
      events,
      namespace,
      {
        metadata: { name, namespace },
        involvedObject: {
          kind: involved.kind,
          namespace: involved.metadata.namespace,
          name: involved.metadata.name,
          uid: involved.metadata.uid,
          apiVersion: involved.apiVersion,
          resourceVersion: involved.metadata.resourceVersion,
          ...(fieldPath ? { fieldPath } : {})
        },
        reason,
        message,
        source: {
          component,
          ...(component === 'kubelet' && involved.spec?.nodeName
            ? { host: involved.spec.nodeName }
            : {})
        },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: component,
        reportingInstance: component === 'kubelet' ? (involved.spec?.nodeName ?? '') : ''
      },
      { fieldManager: component, fieldValidation: 'Ignore' }
    );
  }
}
