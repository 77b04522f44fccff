import * as core from '@actions/core';
import { InputError } from './errors.js';

/** Reads one input's text ('' when unset): rawInput on a runner, a table in tests. */
export type InputReader = (name: string) => string;

/** Raw input text, trimmed; '' when unset. Kept tiny so parsers below stay pure. */
export function rawInput(name: string): string {
  return core.getInput(name, { trimWhitespace: true });
}

export function requiredInput(name: string, hint: string, read: InputReader = rawInput): string {
  const value = read(name);
  if (!value) throw new InputError(name, `is required but empty; ${hint}`);
  return value;
}

const TRUE_WORDS = ['true', 'True', 'TRUE'];
const FALSE_WORDS = ['false', 'False', 'FALSE'];

/** YAML 1.2 core-schema booleans, as @actions/core accepts, but with a default and our error. */
export function parseBoolean(name: string, text: string, fallback: boolean): boolean {
  if (text === '') return fallback;
  if (TRUE_WORDS.includes(text)) return true;
  if (FALSE_WORDS.includes(text)) return false;
  throw new InputError(name, `must be true or false, got "${text}"`);
}

/** Non-empty, non-comment lines of a multi-line input. */
export function parseLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * `KEY=VALUE` lines. Only the first `=` splits, so values keep commas, `=` and quotes.
 * Returns pairs in input order; a later duplicate key wins where the caller builds a map.
 */
export function parseKeyValueLines(name: string, text: string): Array<[string, string]> {
  return parseLines(text).map((line, index) => {
    const eq = line.indexOf('=');
    if (eq <= 0) {
      throw new InputError(
        name,
        `line ${index + 1} "${line}" is not KEY=VALUE; write one KEY=VALUE per line`
      );
    }
    return [line.slice(0, eq).trim(), line.slice(eq + 1)];
  });
}
