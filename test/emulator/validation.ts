// The API server's validation of what clients commonly get wrong: object names (RFC 1123 /
// DNS-1035 as each kind requires), a Deployment's selector against its template, immutable
// fields. Messages copy k8s.io/apimachinery/pkg/util/validation so clients see familiar text.
import type { ResourceType } from './resources.js';
import { errors, type StatusCause } from './status.js';
import type { KObject } from './store.js';
import { labelSelectorMatches } from './selectors.js';

const SUBDOMAIN = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1035 = '[a-z]([-a-z0-9]*[a-z0-9])?';

const NAME_RULES: Record<string, { regex: string; max: number; explain: string }> = {
  subdomain: {
    regex: SUBDOMAIN,
    max: 253,
    explain:
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com'"
  },
  label: {
    regex: LABEL,
    max: 63,
    explain:
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc'"
  },
  dns1035: {
    regex: DNS1035,
    max: 63,
    explain:
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123'"
  }
};

function nameRule(type: ResourceType) {
  if (type.resource === 'namespaces') return NAME_RULES.label;
  if (type.resource === 'services') return NAME_RULES.dns1035;
  return NAME_RULES.subdomain;
}

function invalidValue(field: string, value: unknown, detail: string): StatusCause {
  return {
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
    field
  };
}

export function nameCauses(type: ResourceType, name: unknown): StatusCause[] {
  if (typeof name !== 'string' || name === '') {
    return [
      {
        reason: 'FieldValueRequired',
        message: 'Required value: name or generateName is required',
        field: 'metadata.name'
      }
    ];
  }
  const rule = nameRule(type);
  const causes: StatusCause[] = [];
  if (name.length > rule.max) {
    causes.push(invalidValue('metadata.name', name, `must be no more than ${rule.max} characters`));
  }
  if (!new RegExp(`^${rule.regex}$`).test(name)) {
    causes.push(
      invalidValue(
        'metadata.name',
        name,
        `${rule.explain}, regex used for validation is '${rule.regex}')`
      )
    );
  }
  return causes;
}

function specCauses(type: ResourceType, object: KObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const template = object.spec?.template;
  if (['deployments', 'replicasets', 'statefulsets', 'daemonsets'].includes(type.resource)) {
    const selector = object.spec?.selector;
    if (!selector) {
      causes.push({
        reason: 'FieldValueRequired',
        message: 'Required value',
        field: 'spec.selector'
      });
    } else if (!labelSelectorMatches(selector, template?.metadata?.labels)) {
      causes.push(
        invalidValue(
          'spec.template.metadata.labels',
          template?.metadata?.labels ?? {},
          '`selector` does not match template `labels`'
        )
      );
    }
  }
  const podSpec = type.resource === 'pods' ? object.spec : template?.spec;
  const prefix = type.resource === 'pods' ? 'spec' : 'spec.template.spec';
  if (podSpec || type.resource === 'pods') {
    const containers = podSpec?.containers;
    if (!Array.isArray(containers) || containers.length === 0) {
      causes.push({
        reason: 'FieldValueRequired',
        message: 'Required value',
        field: `${prefix}.containers`
      });
    } else {
      containers.forEach((c: { name?: string; image?: string }, i: number) => {
        if (!c.name) {
          causes.push({
            reason: 'FieldValueRequired',
            message: 'Required value',
            field: `${prefix}.containers[${i}].name`
          });
        }
        if (!c.image) {
          causes.push({
            reason: 'FieldValueRequired',
            message: 'Required value',
            field: `${prefix}.containers[${i}].image`
          });
        }
      });
    }
  }
  if (type.resource === 'services' && object.spec?.type !== 'ExternalName') {
    const ports = object.spec?.ports;
    if (!Array.isArray(ports) || ports.length === 0) {
      causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.ports' });
    }
  }
  return causes;
}

function immutableCauses(type: ResourceType, before: KObject, after: KObject): StatusCause[] {
  const immutable: Array<[string, unknown, unknown]> = [];
  if (['deployments', 'replicasets', 'statefulsets', 'daemonsets'].includes(type.resource)) {
    immutable.push(['spec.selector', before.spec?.selector, after.spec?.selector]);
  }
  if (type.resource === 'jobs') {
    immutable.push(['spec.template', before.spec?.template, after.spec?.template]);
  }
  if (type.resource === 'services' && after.spec?.clusterIP !== undefined) {
    immutable.push(['spec.clusterIP', before.spec?.clusterIP, after.spec?.clusterIP]);
  }
  if ((type.resource === 'secrets' || type.resource === 'configmaps') && before.immutable) {
    immutable.push(['data', before.data, after.data]);
  }
  return immutable
    .filter(([, a, b]) => JSON.stringify(a) !== JSON.stringify(b))
    .map(([field, , value]) => invalidValue(field, value, 'field is immutable'));
}

/** Throws 422 Invalid with every cause, like the server's validation strategy does. */
export function validate(type: ResourceType, object: KObject, before?: KObject): void {
  const causes = [
    ...(before ? [] : nameCauses(type, object.metadata?.name)),
    ...specCauses(type, object),
    ...(before ? immutableCauses(type, before, object) : [])
  ];
  if (causes.length) throw errors.invalid(type, String(object.metadata?.name ?? ''), causes);
}
