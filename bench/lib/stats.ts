// Summaries of timing samples. Medians, not means: on a shared machine a single run can be
// slowed by seconds, and the median of an odd count is a real run that happened.

export interface Summary {
  n: number;
  minMs: number;
  medianMs: number;
  maxMs: number;
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new Error('median of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('summary of no samples');
  return {
    n: samples.length,
    minMs: Math.min(...samples),
    medianMs: median(samples),
    maxMs: Math.max(...samples)
  };
}

/** ours / anchor, both medians; below 1 means ours is faster. */
export function ratioOfMedians(ours: readonly number[], anchor: readonly number[]): number {
  const base = median(anchor);
  if (base <= 0) throw new Error('ratio against an anchor whose median is not positive');
  return median(ours) / base;
}
