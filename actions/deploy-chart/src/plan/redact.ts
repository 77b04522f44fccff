// What a plan may show of a value. A Secret's data and stringData never show: only that a key
// was added, changed or removed (no value, no length). Elsewhere, a string is hidden when its
// field is named like a credential, when it looks like one (keys, tokens, PEM blocks, URLs
// with a password), or when it contains the value of any Secret in the plan. Pure.
import { valueAt, type FieldChange, type FieldPath } from './diff.js';
import type { Json, JsonObject, ManifestObject } from './manifest.js';

export const HIDDEN = '(sensitive)';

/** A field's name that says its value is a credential (env var names and keys alike). */
const CREDENTIAL_NAME =
  /(pass(word|wd|phrase)?|secret|token|api[-_]?key|credential|private[-_]?key|access[-_]?key|client[-_]?key|auth|session|cookie|signature|dsn|connection[-_]?string)$/i;

/** Values that are credentials whatever their field is called. */
const CREDENTIAL_VALUE = [
  /\b(AKIA|ASIA)[0-9A-Z]{16}\b/, // AWS access key id
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]+/, // JWT
  /\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}/, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}/,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/, // Slack
  /\bk8s-aws-v1\.[\w-]{20,}/, // EKS token
  /:\/\/[^/\s:@]+:[^/\s@]+@/ // URL with user:password
];

function isSecretKind(kind: string): boolean {
  return kind === 'Secret';
}

/**
 * Whether a field's name says it holds a credential. For `env[name=DB_PASSWORD].value` (and
 * other `name`/`value` lists) the item's name is the field's name.
 */
function namedLikeCredential(path: FieldPath): boolean {
  const keys = path.filter((s) => typeof s !== 'number');
  const last = keys.at(-1);
  const item = keys.at(-2);
  const name =
    last === 'value' && typeof item === 'object'
      ? item.name
      : typeof last === 'string'
        ? last
        : last?.name;
  return name !== undefined && CREDENTIAL_NAME.test(name);
}

function strings(value: Json | undefined, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => strings(v, out));
  return out;
}

/**
 * The values of every Secret among the objects, decoded and as stored (base64), so that one
 * copied into a ConfigMap or an env var is hidden there too. Values under 4 characters are
 * too common to hide everywhere (they still never show under the Secret itself).
 */
export function secretValues(objects: Iterable<Pick<ManifestObject, 'kind' | 'body'>>): string[] {
  const values = new Set<string>();
  for (const { kind, body } of objects) {
    if (!isSecretKind(kind)) continue;
    for (const [field, decode] of [
      ['data', true],
      ['stringData', false]
    ] as const) {
      const map = body[field];
      if (!map || typeof map !== 'object' || Array.isArray(map)) continue;
      for (const raw of Object.values(map)) {
        if (typeof raw !== 'string') continue;
        const plain = decode ? Buffer.from(raw, 'base64').toString('utf8') : raw;
        for (const v of [raw, plain, Buffer.from(plain).toString('base64')]) {
          if (v.trim().length >= 4) values.add(v.trim());
        }
      }
    }
  }
  return [...values];
}

/**
 * The chart's values that are secret: those its values.schema.json marks `writeOnly: true` or
 * `format: password` (JSON Schema's words for it), and any whose key is named like a
 * credential, in the given values (the user's, and the chart's defaults).
 */
export function sensitiveValues(schema: unknown, valueSets: unknown[]): string[] {
  const found = new Set<string>();
  const add = (value: unknown) => {
    for (const text of strings(value as Json)) if (text.trim().length >= 4) found.add(text.trim());
  };
  const marked = (node: unknown): boolean => {
    const n = node as { writeOnly?: unknown; format?: unknown } | null;
    return !!n && (n.writeOnly === true || n.format === 'password');
  };
  const walk = (node: unknown, values: unknown) => {
    if (values === undefined || values === null) return;
    if (marked(node)) return add(values);
    const properties = (node as { properties?: Record<string, unknown> } | null)?.properties ?? {};
    if (typeof values !== 'object' || Array.isArray(values)) return;
    for (const [key, value] of Object.entries(values)) {
      if (typeof value === 'string' && CREDENTIAL_NAME.test(key)) add(value);
      else walk(properties[key], value);
    }
  };
  for (const values of valueSets) walk(schema, values);
  return [...found];
}

function looksLikeCredential(value: string, known: string[]): boolean {
  return CREDENTIAL_VALUE.some((re) => re.test(value)) || known.some((k) => value.includes(k));
}

function sensitive(value: Json | undefined, path: FieldPath, known: string[]): boolean {
  const texts = strings(value);
  if (texts.length === 0) return false;
  if (namedLikeCredential(path)) return true;
  return texts.some((t) => looksLikeCredential(t, known));
}

export interface ShownChange {
  path: FieldPath;
  before?: Json;
  after?: Json;
  /** The values were withheld; `before`/`after` are HIDDEN where a value existed. */
  hidden: boolean;
}

/** A change as the plan may show it. */
export function redactChange(kind: string, change: FieldChange, known: string[]): ShownChange {
  const underSecretData =
    isSecretKind(kind) && (change.path[0] === 'data' || change.path[0] === 'stringData');
  const hide =
    underSecretData ||
    sensitive(change.before, change.path, known) ||
    sensitive(change.after, change.path, known);
  if (!hide) return { ...change, hidden: false };
  return {
    path: change.path,
    ...(change.before === undefined ? {} : { before: HIDDEN }),
    ...(change.after === undefined ? {} : { after: HIDDEN }),
    hidden: true
  };
}

/**
 * The leaf fields of a new object as the plan shows them, redacted: a Secret's data keys
 * without values, credentials hidden. server-owned fields are not part of a manifest.
 */
export function redactObjectFields(kind: string, body: JsonObject, known: string[]): ShownChange[] {
  const leaves: FieldPath[] = [];
  const walk = (value: Json, path: FieldPath) => {
    if (Array.isArray(value) && value.length) value.forEach((v, i) => walk(v, [...path, i]));
    else if (
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      Object.keys(value).length
    ) {
      for (const [key, inner] of Object.entries(value)) walk(inner, [...path, key]);
    } else leaves.push(path);
  };
  walk(body, []);
  return leaves.map((path) => redactChange(kind, { path, after: valueAt(body, path) }, known));
}
