// extra-args against the flags real helm 3.17.2 and 4.1.4 define for `helm upgrade`: every
// flag that changes where or as whom helm connects is refused, and the one-letter flags the
// refusal reads in a chain like `-hn` are exactly helm's, with and without a value.
import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { HELM_VERSIONS, helmPath } from '../../../test/rigs/helm.js';
import {
  BOOL_SHORTHANDS,
  CONNECTION_FLAGS,
  VALUE_SHORTHANDS,
  parseExtraArgs
} from '../src/inputs.js';

const run = promisify(execFile);
const flat = { roots: { workspace: '/ws' }, fs: { realpath: (file: string) => file } };

/**
 * helm's global flags that do not change where or as whom it connects, allowed in extra-args:
 * output, local caches and configs, request pacing. --namespace is the namespace input.
 */
const HARMLESS_GLOBAL_FLAGS = [
  '--burst-limit',
  '--qps',
  '--debug',
  '--color',
  '--colour',
  '--content-cache',
  '--registry-config',
  '--repository-cache',
  '--repository-config'
];

interface HelpFlag {
  short?: string;
  long: string;
  takesValue: boolean;
}

async function upgradeFlags(version: (typeof HELM_VERSIONS)[number]) {
  const { stdout } = await run(helmPath(version), ['upgrade', '--help']);
  const [local, global] = stdout.split(/^Global Flags:$/m);
  const parse = (text: string): HelpFlag[] =>
    [...text.matchAll(/^ +(?:-(\w), )?(--[\w-]+)( \w+)?/gm)].map(([, short, long, type]) => ({
      short,
      long,
      takesValue: type !== undefined
    }));
  return { local: parse(local), global: parse(global) };
}

describe.each(HELM_VERSIONS)('helm %s', (version) => {
  test('each global flag is refused as a connection flag, or known to be harmless', async () => {
    const { global } = await upgradeFlags(version);
    const connection = global
      .map((flag) => flag.long)
      .filter((flag) => !HARMLESS_GLOBAL_FLAGS.includes(flag) && flag !== '--namespace');
    expect(connection.sort()).toEqual([...CONNECTION_FLAGS].sort());
    for (const flag of connection) {
      expect(() => parseExtraArgs(`${flag}=x`, flat)).toThrow(/use the kubeconfig input/);
    }
    for (const flag of HARMLESS_GLOBAL_FLAGS.filter((f) => global.some((g) => g.long === f))) {
      expect(parseExtraArgs(`${flag}=1`, flat)).toEqual([`${flag}=1`]);
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
