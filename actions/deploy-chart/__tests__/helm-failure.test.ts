import { describe, expect, test } from '@jest/globals';
import { explainHelmFailure, schemaErrorPaths } from '../src/helm-failure.js';

const HELM3 = `Error: values don't meet the specifications of the schema(s) in the following chart(s):
python-application:
- pythonApp.replicas: Invalid type. Expected: integer, given: string
- pythonApp: Additional property imagee is not allowed
`;
const HELM4 = `Error: values don't meet the specifications of the schema(s) in the following chart(s):
python-application:
- at '/pythonApp/replicas': got string, want integer
`;

describe('schemaErrorPaths', () => {
  test.each([
    [HELM3, ['pythonApp.replicas', 'pythonApp']],
    [HELM4, ['pythonApp.replicas']],
    ["- at '': missing property 'namespace'", ['namespace']],
    ["- at '/pythonApp': missing property 'tag'", ['pythonApp.tag']],
    ['- (root): namespace is required', ['namespace']],
    ['- pythonApp: tag is required', ['pythonApp.tag']],
    ['Error: UPGRADE FAILED: timed out', []]
  ])('reads the value paths helm names', (stderr, want) => {
    expect(schemaErrorPaths(stderr)).toEqual(want);
  });
});

describe('explainHelmFailure', () => {
  test('names the set/values inputs and the refused key under helm 4', () => {
    expect(explainHelmFailure(HELM4)).toEqual({
      message:
        "set/values: the chart's values.schema.json refuses pythonApp.replicas; fix that key in the set input or the values files",
      hint: "- at '/pythonApp/replicas': got string, want integer"
    });
  });

  test('lists every refused key under helm 3', () => {
    expect(explainHelmFailure(HELM3)?.message).toMatch(
      /refuses pythonApp\.replicas, pythonApp; fix those keys/
    );
  });

  test.each([
    'Error: UPGRADE FAILED: context deadline exceeded',
    'Error: namespaces "x" not found'
  ])('leaves other failures to helm: %s', (stderr) => {
    expect(explainHelmFailure(stderr)).toBeUndefined();
  });
});

// helm (3.17.2 and 4.1.4 alike) when a set line meets a values file's key of another shape
describe('a set line that does not fit a values file', () => {
  test.each([
    [
      'Error: failed parsing --set data: unable to parse key: interface conversion: interface {} is float64, not map[string]interface {}\n',
      'a plain value, where the line needs a map'
    ],
    [
      'Error: failed parsing --set-file data: unable to parse key: interface conversion: interface {} is map[string]interface {}, not []interface {}\n',
      'a map, where the line needs a list'
    ]
  ])('%s', (stderr, shapes) => {
    const explained = explainHelmFailure(stderr);
    expect(explained?.message).toBe(
      `set/values: a set line goes into a key that a values file sets to ${shapes} (helm applies set over the values files); change that key in the values file, or the set line`
    );
    expect(explained?.hint).toBe(stderr.trim());
  });

  test('other --set-file failures are left to helm', () =>
    expect(
      explainHelmFailure(
        'Error: failed parsing --set-file data: open /x: no such file or directory\n'
      )
    ).toBeUndefined());
});
