// The garbage collector: dependents whose owners are all gone are deleted in the background.
import { RESOURCE_TYPES } from '../resources.js';
import type { KObject } from '../store.js';
import type { ControllerContext } from './context.js';

export function collectDependents(ctx: ControllerContext, owner: KObject): void {
  const { api } = ctx;
  for (const type of RESOURCE_TYPES) {
    for (const o of api.store.list(type, owner.metadata.namespace)) {
      const refs: Array<{ uid: string }> = o.metadata.ownerReferences ?? [];
      if (!refs.some((r) => r.uid === owner.metadata.uid)) continue;
      const remaining = refs.filter((r) => r.uid !== owner.metadata.uid);
      if (remaining.length === 0) api.delete(type, o.metadata.namespace, o.metadata.name);
    }
  }
}
