import type { ManifestInfo } from './registry.js';
import { markdownTable } from '../../shared/src/summary.js';

/** What the step did, for the outputs and the job summary. */
export interface Outcome {
  /** `registry/path` without tag. */
  name: string;
  tags: string[];
  digest?: string;
  size?: number;
  platforms?: number;
  built: boolean;
  pushed: boolean;
  /** Why it was built or skipped, in words. */
  reason: string;
  durationMs: number;
  engine?: string;
  /** buildx's metadata file as JSON, where the engine wrote one. */
  metadata?: string;
}

/** A run that found every tag already pointing at `manifest`: nothing built, nothing pushed. */
export function alreadyPushed(
  name: string,
  tags: string[],
  manifest: ManifestInfo,
  reason: string
): Omit<Outcome, 'durationMs'> {
  const { digest, size, platforms } = manifest;
  return { name, tags, digest, size, platforms, built: false, pushed: false, reason };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** The action's outputs; `tags` lists full references, one per line. */
export function outcomeOutputs(outcome: Outcome): Record<string, string> {
  return {
    image: `${outcome.name}:${outcome.tags[0]}`,
    digest: outcome.digest ?? '',
    'image-ref': outcome.digest ? `${outcome.name}@${outcome.digest}` : '',
    tags: outcome.tags.map((tag) => `${outcome.name}:${tag}`).join('\n'),
    skipped: String(!outcome.built),
    metadata: outcome.metadata ?? ''
  };
}

export function renderSummary(outcome: Outcome): string {
  const rows: string[][] = [
    ['Image', `\`${outcome.name}\``],
    ['Tags', outcome.tags.map((tag) => `\`${tag}\``).join(', ')],
    ['Digest', outcome.digest ? `\`${outcome.digest}\`` : 'not pushed'],
    [
      'Size',
      outcome.size !== undefined
        ? `${formatBytes(outcome.size)} compressed`
        : outcome.platforms !== undefined
          ? `${outcome.platforms} platforms`
          : 'unknown'
    ],
    ['Result', `${outcome.built ? 'built' : 'skipped'}${outcome.pushed ? ' and pushed' : ''}`],
    ['Why', outcome.reason],
    ['Duration', `${(outcome.durationMs / 1000).toFixed(1)} s`]
  ];
  if (outcome.engine) rows.push(['Engine', outcome.engine]);
  const pull = outcome.digest
    ? `\n\n\`\`\`sh\ndocker pull ${outcome.name}@${outcome.digest}\n\`\`\`\n`
    : '\n';
  return `### Image ${outcome.name}:${outcome.tags[0]}\n\n${markdownTable(['', ''], rows)}${pull}`;
}
