// Kubeconfig fixtures, each broken in one way. Every one carries a token that must never be
// shown, so a message that quotes the document is caught by the secret scan.
import { stringify } from 'yaml';

export const FIXTURE_TOKEN = 'fixture-bearer-token-4c1f9e0b7d2a';
const CA_DATA = Buffer.from(
  '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
).toString('base64');

type Doc = Record<string, unknown>;

export function kubeconfigDoc(server = 'https://127.0.0.1:6443'): Doc {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'eks', cluster: { server, 'certificate-authority-data': CA_DATA } }],
    contexts: [{ name: 'eks', context: { cluster: 'eks', user: 'ci' } }],
    'current-context': 'eks',
    users: [{ name: 'ci', user: { token: FIXTURE_TOKEN } }]
  };
}

export const base64 = (text: string) => Buffer.from(text).toString('base64');
export const yamlOf = (doc: Doc) => stringify(doc);

/** A copy of the good document with one change. */
export function broken(change: (doc: Doc) => void): string {
  const doc = structuredClone(kubeconfigDoc());
  change(doc);
  return base64(stringify(doc));
}

export function execUser(apiVersion: string, command = 'aws'): Doc {
  return {
    exec: {
      apiVersion,
      command,
      args: ['eks', 'get-token', '--cluster-name', 'eks'],
      env: [{ name: 'AWS_SECRET_ACCESS_KEY', value: FIXTURE_TOKEN }]
    }
  };
}
