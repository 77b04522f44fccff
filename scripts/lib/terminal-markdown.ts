// Renders the Markdown job summaries the actions write so they read well in a terminal:
// tables become aligned columns, headings stand out, HTML tags the summaries use go away.
const BOLD = (text: string, color: boolean) => (color ? `\x1b[1m${text}\x1b[0m` : text);

function stripInline(text: string): string {
  return text
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<\/?(details|summary|code|b|strong|em|p|pre)>/gi, '')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '$1 <$2>')
    .replace(/\\\|/g, '|');
}

function splitRow(line: string): string[] {
  return line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => stripInline(cell.trim()));
}

function renderTable(lines: string[]): string[] {
  const rows = lines.filter((line) => !/^\|?\s*:?-{3,}/.test(line.trim())).map(splitRow);
  const widths = rows[0].map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? '').length))
  );
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd()
  );
}

export function renderMarkdown(markdown: string, color = false): string {
  const out: string[] = [];
  const lines = markdown.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim().startsWith('|')) {
      const table: string[] = [];
      while (i < lines.length && lines[i].trim().startsWith('|')) table.push(lines[i++]);
      i--;
      out.push(...renderTable(table).map((row) => `  ${row}`));
    } else if (/^#{1,6}\s/.test(line)) {
      out.push(BOLD(stripInline(line.replace(/^#+\s*/, '')), color));
    } else if (!/^```/.test(line.trim())) {
      out.push(stripInline(line));
    }
  }
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\s+$/g, '');
}
