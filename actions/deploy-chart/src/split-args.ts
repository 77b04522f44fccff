/**
 * Splits a command line into words the way a POSIX shell quotes them — single quotes,
 * double quotes, backslash escapes — and does nothing else: no variables, globs,
 * pipes or command substitution, because the words go to helm as an argument array.
 */
export function splitArgs(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]))
        word += text[++i];
      else word += ch;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      inWord = true;
      if (ch === "'" || ch === '"') quote = ch;
      else if (ch === '\\') {
        if (i + 1 >= text.length) throw new Error('ends with a lone backslash');
        const next = text[++i];
        if (next !== '\n') word += next;
      } else word += ch;
    }
  }
  if (quote) throw new Error(`has an unterminated ${quote === '"' ? 'double' : 'single'} quote`);
  if (inWord) words.push(word);
  return words;
}
