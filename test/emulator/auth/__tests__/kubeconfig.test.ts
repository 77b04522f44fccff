import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { seedExecApiVersion, seedKubeconfig, toSecret } from '../kubeconfig.js';

const base = {
  url: 'https://127.0.0.1:43117',
  caPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  clusterName: 'basickapp',
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIAEMULATOR0000TEST', secretAccessKey: 'emulator/secret+key' }
};

describe('seedKubeconfig', () => {
  test.each([
    ['defaults', {}, 'basickapp', undefined],
    ['a context name', { contextName: 'prod' }, 'prod', undefined],
    ['a namespace', { namespace: 'omer' }, 'basickapp', 'omer']
  ])('with %s, parses back to the seed shape', (_case, extra, wantContext, wantNamespace) => {
    const doc = parse(seedKubeconfig({ ...base, ...extra }));

    expect(doc).toMatchObject({ apiVersion: 'v1', kind: 'Config' });
    expect(doc['current-context']).toBe(wantContext);
    const context = doc.contexts.find((c: { name: string }) => c.name === wantContext).context;
    expect(context.namespace).toBe(wantNamespace);

    const cluster = doc.clusters.find((c: { name: string }) => c.name === context.cluster).cluster;
    expect(cluster.server).toBe(base.url);
    expect(Buffer.from(cluster['certificate-authority-data'], 'base64').toString()).toBe(
      base.caPem
    );

    const user = doc.users.find((u: { name: string }) => u.name === context.user).user;
    expect(user.exec).toEqual({
      apiVersion: seedExecApiVersion,
      command: 'aws',
      args: ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'basickapp'],
      env: [
        { name: 'AWS_ACCESS_KEY_ID', value: 'AKIAEMULATOR0000TEST' },
        { name: 'AWS_SECRET_ACCESS_KEY', value: 'emulator/secret+key' },
        { name: 'AWS_DEFAULT_REGION', value: 'eu-west-1' }
      ]
    });
  });

  test('keeps the seed exec apiVersion v1alpha1', () => {
    expect(seedExecApiVersion).toBe('client.authentication.k8s.io/v1alpha1');
  });
});

describe('toSecret', () => {
  test('is the whole kubeconfig in standard base64, as users paste it into a secret', () => {
    const kubeconfig = seedKubeconfig(base);
    const secret = toSecret(kubeconfig);
    expect(secret).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret, 'base64').toString('utf8')).toBe(kubeconfig);
  });
});
