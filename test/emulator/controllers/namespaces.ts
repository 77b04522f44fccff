// The namespace controllers: a new namespace gets its `default` ServiceAccount and the root CA
// bundle; a terminating one is emptied, then removed.
import { RESOURCE_TYPES } from '../resources.js';
import { typeOf, type ControllerContext } from './context.js';

const MANAGER = { fieldManager: 'kube-controller-manager', fieldValidation: 'Ignore' };
const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export function initNamespace(ctx: ControllerContext, namespace: string, caPem: string): void {
  const { api } = ctx;
  if (!api.store.get(typeOf('serviceaccounts'), namespace, 'default')) {
    api.create(typeOf('serviceaccounts'), namespace, { metadata: { name: 'default' } }, MANAGER);
  }
  if (!api.store.get(typeOf('configmaps'), namespace, 'kube-root-ca.crt')) {
    api.create(
      typeOf('configmaps'),
      namespace,
      {
        metadata: {
          name: 'kube-root-ca.crt',
          annotations: { 'kubernetes.io/description': ROOT_CA_DESCRIPTION }
        },
        data: { 'ca.crt': caPem }
      },
      MANAGER
    );
  }
}

export function terminateNamespace(ctx: ControllerContext, namespace: string): void {
  const { store } = ctx.api;
  for (const type of RESOURCE_TYPES.filter((t) => t.namespaced)) {
    for (const o of store.list(type, namespace)) store.remove(type, namespace, o.metadata.name);
  }
  store.remove(typeOf('namespaces'), undefined, namespace);
}
