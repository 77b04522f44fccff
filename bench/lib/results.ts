// What a bench run produces, and how it reads as Markdown. Pure: run.ts fills it in and
// writes it out; the table test renders hand-made results. results/latest.* are kept per
// section (one runSuite of run.ts): a run replaces the sections it measured and keeps the
// others, each with the date, load and bundles of the run that measured it.
import type { PhaseTime } from './phases.js';
import { ratioOfMedians, summarize, type Summary } from './stats.js';

export interface Figure {
  id: string;
  /** Which issue-11 measurement it belongs to, e.g. "1. deploy overhead". */
  group: string;
  label: string;
  samplesMs: number[];
  /** The section (run.ts's runSuite) that measured it. */
  section?: string;
}

export interface Comparison {
  label: string;
  /** Figure ids. */
  ours: string;
  anchor: string;
  /** The ratio we aim at or below, when there is one. */
  target?: number;
  section?: string;
}

export interface Breakdown {
  label: string;
  phases: Array<{ phase: string; samplesMs: number[] }>;
  section?: string;
}

export interface BenchResults {
  date: string;
  machine: { nproc: number; loadAverageAtStart: number[]; loadAverageAtEnd: number[]; cpu: string };
  versions: Record<string, string>;
  durationMs: number;
  figures: Figure[];
  comparisons: Comparison[];
  breakdowns: Breakdown[];
  sizes: Array<{ file: string; bytes: number }>;
  notes: string[];
}

/** Phase samples by name across runs, in the order the phases first appear. */
export function mergePhaseRuns(runs: readonly PhaseTime[][]): Breakdown['phases'] {
  const phases = new Map<string, number[]>();
  for (const run of runs) {
    for (const { phase, ms } of run) phases.set(phase, [...(phases.get(phase) ?? []), ms]);
  }
  return [...phases].map(([phase, samplesMs]) => ({ phase, samplesMs }));
}

