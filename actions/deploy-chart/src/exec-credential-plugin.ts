// `node <bundle> --exec-credential --cluster-name <c> --region <r>`: the action as helm's
// kubeconfig exec plugin when it deploys by cluster name. It prints the ExecCredential that
// `aws eks get-token` would, signed in process from the AWS keys helm passes in its
// environment; client-go runs it again whenever the token nears its 14-minute expiry.
import { planCredentials } from '../../shared/src/aws/credentials.js';
import { signEksToken } from './cluster/eks-token.js';

function option(args: string[], name: string): string {
  const value = args[args.indexOf(name) + 1];
  if (!args.includes(name) || !value) throw new Error(`${name} is required`);
  return value;
}

/** The ExecCredential JSON for these args, env and time. Pure. */
export function execCredentialJson(args: string[], env: NodeJS.ProcessEnv, now: Date): string {
  const plan = planCredentials(undefined, env);
  if (plan.kind !== 'environment') {
    throw new Error(
      `no AWS keys to sign the EKS token with: ${plan.kind === 'none' ? plan.why : ''}`
    );
  }
  const credential = signEksToken(
    {
      clusterName: option(args, '--cluster-name'),
      region: option(args, '--region'),
      ...plan.credentials
    },
    now
  );
  return JSON.stringify({
    kind: 'ExecCredential',
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    spec: {},
    status: {
      expirationTimestamp: new Date(credential.expiresAt ?? now.getTime())
        .toISOString()
        .replace(/\.\d{3}/, ''),
      token: credential.token
    }
  });
}

/** stdout is the ExecCredential only; a failure goes to stderr, which client-go shows. */
export function printExecCredential(args: string[]): void {
  try {
    process.stdout.write(execCredentialJson(args, process.env, new Date()) + '\n');
  } catch (error) {
    process.stderr.write(`deploy-chart --exec-credential: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
