// Where a bundle's time goes, read from its log: each phase ends at the first line (after the
// previous phase's end) that matches its marker. A marker that never matches folds its phase
// into the next one, so a log that lacks a step still adds up to the whole run.

export interface TimedLine {
  /** Milliseconds since the process started. */
  atMs: number;
  text: string;
}

export interface PhaseMarker {
  phase: string;
  /**
   * The line that ends the phase; undefined for the last phase, which ends at exit. Several
   * patterns (for work done concurrently, in either order): the phase ends when all matched.
   */
  endsAt?: RegExp | RegExp[];
}

export interface PhaseTime {
  phase: string;
  ms: number;
}

/** Complete lines of a stream chunk, and the unfinished rest to prepend to the next chunk. */
export function splitLines(text: string): { complete: string[]; rest: string } {
  const parts = text.split(/\r?\n/);
  const rest = parts.pop() ?? '';
  return { complete: parts, rest };
}

/** Index of the line (from `next` on) by which every pattern has matched, else -1. */
function endIndex(lines: readonly TimedLine[], next: number, endsAt: RegExp | RegExp[]): number {
  const found = [endsAt]
    .flat()
    .map((pattern) => lines.findIndex((line, i) => i >= next && pattern.test(line.text)));
  return found.includes(-1) ? -1 : Math.max(...found);
}

export function phaseTimes(
  lines: readonly TimedLine[],
  markers: readonly PhaseMarker[],
  exitMs: number
): PhaseTime[] {
  const times: PhaseTime[] = [];
  let from = 0;
  let next = 0;
  let carried: string[] = [];
  for (const marker of markers) {
    const names = [...carried, marker.phase];
    const index = marker.endsAt ? endIndex(lines, next, marker.endsAt) : -1;
    if (marker.endsAt && index < 0) {
      carried = names;
      continue;
    }
    const to = index < 0 ? exitMs : lines[index].atMs;
    times.push({ phase: names.join(' + '), ms: to - from });
    from = to;
    next = index + 1;
    carried = [];
  }
  if (carried.length > 0) times.push({ phase: carried.join(' + '), ms: exitMs - from });
  return times;
}
