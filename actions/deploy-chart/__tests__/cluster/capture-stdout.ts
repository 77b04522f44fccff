// @actions/core writes log lines and workflow commands (::warning::, ::add-mask::) to stdout.
// Called once in a test file (or describe block): every test there starts with an empty
// capture, can read what was written, and none of it reaches the test output.
import { afterEach, beforeEach, jest } from '@jest/globals';

export interface CapturedStdout {
  /** Each write, in order. */
  readonly chunks: string[];
  /** Everything written, joined. */
  text(): string;
}

export function captureStdout(): CapturedStdout {
  const chunks: string[] = [];
  beforeEach(() => {
    chunks.length = 0;
    jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => chunks.push(String(chunk)) > 0);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });
  return { chunks, text: () => chunks.join('') };
}