/** Seconds with two decimals; below 0.1 s, milliseconds (a tool-cache hit takes a few). */
export function duration(ms: number): string {
  return ms < 100 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KiB`;
}

function table(header: string[], rows: string[][]): string {
  if (rows.length === 0) return '';
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function findFigure(results: BenchResults, id: string): Figure {
  const figure = results.figures.find((f) => f.id === id);
  if (!figure) throw new Error(`comparison names figure "${id}", which was not measured`);
  return figure;
}

function summaryCells(summary: Summary): string[] {
  return [
    String(summary.n),
    duration(summary.minMs),
    duration(summary.medianMs),
    duration(summary.maxMs)
  ];
}

function verdict(ratio: number, target: number | undefined): string {
  if (target === undefined) return '';
  return ratio <= target ? `≤ ${target} met` : `≤ ${target} NOT met`;
}

/** The JSON written to results/latest.json: the results plus every figure's summary. */
export function withSummaries(results: BenchResults): object {
  return {
    ...results,
    figures: results.figures.map((f) => ({ ...f, ...summarize(f.samplesMs) })),
    comparisons: results.comparisons.map((c) => ({
      ...c,
      ratio: ratioOfMedians(
        findFigure(results, c.ours).samplesMs,
        findFigure(results, c.anchor).samplesMs
      )
    })),
    breakdowns: results.breakdowns.map((b) => ({
      ...b,
      phases: b.phases.map((p) => ({ ...p, ...summarize(p.samplesMs) }))
    }))
  };
}

export function renderMarkdown(results: BenchResults): string {
  const { machine } = results;
  const head = [
    `Run ${results.date} in ${duration(results.durationMs)} on ${machine.nproc} cores (${machine.cpu}), ` +
      `load average ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' / ')} at start, ` +
      `${machine.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' / ')} at end.`,
    Object.entries(results.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ') + '.'
  ].join('\n');
  const ratios = table(
    ['Comparison (ours / anchor)', 'ours median', 'anchor median', 'ratio', 'target'],
    results.comparisons.map((c) => {
      const ours = findFigure(results, c.ours).samplesMs;
      const anchor = findFigure(results, c.anchor).samplesMs;
      const ratio = ratioOfMedians(ours, anchor);
      return [
        c.label,
        duration(summarize(ours).medianMs),
        duration(summarize(anchor).medianMs),
        ratio.toFixed(2),
        verdict(ratio, c.target)
      ];
    })
  );
  const figures = table(
    ['Measurement', 'what', 'n', 'min', 'median', 'max'],
    results.figures.map((f) => [f.group, f.label, ...summaryCells(summarize(f.samplesMs))])
  );
  const breakdowns = results.breakdowns.map((b) =>
    [
      `Where the time goes: ${b.label}`,
      '',
      table(
        ['phase', 'n', 'min', 'median', 'max'],
        b.phases.map((p) => [p.phase, ...summaryCells(summarize(p.samplesMs))])
      )
    ].join('\n')
  );
  const sizes = table(
    ['Bundle file', 'size'],
    results.sizes.map((s) => [s.file, kib(s.bytes)])
  );
  const notes = results.notes.map((note) => `- ${note}`).join('\n');
  return [head, ratios, figures, ...breakdowns, sizes, notes].filter(Boolean).join('\n\n') + '\n';
}

/** A section of results/latest.*: what one runSuite measured, as a run of its own. */
export type SectionResults = BenchResults & { section: string };

export interface LatestResults {
  sections: SectionResults[];
  /** The bundles of the latest run that wrote the file. */
  sizes: BenchResults['sizes'];
}

export interface SectionRun {
  section: string;
  date: string;
  durationMs: number;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
}

/** One section's figures, comparisons and breakdowns, with its own date and load. Pure. */
export function sectionResults(
  run: BenchResults,
  meta: SectionRun,
  rounds: number
): SectionResults {
  const mine = <T extends { section?: string }>(items: T[]) =>
    items.filter((item) => item.section === meta.section);
  return {
    section: meta.section,
    date: meta.date,
    machine: {
      ...run.machine,
      loadAverageAtStart: meta.loadAverageAtStart,
      loadAverageAtEnd: meta.loadAverageAtEnd
    },
    versions: run.versions,
    durationMs: meta.durationMs,
    figures: mine(run.figures),
    comparisons: mine(run.comparisons),
    breakdowns: mine(run.breakdowns),
    sizes: [],
    notes: [`--rounds ${rounds}.`]
  };
}

function isLatest(value: unknown): value is LatestResults {
  return Array.isArray((value as LatestResults | undefined)?.sections);
}

/**
 * results/latest.json after a run: each section the run measured replaces the one of the
 * same name where it stood, new ones come last, the others stay as they were. A file from
 * before sections (one flat run) is replaced. Pure.
 */
export function mergeSections(
  previous: unknown,
  fresh: SectionResults[],
  sizes: BenchResults['sizes']
): LatestResults {
  const old = isLatest(previous) ? previous.sections : [];
  const byName = new Map(fresh.map((section) => [section.section, section]));
  const kept = old.map((section) => byName.get(section.section) ?? section);
  const added = fresh.filter((section) => !old.some((o) => o.section === section.section));
  return { sections: [...kept, ...added], sizes };
}

/** results/latest.md: each section's tables under its own heading, then the bundle sizes. */
export function renderLatest(latest: LatestResults): string {
  const sections = latest.sections.map(
    (section) => `### ${section.section}\n\n${renderMarkdown(section)}`
  );
  const sizes = table(
    ['Bundle file', 'size'],
    latest.sizes.map((s) => [s.file, kib(s.bytes)])
  );
  return [...sections, sizes].filter(Boolean).join('\n') + '\n';
}

/** The JSON of results/latest.json: every section with its figures' summaries. */
export function latestWithSummaries(latest: LatestResults): object {
  return { ...latest, sections: latest.sections.map(withSummaries) };
}
