// The real-cluster rig's authentication, done as EKS does it: kube-apiserver sends each bearer
// token it does not know to this TokenReview webhook (--authentication-token-webhook-config-file),
// which checks `k8s-aws-v1.` tokens with the SigV4 verification the emulator uses
// (test/emulator/auth/eks-token.ts, one place) and maps the IAM identity to a Kubernetes user
// and groups as an EKS access entry does. Real RBAC then decides what the user may do.
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { tokenPrefix, verifyEksToken } from '../../emulator/auth/eks-token.js';
import type { AwsCredentials } from '../../emulator/auth/kubeconfig.js';

/** An IAM principal with an EKS access entry: its keys sign tokens, the entry names the user. */
export interface AccessEntry {
  /** arn:aws:iam::<account>:user/<name> (EKS uses the ARN as the username by default). */
  arn: string;
  credentials: AwsCredentials;
  /** The access entry's kubernetesGroups. */
  groups: string[];
  /** The access entry's username; defaults to the ARN, as in EKS. */
  username?: string;
}

export interface KubernetesUser {
  username: string;
  uid: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export type Review =
  { authenticated: true; user: KubernetesUser } | { authenticated: false; error: string };

export interface ReviewContext {
  clusterName: string;
  entries: AccessEntry[];
  /** Plain bearer tokens (the rig's own, and tokenKubeconfig's) and who they are. */
  staticTokens: Map<string, KubernetesUser>;
  now?: Date;
}

/** What the webhook answers for one token: pure, so a table test can hold every case. */
export function reviewToken(token: string, context: ReviewContext): Review {
  const known = context.staticTokens.get(token);
  if (known) return { authenticated: true, user: known };
  if (!token.startsWith(tokenPrefix)) {
    return { authenticated: false, error: 'not an EKS token and not a token of this cluster' };
  }
  let lastReason = 'no access entry of this cluster has the access key that signed the token';
  for (const entry of context.entries) {
    const verdict = verifyEksToken(token, {
      clusterName: context.clusterName,
      credentials: entry.credentials,
      arn: entry.arn,
      now: context.now
    });
    if (verdict.ok) {
      const account = entry.arn.split(':')[4] ?? '';
      return {
        authenticated: true,
        user: {
          username: entry.username ?? entry.arn,
          uid: `aws-iam-authenticator:${account}:${verdict.accessKeyId}`,
          groups: [...entry.groups],
          extra: {
            accessKeyId: [verdict.accessKeyId],
            arn: [entry.arn],
            canonicalArn: [entry.arn]
          }
        }
      };
    }
    // The reason of the entry whose key signed the token says most; an unknown key says least.
    if (!verdict.reason.startsWith('access key')) lastReason = verdict.reason;
  }
  return { authenticated: false, error: lastReason };
}

export interface EksAuthenticator {
  url: string;
  /** The file kube-apiserver's --authentication-token-webhook-config-file points at. */
  webhookKubeconfig: string;
  /** Accept a plain bearer token from now on, as this user. */
  addStaticToken(token: string, user: KubernetesUser): void;
  /** How many reviews were answered, and how many authenticated. */
  counts: { reviews: number; authenticated: number };
  stop(): Promise<void>;
}

export async function startEksAuthenticator(options: {
  clusterName: string;
  entries: AccessEntry[];
  tls: { caPem: string; certPem: string; keyPem: string };
}): Promise<EksAuthenticator> {
  const staticTokens = new Map<string, KubernetesUser>();
  const counts = { reviews: 0, authenticated: 0 };
  const server = https.createServer(
    { cert: options.tls.certPem, key: options.tls.keyPem },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        let request: { apiVersion?: string; spec?: { token?: string } };
        try {
          request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          res.writeHead(400).end('a TokenReview in JSON is expected');
          return;
        }
        const review = reviewToken(request.spec?.token ?? '', {
          clusterName: options.clusterName,
          entries: options.entries,
          staticTokens
        });
        counts.reviews++;
        if (review.authenticated) counts.authenticated++;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            apiVersion: request.apiVersion ?? 'authentication.k8s.io/v1',
            kind: 'TokenReview',
            status: review
          })
        );
      });
    }
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/authenticate`;
  return {
    url,
    webhookKubeconfig: stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'eks-authenticator',
          cluster: {
            server: url,
            'certificate-authority-data': Buffer.from(options.tls.caPem).toString('base64')
          }
        }
      ],
      users: [{ name: 'kube-apiserver', user: {} }],
      contexts: [
        { name: 'webhook', context: { cluster: 'eks-authenticator', user: 'kube-apiserver' } }
      ],
      'current-context': 'webhook'
    }),
    addStaticToken: (token, user) => staticTokens.set(token, user),
    counts,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })
  };
}

/** A user of the system:masters group, what the rig's own tokens authenticate as. */
export function adminUser(name: string): KubernetesUser {
  return { username: name, uid: randomUUID(), groups: ['system:masters'] };
}
