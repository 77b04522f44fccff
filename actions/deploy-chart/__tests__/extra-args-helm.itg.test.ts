// extra-args against the flags real helm 3.17.2 and 4.1.4 define for `helm upgrade`: every
// flag that changes where or as whom helm connects is refused, and the one-letter flags the
// refusal reads in a chain like `-hn` are exactly helm's, with and without a value.
import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { HELM_VERSIONS, helmPath } from '../../../test/harness/rigs/helm.js';
import {
  BOOL_SHORTHANDS,
  CONNECTION_FLAGS,
  PATH_FLAGS,
  VALUE_SHORTHANDS,
  parseExtraArgs
} from '../src/inputs.js';

const run = promisify(execFile);
const flat = { roots: { workspace: '/ws' }, fs: { realpath: (file: string) => file } };

/**
 * helm's global flags that do not change where or as whom it connects, allowed in extra-args:
 * output and request pacing. --namespace is the namespace input; the local caches and configs
 * are PATH_FLAGS.
 */
const HARMLESS_GLOBAL_FLAGS = ['--burst-limit', '--qps', '--debug', '--color', '--colour'];

/**
 * helm upgrade's flags with a value that is not a local path, allowed as written. A flag helm
 * adds shows up in neither list and fails the test below until it is sorted in.
 */
const NOT_PATH_VALUE_FLAGS = [
  '--burst-limit',
  '--qps',
  '--color',
  '--colour',
  '--description',
  '--history-max',
  '--labels',
  '--output',
  '--password',
  '--post-renderer-args',
  '--repo',
  '--server-side',
  '--set-json',
  '--set-literal',
  '--username',
  '--version'
];

interface HelpFlag {
  short?: string;
  long: string;
  takesValue: boolean;
  help: string;
}

async function upgradeFlags(version: (typeof HELM_VERSIONS)[number]) {
  const { stdout } = await run(helmPath(version), ['upgrade', '--help']);
  const [local, global] = stdout.split(/^Global Flags:$/m);
  const parse = (text: string): HelpFlag[] =>
    [...text.matchAll(/^ +(?:-(\w), )?(--[\w-]+)( \w\S*)? +(.*)$/gm)].map(
      ([, short, long, type, help]) => ({ short, long, takesValue: type !== undefined, help })
    );
  return { local: parse(local), global: parse(global) };
}

/** Whether parseExtraArgs refuses the flag as one the inputs manage (its value never matters). */
function throwsManaged(flag: string): boolean {
  try {
    parseExtraArgs(`${flag}=x`, flat);
    return false;
  } catch (error) {
    return /must not contain/.test((error as Error).message);
  }
}

test('every path flag is a flag of helm 3.17.2 or 4.1.4', async () => {
  const known = (await Promise.all(HELM_VERSIONS.map(upgradeFlags))).flatMap(({ local, global }) =>
    [...local, ...global].map((flag) => flag.long)
  );
  expect(PATH_FLAGS.filter((flag) => !known.includes(flag))).toEqual([]);
});

describe.each(HELM_VERSIONS)('helm %s', (version) => {
  test('each global flag is refused as a connection flag, or known to be harmless', async () => {
    const { global } = await upgradeFlags(version);
    const connection = global
      .map((flag) => flag.long)
      .filter(
        (flag) =>
          !HARMLESS_GLOBAL_FLAGS.includes(flag) &&
          !PATH_FLAGS.includes(flag) &&
          flag !== '--namespace'
      );
    expect(connection.sort()).toEqual([...CONNECTION_FLAGS].sort());
    for (const flag of connection) {
      expect(() => parseExtraArgs(`${flag}=x`, flat)).toThrow(/use the kubeconfig input/);
    }
    for (const flag of HARMLESS_GLOBAL_FLAGS.filter((f) => global.some((g) => g.long === f))) {
      expect(parseExtraArgs(`${flag}=1`, flat)).toEqual([`${flag}=1`]);
    }
  });

  test('each flag with a value takes no path, or its path must stay in the workspace', async () => {
    const { local, global } = await upgradeFlags(version);
    const valued = [...local, ...global].filter((flag) => flag.takesValue);
    const unsorted = valued.filter(
      (flag) =>
        !PATH_FLAGS.includes(flag.long) &&
        !NOT_PATH_VALUE_FLAGS.includes(flag.long) &&
        flag.long !== '--set-file' && // key=path pairs, checked in inputs.test.ts
        !throwsManaged(flag.long)
    );
    expect(unsorted.map((flag) => flag.long)).toEqual([]);
    // A help text that speaks of a path or file belongs to a flag that is checked or refused.
    const speaksOfPaths = valued.filter((flag) =>
      /path|file|director|location|executable/i.test(flag.help)
    );
    expect(speaksOfPaths.filter((flag) => NOT_PATH_VALUE_FLAGS.includes(flag.long))).toEqual([]);
    for (const flag of valued.filter((f) => PATH_FLAGS.includes(f.long))) {
      expect(() => parseExtraArgs(`${flag.long}=/etc/passwd`, flat)).toThrow(
        `extra-args: ${flag.long} "/etc/passwd" resolves to /etc/passwd, outside the workspace`
      );
      expect(() => parseExtraArgs(`--debug ${flag.long} /etc/passwd`, flat)).toThrow(
        `extra-args: ${flag.long} "/etc/passwd"`
      );
    }
  });

  test("the one-letter flags are helm's, with and without a value", async () => {
    const { local, global } = await upgradeFlags(version);
    const shorts = [...local, ...global].filter((flag) => flag.short);
    const letters = (takesValue: boolean) =>
      shorts
        .filter((flag) => flag.takesValue === takesValue)
        .map((flag) => flag.short)
        .sort()
        .join('');
    expect(letters(false)).toBe([...BOOL_SHORTHANDS].sort().join(''));
    expect(letters(true)).toBe([...VALUE_SHORTHANDS].sort().join(''));
  });
});
