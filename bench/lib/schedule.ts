// The order runs happen in. Variants are interleaved round by round, and every other round
// is reversed (A B, B A, A B ...), so slow drift of a shared machine's load hits each variant
// alike instead of whichever ran last.

export interface ScheduledRun<V> {
  variant: V;
  /** 0-based round; round -1 is the warm-up, whose timings are not kept. */
  round: number;
}

export function interleave<V>(
  variants: readonly V[],
  rounds: number,
  options: { warmup?: boolean } = {}
): Array<ScheduledRun<V>> {
  const order: Array<ScheduledRun<V>> = [];
  if (options.warmup) for (const variant of variants) order.push({ variant, round: -1 });
  for (let round = 0; round < rounds; round++) {
    const inRound = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of inRound) order.push({ variant, round });
  }
  return order;
}
