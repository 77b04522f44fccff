// 7. Plan against deploy: the deploy-chart bundle with `mode: plan` against the bundle
//    deploying the same change (a new image tag), helm 3 and 4, interleaved. A plan renders
//    with helm, reads each object and dry-runs it; a deploy runs helm upgrade --wait.
import { HELM_VERSIONS } from '../../test/harness/rigs/helm.js';
import type { Collector } from '../lib/collector.js';
import { bundleDeploy, type DeployRig } from './deploy.js';

export const PLAN_NAMESPACES = ['bench-plan3', 'bench-plan4'];
const GROUP = '7. plan vs deploy';
let tagCount = 0;

export async function planVsDeploy(rig: DeployRig, c: Collector, rounds: number): Promise<void> {
  for (const version of HELM_VERSIONS) {
    const helm = `helm ${version.slice(1, 2)}`;
    const namespace = `bench-plan${version.slice(1, 2)}`;
    // A deployed release first (and helm in the tool cache): every plan is then an upgrade.
    const warm = await bundleDeploy(rig, version, namespace, `ok-plan-${++tagCount}`);
    if (!warm.main.ok) throw new Error(`plan warm-up deploy failed:\n${warm.main.tail}`);
    for (let round = 0; round < rounds; round++) {
      // The plan of a change, then the deploy of that same change.
      const tag = `ok-plan-${++tagCount}`;
      const plan = await bundleDeploy(rig, version, namespace, tag, { mode: 'plan' });
      if (!plan.main.ok || plan.main.run.outputs['has-changes'] !== 'true') {
        throw new Error(`plan ${helm} #${round + 1} failed or found no change:\n${plan.main.tail}`);
      }
      const deploy = await bundleDeploy(rig, version, namespace, tag);
      if (!deploy.main.ok)
        throw new Error(`deploy ${helm} #${round + 1} failed:\n${deploy.main.tail}`);
      rig.log(
        `${helm} #${round + 1}: plan ${(plan.main.elapsedMs / 1000).toFixed(2)} s, deploy ${(deploy.main.elapsedMs / 1000).toFixed(2)} s`
      );
      c.add(`plan-${version}`, GROUP, `deploy-chart mode: plan, ${version}`, plan.main.elapsedMs);
      c.add(
        `plan-deploy-${version}`,
        GROUP,
        `deploy-chart deploy of the same change, ${version}`,
        deploy.main.elapsedMs
      );
    }
    c.compare({
      label: `plan, ${helm}: mode: plan / a deploy of the same change`,
      ours: `plan-${version}`,
      anchor: `plan-deploy-${version}`,
      target: 0.5
    });
  }
}
