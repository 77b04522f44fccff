// Where helm and the API client get their credentials, decided once: connectCluster is the one
// entry point. By cluster-name the job's credentials (role-arn + OIDC, or the ambient keys) call
// EKS DescribeCluster and the kubeconfig is built; with the kubeconfig input its aws exec user
// may get role-arn's keys. Then one token plan says who makes the EKS tokens (signed here, or
// the exec plugin), the aws CLI is made ready when helm still has to run it, and the kubeconfig
// helm uses is written once: with the token the client minted when it outlives helm (so helm
// starts no plugin), else with the exec user.
import * as core from '@actions/core';
import { maskSecret } from '../../shared/src/mask.js';
import { ensureAuthPlugin } from './aws-plugin.js';
import type { TimeBudget } from './budget.js';
import type { ExecPlugin } from './cluster-access.js';
import { createKubeClient, type KubeClient } from './cluster/client.js';
import { describeTokenPlan, planEksToken, type EksTokenPlan } from './cluster/eks-token.js';
import { ExecPluginError } from './cluster/exec-credential.js';
import { explainExecPluginFailure } from './cluster/preflight.js';
import { connectEks, explainEksRefusal, lendRoleToExec } from './eks-cluster.js';
import type { Inputs } from './inputs.js';
import { loadKubeconfig, writeKubeconfig, type WrittenKubeconfig } from './kubeconfig.js';

interface ClusterConnection {
  /** The kubeconfig helm uses (KUBECONFIG), written once: 0600, its directory in state. */
  kube: WrittenKubeconfig;
  /** The API client, signed in as helm is. */
  client: KubeClient;
  /** The variables every helm process gets (and so its exec plugin): AWS keys, in memory only. */
  helmEnv: Record<string, string>;
  /** Preflight's refusal, explained for the way the cluster was reached (a 401 by cluster-name). */
  explainRefusal(error: unknown): Promise<unknown>;
}

/**
 * Who makes the EKS token, for the action and helm alike: signed here only when helm can be
 * handed the token, else helm and the action both run the plugin. Pure.
 */
export function planTokenSource(
  exec: ExecPlugin,
  env: NodeJS.ProcessEnv,
  time: TimeBudget,
  keysFrom?: string
): EksTokenPlan {
  const plan = planEksToken(exec, env, keysFrom);
  if ('sign' in plan && !time.tokenOutlivesHelm) {
    return { runCli: 'the timeout is longer than one token lives, so helm renews it with aws' };
  }
  return plan;
}

/** Where the token handed to helm came from, for the log. Pure. */
export function sharedTokenMessage(command: string, signedHere: boolean): string {
  return signedHere
    ? 'kubeconfig: helm uses the EKS token this action signed (valid longer than helm may run), so it starts no aws process'
    : `kubeconfig: helm reuses the token that "${command}" printed for this action (valid longer than helm may run), so it does not start "${command}" again`;
}

/** Credentials → the kubeconfig helm uses (written once) → the API client. */
export async function connectCluster(inputs: Inputs, time: TimeBudget): Promise<ClusterConnection> {
  const eks = inputs.eks && (await connectEks(inputs.eks, time.roleSessionSeconds));
  const kubeconfig = loadKubeconfig(eks?.kubeconfig ?? inputs.kubeconfig!); // masked, normalized
  const { access } = kubeconfig;
  const { exec } = access;
  const lent =
    inputs.execRole && (await lendRoleToExec(inputs.execRole, exec, time.roleSessionSeconds));
  const helmEnv = eks?.helmEnv ?? lent?.env ?? {};
  const tokenPlan =
    eks?.tokenPlan ??
    (exec && planTokenSource(exec, { ...process.env, ...helmEnv }, time, lent?.keysFrom));
  if (exec && tokenPlan) core.info(describeTokenPlan(tokenPlan, exec));
  const signedHere = tokenPlan !== undefined && 'sign' in tokenPlan;
  await ensureAuthPlugin(signedHere ? undefined : exec, inputs.awsCliMirror);

  const client = createKubeClient(access, { tokenPlan, execEnv: helmEnv });
  // The token the client has (signed here, or printed by the exec plugin) is handed to helm
  // when it outlives helm's run, so each helm call does not start `aws eks get-token` again.
  const token = exec && time.tokenOutlivesHelm ? await mintToken(client, access.server) : undefined;
  const kube = await writeKubeconfig(kubeconfig, token);
  if (exec && token) core.info(sharedTokenMessage(exec.command, signedHere));
  return {
    kube,
    client,
    helmEnv,
    explainRefusal: (error) => explainEksRefusal(error, eks)
  };
}

async function mintToken(client: KubeClient, server: string): Promise<string | undefined> {
  try {
    const token = await client.bearerToken();
    maskSecret(token);
    return token;
  } catch (error) {
    throw error instanceof ExecPluginError ? explainExecPluginFailure(server, error) : error;
  }
}
