import { describe, expect, test } from '@jest/globals';
import { phaseTimes, splitLines, type PhaseMarker, type TimedLine } from '../lib/phases.js';
import {
  kib,
  mergePhaseRuns,
  mergeSections,
  renderLatest,
  renderMarkdown,
  sectionResults,
  duration,
  type BenchResults
} from '../lib/results.js';
import { interleave } from '../lib/schedule.js';
import { median, ratioOfMedians, summarize } from '../lib/stats.js';

describe('statistics', () => {
  test.each([
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[10, 10, 1000], 10] // one slow outlier does not move the median
  ])('median of %j is %d', (samples, want) => expect(median(samples)).toBe(want));

  test('summary gives n, min, median and max', () =>
    expect(summarize([300, 100, 200])).toEqual({ n: 3, minMs: 100, medianMs: 200, maxMs: 300 }));

  test.each([
    [[110, 100, 120], [100, 90, 100], 1.1],
    [[15], [60], 0.25]
  ])('ratio of medians %j / %j is %d', (ours, anchor, want) =>
    expect(ratioOfMedians(ours, anchor)).toBeCloseTo(want, 10)
  );

  test.each([
    ['no samples', () => median([])],
    ['an anchor of 0', () => ratioOfMedians([1], [0])]
  ])('refuses %s', (_, call) => expect(call).toThrow());
});

describe('interleaving', () => {
  test.each([
    [2, false, 'A0 B0 B1 A1'],
    [3, false, 'A0 B0 B1 A1 A2 B2'],
    [2, true, 'A-1 B-1 A0 B0 B1 A1'],
    [0, true, 'A-1 B-1']
  ])('%d rounds (warm-up %s): %s', (rounds, warmup, want) =>
    expect(
      interleave(['A', 'B'], rounds, { warmup })
        .map((r) => `${r.variant}${r.round}`)
        .join(' ')
    ).toBe(want)
  );

  test('three variants reverse every other round', () =>
    expect(interleave(['A', 'B', 'C'], 2).map((r) => r.variant)).toEqual([
      'A',
      'B',
      'C',
      'C',
      'B',
      'A'
    ]));
});

describe('phases from a timestamped log', () => {
  const markers: PhaseMarker[] = [
    { phase: 'start', endsAt: /^/ },
    { phase: 'kubeconfig', endsAt: /^kubeconfig: / },
    { phase: 'preflight', endsAt: /^preflight / },
    { phase: 'helm', endsAt: /^REVISION: / },
    { phase: 'report' }
  ];
  const line = (atMs: number, text: string): TimedLine => ({ atMs, text });

  test.each<[string, TimedLine[], number, string]>([
    [
      'every marker found',
      [
        line(500, '::add-mask::x'),
        line(600, 'kubeconfig: ok'),
        line(900, 'preflight ok'),
        line(4900, 'REVISION: 2')
      ],
      5000,
      'start=500 kubeconfig=100 preflight=300 helm=4000 report=100'
    ],
    [
      'a missing marker folds its phase into the next',
      [line(500, 'kubeconfig: ok'), line(4900, 'REVISION: 2')],
      5000,
      // a line ends one phase at most: the first line ends start, not kubeconfig too
      'start=500 kubeconfig + preflight + helm=4400 report=100'
    ],
    [
      'a run that ends before the last markers',
      [line(500, 'kubeconfig: ok')],
      800,
      'start=500 kubeconfig + preflight + helm + report=300'
    ],
    [
      'markers match in order, not anywhere in the log',
      [
        line(100, 'REVISION: 0'),
        line(200, 'kubeconfig: ok'),
        line(300, 'preflight ok'),
        line(400, 'REVISION: 1')
      ],
      450,
      'start=100 kubeconfig=100 preflight=100 helm=100 report=50'
    ]
  ])('%s', (_, lines, exitMs, want) =>
    expect(
      phaseTimes(lines, markers, exitMs)
        .map((p) => `${p.phase}=${p.ms}`)
        .join(' ')
    ).toBe(want)
  );

  test.each<[string, TimedLine[], string]>([
    [
      'aws first',
      [line(100, 'aws: ok'), line(300, 'helm: cached'), line(400, 'done')],
      'tools=300 rest=150'
    ],
    [
      'helm first',
      [line(100, 'helm: cached'), line(200, 'aws: ok'), line(400, 'done')],
      'tools=200 rest=250'
    ],
    ['one missing', [line(100, 'helm: cached'), line(400, 'done')], 'tools + rest=450']
  ])('a phase of concurrent work ends when all its lines came (%s)', (_, lines, want) =>
    expect(
      phaseTimes(lines, [{ phase: 'tools', endsAt: [/^aws: /, /^helm: /] }, { phase: 'rest' }], 450)
        .map((p) => `${p.phase}=${p.ms}`)
        .join(' ')
    ).toBe(want)
  );

  test.each([
    ['a\nb\npart', ['a', 'b'], 'part'],
    ['a\r\n', ['a'], ''],
    ['no newline', [], 'no newline']
  ])('splitLines(%j)', (text, complete, rest) =>
    expect(splitLines(text)).toEqual({ complete, rest })
  );

  test('phases merge by name across runs, in first-seen order', () =>
    expect(
      mergePhaseRuns([
        [
          { phase: 'a', ms: 1 },
          { phase: 'b', ms: 2 }
        ],
        [
          { phase: 'a', ms: 3 },
          { phase: 'c', ms: 4 }
        ]
      ])
    ).toEqual([
      { phase: 'a', samplesMs: [1, 3] },
      { phase: 'b', samplesMs: [2] },
      { phase: 'c', samplesMs: [4] }
    ]));
});

