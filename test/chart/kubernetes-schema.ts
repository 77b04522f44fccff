// Validates manifests offline against Kubernetes v1.35's own OpenAPI schemas, vendored
// strict (unknown fields rejected) in schemas/ (see schemas/SOURCE.md).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import type { Manifest } from './chart.js';

const BUNDLE = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'schemas',
  'kubernetes-v1.35-strict.json'
);

export interface KubernetesValidator {
  /** Problems as "<kind> <name><json path>: <message>"; empty when valid. */
  problems(manifest: Manifest): string[];
}

export function kubernetesValidator(): KubernetesValidator {
  const bundle = JSON.parse(readFileSync(BUNDLE, 'utf8')) as { kinds: Record<string, string> };
  // strict: false because OpenAPI's nested schemas are not all typed the way ajv's strict
  // mode wants; additionalProperties: false in the bundle is what makes the check strict.
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema(bundle, 'kubernetes');
  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (typeMeta: string): ValidateFunction | undefined => {
    const definition = bundle.kinds[typeMeta];
    if (!definition) return undefined;
    if (!compiled.has(typeMeta))
      compiled.set(typeMeta, ajv.compile({ $ref: `kubernetes#/definitions/${definition}` }));
    return compiled.get(typeMeta);
  };
  return {
    problems(manifest) {
      const typeMeta = `${manifest.apiVersion}/${manifest.kind}`;
      const label = `${manifest.kind} ${manifest.metadata?.name}`;
      const validate = validatorFor(typeMeta);
      if (!validate) return [`${label}: no vendored schema for ${typeMeta}`];
      if (validate(manifest)) return [];
      return (validate.errors ?? []).map((error) => {
        const detail =
          error.keyword === 'additionalProperties' ? ` "${error.params.additionalProperty}"` : '';
        return `${label}${error.instancePath}: ${error.message}${detail}`;
      });
    }
  };
}
