import { fail } from '../../shared/src/errors.js';
import { ensureAuthPlugin } from './aws-plugin.js';
import { planDeploy } from './helm-args.js';
import { createHelmCli } from './helm-cli.js';
import { installHelm } from './helm-install.js';
import { readInputs } from './inputs.js';
import { writeKubeconfig } from './kubeconfig.js';
import { upgradeRelease } from './release.js';
import { report } from './report.js';
import { writeSetValuesFile } from './values-file.js';

export async function run(): Promise<void> {
  try {
    const inputs = readInputs(); // every input validated; errors name the input and the fix
    const kube = await writeKubeconfig(inputs.kubeconfig); // masked, normalized, 0600, in state
    await ensureAuthPlugin(kube.access.exec, inputs.awsCliMirror);
    const installed = await installHelm(inputs.helmVersion, inputs.helmMirror);
    const helm = createHelmCli(installed.path, installed.major, kube.path);
    const namespace = inputs.namespace ?? kube.access.namespace ?? 'default';
    const setValuesFile = await writeSetValuesFile(inputs.setValues, kube.dir);
    const plan = planDeploy(inputs, namespace, setValuesFile);
    const outcome = await upgradeRelease(helm, plan);
    await report(plan, outcome);
  } catch (error) {
    fail(error);
  }
}