describe('report', () => {
  const results: BenchResults = {
    date: '2026-11-25T13:30:00.000Z',
    machine: {
      nproc: 2,
      cpu: 'Test CPU',
      loadAverageAtStart: [1.5, 1, 0.5],
      loadAverageAtEnd: [2, 1, 0.5]
    },
    versions: { node: 'v20.0.0', helm: 'v4.1.4' },
    durationMs: 61_000,
    figures: [
      { id: 'ours', group: '1. deploy', label: 'bundle', samplesMs: [1100, 1000, 1200] },
      { id: 'raw', group: '1. deploy', label: 'raw helm', samplesMs: [1000, 900, 1100] },
      { id: 'fast', group: '2. failure', label: 'fail-fast', samplesMs: [10_000] },
      { id: 'slow', group: '2. failure', label: 'timeout', samplesMs: [60_000] }
    ],
    comparisons: [
      { label: 'deploy', ours: 'ours', anchor: 'raw', target: 1.05 },
      { label: 'failure', ours: 'fast', anchor: 'slow', target: 0.25 },
      { label: 'no target', ours: 'raw', anchor: 'ours' }
    ],
    breakdowns: [{ label: 'bundle', phases: [{ phase: 'helm', samplesMs: [900, 800] }] }],
    sizes: [{ file: 'dist/a/index.js', bytes: 2048 }],
    notes: ['5 rounds.']
  };
  const markdown = renderMarkdown(results);

  test.each([
    [
      'the date, machine and load',
      'Run 2026-11-25T13:30:00.000Z in 61.00 s on 2 cores (Test CPU), load average 1.50 / 1.00 / 0.50 at start'
    ],
    ['the versions', 'node v20.0.0, helm v4.1.4.'],
    ['a missed target', '| deploy | 1.10 s | 1.00 s | 1.10 | ≤ 1.05 NOT met |'],
    ['a met target', '| failure | 10.00 s | 60.00 s | 0.17 | ≤ 0.25 met |'],
    ['a ratio without target', '| no target | 1.00 s | 1.10 s | 0.91 |  |'],
    [
      'each figure with n, min, median, max',
      '| 1. deploy | bundle | 3 | 1.00 s | 1.10 s | 1.20 s |'
    ],
    ['a breakdown', '| helm | 2 | 0.80 s | 0.85 s | 0.90 s |'],
    ['bundle sizes', '| dist/a/index.js | 2 KiB |'],
    ['notes', '- 5 rounds.']
  ])('shows %s', (_, want) => expect(markdown).toContain(want));

  test('refuses a comparison of a figure that was not measured', () =>
    expect(() =>
      renderMarkdown({ ...results, comparisons: [{ label: 'x', ours: 'ours', anchor: 'nope' }] })
    ).toThrow('"nope"'));

  test.each([
    [duration(1234.5), '1.23 s'],
    [duration(100), '0.10 s'],
    [duration(2.345), '2.3 ms'],
    [kib(1_572_864), '1536 KiB']
  ])('formats %s', (got, want) => expect(got).toBe(want));
});

