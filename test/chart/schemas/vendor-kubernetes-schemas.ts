// Regenerates kubernetes-v1.35-strict.json from Kubernetes' own OpenAPI v3 documents:
//   npx tsx test/chart/schemas/vendor-kubernetes-schemas.ts <dir>
// where <dir> holds api/v1.json, apis/apps/v1.json and apis/networking.k8s.io/v1.json of one
// Kubernetes release (SOURCE.md says where the vendored copy came from). It keeps only the
// definitions the chart's kinds reach, drops descriptions and extensions, and makes every
// object strict (additionalProperties: false) the way `kubectl --validate=strict` and the
// API server's fieldValidation=Strict treat unknown fields.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

type Schema = { [key: string]: unknown };

const CHART_KINDS = {
  'v1/ConfigMap': 'io.k8s.api.core.v1.ConfigMap',
  'v1/Service': 'io.k8s.api.core.v1.Service',
  'v1/Pod': 'io.k8s.api.core.v1.Pod',
  'apps/v1/Deployment': 'io.k8s.api.apps.v1.Deployment',
  'networking.k8s.io/v1/Ingress': 'io.k8s.api.networking.v1.Ingress'
} as const;

const DOCUMENTS = ['api/v1.json', 'apis/apps/v1.json', 'apis/networking.k8s.io/v1.json'];
const REF_PREFIX = '#/components/schemas/';
// Validation keywords kept; everything else (description, default, format, x-kubernetes-*)
// is documentation or server behaviour, not shape.
const KEPT = new Set([
  'type',
  'properties',
  'items',
  'additionalProperties',
  'required',
  'enum',
  'allOf',
  'oneOf',
  '$ref'
]);

function strictCopy(node: unknown, reached: Set<string>): unknown {
  if (Array.isArray(node)) return node.map((item) => strictCopy(item, reached));
  if (node === null || typeof node !== 'object') return node;
  const source = node as Schema;
  const copy: Schema = {};
  for (const [key, value] of Object.entries(source)) {
    if (!KEPT.has(key)) continue;
    if (key === '$ref') {
      const name = (value as string).slice(REF_PREFIX.length);
      reached.add(name);
      copy.$ref = `#/definitions/${name}`;
    } else if (key === 'properties') {
      copy.properties = Object.fromEntries(
        Object.entries(value as Schema).map(([name, schema]) => [name, strictCopy(schema, reached)])
      );
    } else {
      copy[key] = typeof value === 'object' ? strictCopy(value, reached) : value;
    }
  }
  if (copy.properties && copy.additionalProperties === undefined) copy.additionalProperties = false;
  return copy;
}

/** Pins apiVersion and kind of a top-level kind, and makes both required. */
function pinTypeMeta(schema: Schema, apiVersion: string, kind: string): Schema {
  const properties = schema.properties as Schema;
  return {
    ...schema,
    properties: {
      ...properties,
      apiVersion: { type: 'string', const: apiVersion },
      kind: { type: 'string', const: kind }
    },
    required: [...new Set([...((schema.required as string[]) ?? []), 'apiVersion', 'kind'])]
  };
}

function buildStrictSchemas(allSchemas: Record<string, Schema>, sourceNote: string): Schema {
  const definitions: Record<string, unknown> = {};
  const pending = new Set<string>(Object.values(CHART_KINDS));
  while (pending.size > 0) {
    const [name] = pending;
    pending.delete(name);
    if (name in definitions) continue;
    const original = allSchemas[name];
    if (!original) throw new Error(`${name} is not in the OpenAPI documents`);
    const reached = new Set<string>();
    definitions[name] = strictCopy(original, reached);
    for (const next of reached) if (!(next in definitions)) pending.add(next);
  }
  for (const [typeMeta, name] of Object.entries(CHART_KINDS)) {
    const kind = typeMeta.slice(typeMeta.lastIndexOf('/') + 1);
    const apiVersion = typeMeta.slice(0, typeMeta.lastIndexOf('/'));
    definitions[name] = pinTypeMeta(definitions[name] as Schema, apiVersion, kind);
  }
  const sorted = Object.fromEntries(
    Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b))
  );
  // kinds: "<apiVersion>/<kind>" → its definition, for the validator to look up.
  return { $comment: sourceNote, kinds: CHART_KINDS, definitions: sorted };
}

async function main(): Promise<void> {
  const [dir, note] = process.argv.slice(2);
  if (!dir)
    throw new Error('usage: vendor-kubernetes-schemas.ts <dir with api/v1.json ...> [source note]');
  const allSchemas: Record<string, Schema> = {};
  for (const document of DOCUMENTS) {
    const parsed = JSON.parse(readFileSync(path.join(dir, document), 'utf8')) as {
      components: { schemas: Record<string, Schema> };
    };
    Object.assign(allSchemas, parsed.components.schemas);
  }
  const out = path.join(
    path.dirname(fileURLToPath(import.meta.url)),
    'kubernetes-v1.35-strict.json'
  );
  const bundle = buildStrictSchemas(allSchemas, note ?? 'See SOURCE.md');
  const options = { ...(await prettier.resolveConfig(out)), filepath: out };
  writeFileSync(out, await prettier.format(JSON.stringify(bundle), options));
  console.log(`wrote ${out}: ${Object.keys(bundle.definitions as Schema).length} definitions`);
}

await main();
