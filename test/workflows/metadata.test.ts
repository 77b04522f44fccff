import { describe, expect, test } from '@jest/globals';
import {
  NoOperationTraceWriter,
  convertWorkflowTemplate,
  parseWorkflow
} from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { unpinnedUses } from './action-pins.js';
import { REPO_ROOT } from '../harness/runner.js';

const WORKFLOW_DIR = path.join(REPO_ROOT, '.github', 'workflows');
const workflows = readdirSync(WORKFLOW_DIR).filter((name) => /\.ya?ml$/.test(name));
const ACTIONS = ['build-push-image', 'deploy-chart'];
const read = (file: string) => readFileSync(file, 'utf8');

describe.each(workflows)('workflow %s', (name) => {
  const content = read(path.join(WORKFLOW_DIR, name));

  test('parses and converts with the official workflow parser without errors', async () => {
    const result = parseWorkflow({ name, content }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const template = await convertWorkflowTemplate(result.context, result.value!);
    expect(template.errors ?? []).toEqual([]);
    expect(template.jobs.length).toBeGreaterThan(0);
  });

  test('pins every third-party action to a full SHA with a version comment', () => {
    expect(unpinnedUses(content)).toEqual([]);
  });

  test('grants only read access at the top level', () => {
    expect(parse(content).permissions).toEqual({ contents: 'read' });
  });
});

describe('the pin checker', () => {
  test.each([
    ['uses: actions/checkout@v4', 'not pinned to a full commit SHA'],
    ['- uses: actions/checkout@main', 'not pinned to a full commit SHA'],
    ['- uses: actions/checkout@08c6903', 'not pinned to a full commit SHA'],
    [
      '- uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8',
      'pinned SHA has no "# vX.Y.Z" version comment'
    ],
    [
      '  uses: org/repo/path@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # main',
      'pinned SHA has no "# vX.Y.Z" version comment'
    ]
  ])('flags %s', (line, problem) => {
    expect(unpinnedUses(line)).toEqual([expect.objectContaining({ line: 1, problem })]);
  });

  test.each([
    '- uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0',
    '- uses: ./actions/deploy-chart',
    '- uses: docker://alpine:3.20',
    '- run: echo "uses: actions/checkout@v4"'
  ])('accepts %s', (line) => {
    expect(unpinnedUses(line)).toEqual([]);
  });
});

/** Input names read in an action's source: every reader is called with the name as a literal. */
function literalsIn(dir: string): Set<string> {
  const literals = new Set<string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    for (const m of read(path.join(entry.parentPath, entry.name)).matchAll(/'([a-z][a-z0-9-]*)'/g))
      literals.add(m[1]);
  }
  return literals;
}

/** Input names documented in the README: first cell of a table row, in backticks. */
function documentedInputs(readme: string): Set<string> {
  const section = readme.split(/^##+\s+Inputs\s*$/im)[1]?.split(/^##+\s/m)[0] ?? '';
  return new Set([...section.matchAll(/^\|\s*`([a-z][a-z0-9-]*)`\s*\|/gm)].map((m) => m[1]));
}

describe.each(ACTIONS)('action %s metadata', (action) => {
  const dir = path.join(REPO_ROOT, 'actions', action);
  const content = read(path.join(dir, 'action.yml'));
  const inputs = Object.keys(parse(content).inputs ?? {});

  test('validates against the official action schema', () => {
    const result = parseAction({ name: 'action.yml', content }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
  });

  test('every declared input is read by the code', () => {
    const literals = literalsIn(path.join(dir, 'src'));
    expect(inputs.filter((name) => !literals.has(name))).toEqual([]);
  });

  test('the README documents exactly the declared inputs', () => {
    const documented = documentedInputs(read(path.join(dir, 'README.md')));
    expect([...documented].sort()).toEqual([...inputs].sort());
  });
});