describe('results/latest.* by section', () => {
  const machine = { nproc: 2, cpu: 'CPU', loadAverageAtStart: [9], loadAverageAtEnd: [9] };
  const run: BenchResults = {
    date: '2026-12-01T12:00:00.000Z',
    machine,
    versions: { bundles: 'dist/ at new' },
    durationMs: 100_000,
    figures: [
      { id: 'p', group: '7. plan', label: 'plan', samplesMs: [400], section: 'plan' },
      { id: 'd', group: '7. plan', label: 'deploy', samplesMs: [1000], section: 'plan' },
      { id: 'c', group: '7. cache', label: 'cached', samplesMs: [9000], section: 'cache' }
    ],
    comparisons: [{ label: 'plan / deploy', ours: 'p', anchor: 'd', section: 'plan' }],
    breakdowns: [
      { label: 'cached', phases: [{ phase: 'pull', samplesMs: [5000] }], section: 'cache' }
    ],
    sizes: [{ file: 'dist/a/index.js', bytes: 1024 }],
    notes: []
  };
  const at = (section: string, load: number) => ({
    section,
    date: `2026-12-01T12:0${load}:00.000Z`,
    durationMs: 1000,
    loadAverageAtStart: [load],
    loadAverageAtEnd: [load + 1]
  });
  const plan = sectionResults(run, at('plan', 3), 5);
  const old = { ...sectionResults(run, at('plan', 1), 5), versions: { bundles: 'dist/ at old' } };
  const kept = { ...sectionResults(run, at('deploy', 2), 5), section: 'deploy' };

  test("a section holds only its own figures, comparisons and breakdowns, with its run's load", () => {
    expect(plan.figures.map((f) => f.id)).toEqual(['p', 'd']);
    expect(plan.comparisons.map((c) => c.label)).toEqual(['plan / deploy']);
    expect(plan.breakdowns).toEqual([]);
    expect(plan.machine.loadAverageAtStart).toEqual([3]);
  });

  test.each<[string, unknown, string[], string[]]>([
    ['no file yet', undefined, ['plan'], ['dist/ at new']],
    ['a flat file from before sections is replaced', run, ['plan'], ['dist/ at new']],
    [
      'the measured section is replaced in place, the others kept',
      { sections: [old, kept], sizes: [] },
      ['plan', 'deploy'],
      ['dist/ at new', 'dist/ at new']
    ],
    [
      'a new section comes last',
      { sections: [kept], sizes: [] },
      ['deploy', 'plan'],
      ['dist/ at new', 'dist/ at new']
    ]
  ])('merge: %s', (_, previous, names, bundles) => {
    const merged = mergeSections(previous, [plan], run.sizes);
    expect(merged.sections.map((s) => s.section)).toEqual(names);
    expect(merged.sections.map((s) => s.versions.bundles)).toEqual(bundles);
  });

  test('latest.md: each section under its heading with its own date and load, then sizes', () => {
    const markdown = renderLatest(
      mergeSections({ sections: [kept], sizes: [] }, [plan], run.sizes)
    );
    expect(markdown).toContain('### deploy\n\nRun 2026-12-01T12:02:00.000Z');
    expect(markdown).toContain('### plan\n\nRun 2026-12-01T12:03:00.000Z');
    expect(markdown).toContain('load average 3.00 at start, 4.00 at end');
    expect(markdown).toContain('| plan / deploy | 0.40 s | 1.00 s | 0.40 |  |');
    expect(markdown).toContain('| dist/a/index.js | 1 KiB |');
  });
});
