import * as core from '@actions/core';
import { fail } from '../../shared/src/errors.js';
import { ensureAuthPlugin } from './aws-plugin.js';
import { createKubeClient } from './cluster/client.js';
import { describeTokenPlan } from './cluster/eks-token.js';
import { preflight } from './cluster/preflight.js';
import { recoverPendingRelease } from './cluster/recover.js';
import { deploy } from './deploy.js';
import { connectEks, explainEksRefusal, lendRoleToExec } from './eks-cluster.js';
import { timeBudget } from './budget.js';
import { planDeploy } from './helm-args.js';
import { createHelmCli } from './helm-cli.js';
import { installHelm } from './helm-install.js';
import { readInputs } from './inputs.js';
import { planTokenSource, shareExecToken, writeKubeconfig } from './kubeconfig.js';
import { latestRevisionNumber, report, reportFailedRevision } from './report.js';
import { describeSetTypes, writeSetArgs } from './set-values.js';
import { reportPlan } from './plan/report.js';
import { planUpgrade } from './plan/run.js';

export async function run(): Promise<void> {
  try {
    const inputs = readInputs(); // every input validated; errors name the input and the fix
    for (const warning of inputs.warnings) core.warning(warning);
    const started = Date.now();
    const time = timeBudget(inputs.timeoutMs); // every deadline, once
    const session = time.roleSessionSeconds; // the role outlives every helm call
    const eks = inputs.eks && (await connectEks(inputs.eks, session)); // credentials + DescribeCluster
    const source = eks?.kubeconfig ?? inputs.kubeconfig;
    const kube = await writeKubeconfig(source!); // masked, normalized, 0600, in state
    const { exec } = kube.access;
    const lent = inputs.execRole && (await lendRoleToExec(inputs.execRole, exec, session)); // role-arn
    const execEnv = eks?.helmEnv ?? lent?.env;
    const tokenPlan =
      eks?.tokenPlan ??
      (exec && planTokenSource(exec, { ...process.env, ...execEnv }, time, lent?.keysFrom));
    if (exec && tokenPlan) core.info(describeTokenPlan(tokenPlan, exec));
    const tokenSignedHere = tokenPlan !== undefined && 'sign' in tokenPlan;
    const [, installed] = await Promise.all([
      ensureAuthPlugin(tokenSignedHere ? undefined : exec, inputs.awsCliMirror),
      installHelm(inputs.helmVersion, inputs.helmMirror)
    ]);
    const helm = createHelmCli(
      installed.path,
      installed.major,
      kube.path,
      time.killGraceMs,
      execEnv,
      inputs.workspace // relative paths in extra-args mean what the checks resolved them to
    );
    const namespace = inputs.namespace ?? kube.access.namespace ?? 'default';
    if (inputs.setValues.length > 0) core.info(`set: ${describeSetTypes(inputs.setValues)}`);
    const plan = planDeploy(
      inputs,
      namespace,
      await writeSetArgs(inputs.setValues, kube.dir),
      time
    );
    const target = { release: plan.release, namespace };

    const client = createKubeClient(kube.access, { tokenPlan, execEnv });
    await preflight(client, kube.access, {
      namespace,
      createNamespace: plan.createNamespace
    }).catch(async (error: unknown) => {
      throw await explainEksRefusal(error, eks); // a 401 by cluster-name: no access entry
    });
    await shareExecToken(kube, () => client.bearerToken(), time, tokenSignedHere);
    if (inputs.mode === 'plan') {
      const result = await planUpgrade(helm, client, plan); // changes nothing, records no revision
      const context = { helm: `helm ${installed.version}`, chart: inputs.chart };
      return await reportPlan(result, context, inputs.githubToken); // summary, outputs, PR comment
    }
    if (inputs.recoverPending && plan.dryRun === 'none') {
      await recoverPendingRelease(
        helm,
        target,
        { liveWindowMs: time.pendingLiveWindowMs },
        { client }
      );
    }
    const before =
      plan.dryRun === 'none' ? await latestRevisionNumber(helm, target, client) : undefined;
    const revision = await deploy(helm, client, plan, inputs.failFast).catch(async (error) => {
      await reportFailedRevision(helm, client, target, before); // outputs even on failure
      throw error;
    });
    await report(client, target, revision, started + time.urlWaitMs);
  } catch (error) {
    fail(error);
  }
}
