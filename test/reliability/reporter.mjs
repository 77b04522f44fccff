// Jest reporter for the reliability suite: at the end of any run that included
// test/reliability, prints one table — cases tried and passed (from Jest's own results), cases
// that document an open finding (test.failing, named "finding F<n>"), and, from the JSON lines
// the tests append (support/report.ts), steps scanned, secrets found and files left.
// It names the JSON-lines file in RELIABILITY_REPORT before Jest starts its workers.
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SUITE_DIR = `${path.sep}test${path.sep}reliability${path.sep}`;
const FINDING = /\bfinding F\d+/;

export default class ReliabilityReporter {
  constructor() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'reliability-report-'));
    this.stepsFile = path.join(this.dir, 'steps.jsonl');
    process.env.RELIABILITY_REPORT = this.stepsFile;
    this.rows = new Map();
  }

  row(file) {
    if (!this.rows.has(file)) {
      this.rows.set(file, {
        tried: 0,
        passed: 0,
        finding: 0,
        failed: 0,
        steps: 0,
        secrets: 0,
        files: 0
      });
    }
    return this.rows.get(file);
  }

  onTestResult(_test, result) {
    if (!result.testFilePath.includes(SUITE_DIR)) return;
    const row = this.row(path.basename(result.testFilePath).replace(/(\.itg)?\.test\.ts$/, ''));
    for (const test of result.testResults) {
      if (test.status !== 'passed' && test.status !== 'failed') continue;
      row.tried++;
      if (test.status === 'failed') row.failed++;
      else if (FINDING.test(test.fullName)) row.finding++;
      else row.passed++;
    }
  }

  onRunComplete() {
    if (existsSync(this.stepsFile)) {
      for (const line of readFileSync(this.stepsFile, 'utf8').split('\n').filter(Boolean)) {
        const step = JSON.parse(line);
        const row = this.row(step.file);
        row.steps++;
        row.secrets += step.secretsFound;
        row.files += step.filesLeft;
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
    if (this.rows.size === 0) return;
    const header = [
      'file',
      'cases tried',
      'passed',
      'open findings',
      'failed',
      'steps scanned',
      'secrets found',
      'files left'
    ];
    const total = { tried: 0, passed: 0, finding: 0, failed: 0, steps: 0, secrets: 0, files: 0 };
    const lines = [...this.rows]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([file, row]) => {
        for (const key of Object.keys(total)) total[key] += row[key];
        return [
          file,
          row.tried,
          row.passed,
          row.finding,
          row.failed,
          row.steps,
          row.secrets,
          row.files
        ];
      });
    lines.push([
      'total',
      total.tried,
      total.passed,
      total.finding,
      total.failed,
      total.steps,
      total.secrets,
      total.files
    ]);
    const table = [header, ...lines].map((cells) => `| ${cells.join(' | ')} |`);
    table.splice(1, 0, `|${header.map(() => ' --- |').join('')}`);
    console.log(`\nReliability suite (test/reliability)\n${table.join('\n')}\n`);
  }
}
