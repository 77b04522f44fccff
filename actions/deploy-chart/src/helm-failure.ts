/**
 * Turns helm failures whose cause is one of our inputs into an error that names the input.
 * Pure: reads helm's stderr only.
 */
export interface ExplainedFailure {
  message: string;
  hint: string;
}

const SCHEMA_FAILURE = /values don't meet the specifications of the schema/;

/**
 * Value paths helm's schema errors name: helm 3 `- a.b: reason` (`(root)` for the top),
 * helm 4 `- at '/a/b': reason`. A missing property is named by its own path.
 */
export function schemaErrorPaths(stderr: string): string[] {
  const paths = new Set<string>();
  for (const line of stderr.split(/\r?\n/)) {
    const helm4 = /^\s*-\s+at '\/?([^']*)':\s*(.*)$/.exec(line);
    const helm3 = /^\s*-\s+([A-Za-z0-9_.[\]()-]+):\s*(.*)$/.exec(line);
    const match = helm4 ?? helm3;
    if (!match) continue;
    const parent = helm4
      ? match[1].split('/').filter(Boolean)
      : [match[1]].filter((p) => p !== '(root)');
    const missing =
      /missing propert(?:y|ies) '([^']+)'/.exec(match[2])?.[1] ??
      /^([A-Za-z0-9_-]+) is required/.exec(match[2])?.[1];
    const full = missing ? [...parent, missing] : parent;
    paths.add(full.length ? full.join('.') : '(root)');
  }
  return [...paths];
}

/** helm's --set parser meeting a values file's key of another shape (a panic it recovers). */
const SET_SHAPE_FAILURE =
  /(Error: failed parsing --set(?:-file)? data: unable to parse key: interface conversion: interface \{\} is (.+?), not (.+?))\s*$/m;

const shape = (goType: string) =>
  goType.startsWith('map[') ? 'map' : goType.startsWith('[]') ? 'list' : 'plain value';

export function explainHelmFailure(stderr: string): ExplainedFailure | undefined {
  const setShape = SET_SHAPE_FAILURE.exec(stderr);
  if (setShape) {
    const [, line, is, wanted] = setShape;
    return {
      message: `set/values: a set line goes into a key that a values file sets to a ${shape(is)}, where the line needs a ${shape(wanted)} (helm applies set over the values files); change that key in the values file, or the set line`,
      hint: line
    };
  }
  if (!SCHEMA_FAILURE.test(stderr)) return undefined;
  const paths = schemaErrorPaths(stderr);
  return {
    message: `set/values: the chart's values.schema.json refuses ${paths.length ? paths.join(', ') : 'the values'}; fix ${paths.length === 1 ? 'that key' : 'those keys'} in the set input or the values files`,
    hint: stderr
      .split(/\r?\n/)
      .filter((line) => /^\s*-\s/.test(line))
      .join('\n')
  };
}
