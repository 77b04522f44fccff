// Gathers samples as the suites run, in the order figures are first measured.
import type { Breakdown, Comparison, Figure } from './results.js';
import type { PhaseTime } from './phases.js';
import { mergePhaseRuns } from './results.js';

export class Collector {
  readonly figures: Figure[] = [];
  readonly comparisons: Comparison[] = [];
  readonly notes: string[] = [];
  /** The section (run.ts's runSuite) measuring now: everything added is stamped with it. */
  section?: string;
  private readonly phaseRuns = new Map<string, PhaseTime[][]>();
  private readonly phaseSections = new Map<string, string | undefined>();

  add(id: string, group: string, label: string, ms: number): void {
    let figure = this.figures.find((f) => f.id === id);
    if (!figure) {
      figure = { id, group, label, samplesMs: [], section: this.section };
      this.figures.push(figure);
    }
    figure.samplesMs.push(ms);
  }

  compare(comparison: Comparison): void {
    this.comparisons.push({ ...comparison, section: this.section });
  }

  addPhases(label: string, phases: PhaseTime[]): void {
    this.phaseRuns.set(label, [...(this.phaseRuns.get(label) ?? []), phases]);
    if (!this.phaseSections.has(label)) this.phaseSections.set(label, this.section);
  }

  /** Comparisons and breakdowns whose figures were all measured (a suite may have been skipped). */
  finish(): { figures: Figure[]; comparisons: Comparison[]; breakdowns: Breakdown[] } {
    const measured = new Set(this.figures.map((f) => f.id));
    return {
      figures: this.figures,
      comparisons: this.comparisons.filter((c) => measured.has(c.ours) && measured.has(c.anchor)),
      breakdowns: [...this.phaseRuns].map(([label, runs]) => ({
        label,
        phases: mergePhaseRuns(runs),
        section: this.phaseSections.get(label)
      }))
    };
  }
}
