// Figures for the suite's closing table: each scanned step appends one JSON line to the file
// the reporter (test/reliability/reporter.mjs) names in RELIABILITY_REPORT. Without the
// reporter (e.g. a custom --reporters), nothing is recorded and the tests still assert.
import { appendFileSync } from 'node:fs';

export interface StepRecord {
  file: string;
  step: string;
  secretsFound: number;
  filesLeft: number;
}

export function recordStep(record: StepRecord): void {
  const file = process.env.RELIABILITY_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(record)}\n`);
}
