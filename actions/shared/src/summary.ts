import * as core from '@actions/core';

export type Row = Array<string>;

/** Escapes text for a Markdown table cell. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/** A Markdown table; pure so tests can read what the summary will say. */
export function markdownTable(header: Row, rows: Row[]): string {
  const line = (row: Row) => `| ${row.map(cell).join(' | ')} |`;
  return [line(header), `| ${header.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** Appends Markdown to the job summary when the runner provides one. */
export async function appendSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown, true).write();
}
