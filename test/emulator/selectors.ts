// Label and field selectors as the API server parses them (k8s.io/apimachinery labels and
// fields packages): `a=b,c!=d,e in (x,y),f notin (z),g,!h`, and `metadata.name=x` style.
import { errors } from './status.js';

type Requirement =
  | { key: string; op: 'eq' | 'neq'; values: [string] }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists'; values: [] };

export type Selector = (labels: Record<string, string> | undefined) => boolean;

/** Splits on commas that are not inside `( … )`. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

function parseRequirement(term: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
  if (set) {
    const values = set[3].split(',').map((v) => v.trim());
    return { key: set[1], op: set[2] as 'in' | 'notin', values };
  }
  const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
  if (cmp) return { key: cmp[1], op: cmp[2] === '!=' ? 'neq' : 'eq', values: [cmp[3]] };
  const not = /^!\s*(\S+)$/.exec(term);
  if (not) return { key: not[1], op: 'notexists', values: [] };
  if (/^[A-Za-z0-9._/-]+$/.test(term)) return { key: term, op: 'exists', values: [] };
  throw errors.badRequest(`unable to parse requirement: ${JSON.stringify(term)}`);
}

function matches(req: Requirement, value: string | undefined): boolean {
  switch (req.op) {
    case 'eq':
      return value === req.values[0];
    case 'neq':
      return value !== req.values[0];
    case 'in':
      return value !== undefined && req.values.includes(value);
    case 'notin':
      return value === undefined || !req.values.includes(value);
    case 'exists':
      return value !== undefined;
    case 'notexists':
      return value === undefined;
  }
}

export function parseLabelSelector(text: string | null | undefined): Selector {
  const requirements = splitTerms(text ?? '').map(parseRequirement);
  return (labels) => requirements.every((r) => matches(r, labels?.[r.key]));
}

/**
 * The field labels each resource supports besides metadata.name and metadata.namespace, as the
 * API server's field label conversion functions list them (pkg/registry/<group>/<resource>/
 * strategy.go and pkg/apis/core/v1/conversion.go). Anything else is `400 field label not
 * supported`, which clients that guess at field selectors must handle.
 */
const FIELD_LABELS: Record<string, string[]> = {
  pods: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.podIPs',
    'status.nominatedNodeName'
  ],
  events: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type'
  ],
  secrets: ['type'],
  namespaces: ['status.phase'],
  nodes: ['spec.unschedulable'],
  replicasets: ['status.replicas'],
  jobs: ['status.successful'],
  services: ['spec.clusterIP', 'spec.type'],
  replicationcontrollers: ['status.replicas'],
  persistentvolumes: ['name'],
  certificatesigningrequests: ['spec.signerName']
};

/**
 * Field selectors compare dotted paths of the object (`status.phase=Running`); `resource` (the
 * plural) limits them to the labels the real server supports for it.
 */
export function parseFieldSelector(
  text: string | null | undefined,
  resource?: string
): (object: Record<string, unknown>) => boolean {
  const supported = [
    'metadata.name',
    'metadata.namespace',
    ...(FIELD_LABELS[resource ?? ''] ?? [])
  ];
  const requirements = splitTerms(text ?? '').map((term) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term);
    if (!m) throw errors.badRequest(`invalid selector: '${term}'; can't understand '${term}'`);
    const label = m[1].trim();
    if (resource !== undefined && !supported.includes(label)) {
      throw errors.badRequest(`field label not supported: ${label}`);
    }
    return { path: label.split('.'), negate: m[2] === '!=', value: m[3].trim() };
  });
  return (object) =>
    requirements.every(({ path, negate, value }) => {
      let current: unknown = object;
      for (const key of path) current = (current as Record<string, unknown> | undefined)?.[key];
      const actual = current === undefined || current === null ? '' : String(current);
      return (actual === value) !== negate;
    });
}

/** A `matchLabels` / `matchExpressions` LabelSelector object, as Deployments carry. */
export function labelSelectorMatches(
  selector: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } | undefined,
  labels: Record<string, string> | undefined
): boolean {
  if (!selector) return false;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every((raw) => {
    const e = raw as { key: string; operator: string; values?: string[] };
    const op = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: 'notexists' }[
      e.operator
    ] as Requirement['op'];
    return matches({ key: e.key, op, values: e.values ?? [] } as Requirement, labels?.[e.key]);
  });
  return byLabel && byExpression;
}
