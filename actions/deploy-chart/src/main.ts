import * as core from '@actions/core';
import { fail } from '../../shared/src/errors.js';
import { timeBudget } from './budget.js';
import { preflight } from './cluster/preflight.js';
import { recoverPendingRelease } from './cluster/recover.js';
import { connectCluster } from './credentials.js';
import { deploy } from './deploy.js';
import { planDeploy } from './helm-args.js';
import { createHelmCli } from './helm-cli.js';
import { installHelm } from './helm-install.js';
import { readInputs } from './inputs.js';
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
    const [cluster, installed] = await Promise.all([
      connectCluster(inputs, time), // credentials, the kubeconfig helm uses, the API client
      installHelm(inputs.helmVersion, inputs.helmMirror)
    ]);
    const { kube, client } = cluster;
    const helm = createHelmCli(
      installed.path,
      installed.major,
      kube.path,
      time.killGraceMs,
      cluster.helmEnv,
      inputs.workspace // relative paths in extra-args mean what the checks resolved them to
    );
    const namespace = inputs.namespace ?? kube.access.namespace ?? 'default';
    if (inputs.setValues.length > 0) core.info(`set: ${describeSetTypes(inputs.setValues)}`);
    const setArgs = await writeSetArgs(inputs.setValues, kube.dir);
    const plan = planDeploy(inputs, namespace, setArgs, time);
    const target = { release: plan.release, namespace };

    await preflight(client, kube.access, {
      namespace,
      createNamespace: plan.createNamespace
    }).catch(async (error: unknown) => {
      throw await cluster.explainRefusal(error); // a 401 by cluster-name: no access entry
    });
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
