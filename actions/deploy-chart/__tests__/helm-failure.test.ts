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
