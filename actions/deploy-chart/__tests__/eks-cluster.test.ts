import { expect, test } from '@jest/globals';
import { parseEksInputs, parseExecRoleInputs } from '../src/eks-cluster.js';

const ROLE = 'arn:aws:iam::111122223333:role/deploy';
const reader = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? '';

test.each<[string, Record<string, string>, NodeJS.ProcessEnv, object | undefined]>([
  ['no role-arn', { kubeconfig: 'x' }, {}, undefined],
  [
    'role-arn: STS in the region input',
    { kubeconfig: 'x', 'role-arn': ROLE, region: 'eu-west-1' },
    {},
    { role: { roleArn: ROLE, sessionName: 'GitHubActions' }, region: 'eu-west-1' }
  ],
  ['else AWS_REGION', { 'role-arn': ROLE }, { AWS_REGION: 'ap-south-1' }, { region: 'ap-south-1' }],
  ['else the global endpoint', { 'role-arn': ROLE }, {}, { region: 'us-east-1' }]
])('parseExecRoleInputs: %s', (_, inputs, env, want) => {
  const got = parseExecRoleInputs(reader(inputs), env);
  if (want === undefined) expect(got).toBeUndefined();
  else expect(got).toMatchObject(want);
});

test.each<[string, Record<string, string>, RegExp | undefined]>([
  ['role-arn beside kubeconfig', { kubeconfig: 'x', 'role-arn': ROLE }, undefined],
  ['role-arn alone', { 'role-arn': ROLE }, /^cluster-name: is empty, but role-arn or region/],
  ['region alone', { region: 'eu-west-1' }, /^cluster-name: is empty/]
])('parseEksInputs without cluster-name: %s', (_, inputs, error) => {
  const parse = () => parseEksInputs(reader(inputs), {});
  if (error) expect(parse).toThrow(error);
  else expect(parse()).toBeUndefined();
});
