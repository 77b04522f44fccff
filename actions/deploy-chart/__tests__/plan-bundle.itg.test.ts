// mode: plan, run as the runner runs the bundle, with the real helm 3 and 4 against the EKS
// emulator and a loopback stand-in for GitHub's comment endpoints. Each plan is checked
// against the real deploy that follows it: the objects and fields the plan lists are exactly
// those the deploy then changes in the cluster.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { diffFields, formatPath, withoutServerFields } from '../src/plan/diff.js';
import type { JsonObject } from '../src/plan/manifest.js';
import { planMarker } from '../src/plan/markdown.js';
import { startCluster, type Cluster } from '../../../test/emulator/index.js';
import { kubeRequest } from '../../../test/emulator/__tests__/client.js';
import { startGithubApi, type GithubApi } from '../../../test/harness/rigs/github-api.js';
import { HELM_VERSIONS } from '../../../test/harness/rigs/helm.js';
import { startHelmMirror, type HelmMirror } from '../../../test/harness/rigs/helm-mirror.js';
import { findSecrets } from '../../../test/reliability/support/secrets.js';
import {
  newRunnerJob,
  REPO_ROOT,
  runAction,
  type ActionRun
} from '../../../test/harness/runner.js';

const TOKEN = 'plan-bundle-token';
const NS = 'omer';
const REPO = 'omer-avner/basickapp';
const GH_TOKEN = 'ghs_plan-bundle-write';
const SECRET_V1 = 'plan-bundle-first-password';
const SECRET_V2 = 'plan-bundle-second-password';
const IMAGE = 'pythonApp.image=registry.local/python-app';

let cluster: Cluster;
let mirror: HelmMirror;
let github: GithubApi;
let work: string;
let secretChart: string;
let refusedChart: string;

beforeAll(async () => {
  [cluster, mirror, github] = await Promise.all([
    startCluster({
      staticTokens: [TOKEN],
      podReadyDelayMs: 200,
      loadBalancerDelayMs: 200,
      pullableImages: [/^registry\.local\//]
    }),
    startHelmMirror(),
    startGithubApi({ repository: REPO, pulls: [3, 4], writeTokens: [GH_TOKEN] })
  ]);
  work = mkdtempSync(path.join(os.tmpdir(), 'plan-bundle-'));
  // The chart plus a Secret whose value a later commit changes.
  secretChart = path.join(work, 'secret-chart');
  cpSync(path.join(REPO_ROOT, 'charts/python-application'), secretChart, { recursive: true });
  // The chart plus an object the API server refuses (helm renders it without complaint).
  refusedChart = path.join(work, 'refused-chart');
  cpSync(path.join(REPO_ROOT, 'charts/python-application'), refusedChart, { recursive: true });
  writeFileSync(
    path.join(refusedChart, 'templates/bad.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\ndata:\n  a: b\n'
  );
});

afterAll(async () => {
  await Promise.all([cluster.stop(), mirror.stop(), github.stop()]);
  rmSync(work, { recursive: true, force: true });
});

function writeSecret(value: string): void {
  writeFileSync(
    path.join(secretChart, 'templates/secret.yaml'),
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Values.pythonApp.name }}-secret\ntype: Opaque\ndata:\n  password: {{ "${value}" | b64enc }}\n  user: {{ "app" | b64enc }}\n`
  );
}

interface Step {
  run: ActionRun;
  /** The plan file's text (plan runs). */
  planFile?: string;
}

async function step(
  version: string,
  mode: 'plan' | 'deploy',
  release: string,
  set: string,
  { chart = 'charts/python-application', pr }: { chart?: string; pr?: number } = {}
): Promise<Step> {
  const job = newRunnerJob();
  // The test's own charts live in a temp dir: the step's workspace, as a checkout would be.
  const env: Record<string, string> = chart.startsWith(work) ? { GITHUB_WORKSPACE: work } : {};
  if (pr) {
    const event = path.join(job.dir, 'event.json');
    writeFileSync(
      event,
      JSON.stringify({ action: 'synchronize', number: pr, pull_request: { number: pr } })
    );
    Object.assign(env, {
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event,
      GITHUB_API_URL: github.url,
      GITHUB_REPOSITORY: REPO,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '4242'
    });
  }
  const run = await runAction(job, 'deploy-chart', 'index', {
    inputs: {
      mode,
      'github-token': GH_TOKEN,
      kubeconfig: cluster.kubeconfigBase64,
      release,
      chart,
      namespace: NS,
      set: `pythonApp.name=${release}\n${IMAGE}\n${set}`,
      timeout: '2m',
      'helm-version': version,
      'helm-mirror': mirror.url
    },
    env,
    timeoutMs: 90_000
  });
  const file = run.outputs['plan-file'];
  return { run, planFile: file ? readFileSync(file, 'utf8') : undefined };
}

const KINDS = [
  ['ConfigMap', '/api/v1', 'configmaps'],
  ['Secret', '/api/v1', 'secrets'],
  ['Service', '/api/v1', 'services'],
  ['Deployment', '/apis/apps/v1', 'deployments'],
  ['Ingress', '/apis/networking.k8s.io/v1', 'ingresses']
] as const;

/** The release's objects in the cluster, without the fields the server owns. */
async function snapshot(release: string): Promise<Map<string, JsonObject>> {
  const objects = new Map<string, JsonObject>();
  for (const [kind, base, plural] of KINDS) {
    const list = await kubeRequest(cluster, TOKEN, 'GET', `${base}/namespaces/${NS}/${plural}`);
    for (const item of list.body.items as JsonObject[]) {
      const metadata = item.metadata as { name: string; annotations?: Record<string, string> };
      if (metadata.annotations?.['meta.helm.sh/release-name'] !== release) continue;
      objects.set(`${kind} ${NS}/${metadata.name}`, withoutServerFields({ ...item, kind }));
    }
  }
  return objects;
}

/** What changed between two snapshots, in the plan's log format. */
function changes(before: Map<string, JsonObject>, after: Map<string, JsonObject>): string[] {
  const lines: string[] = [];
  for (const [key, object] of after) {
    const old = before.get(key);
    if (!old) lines.push(`+ ${key}`);
    else {
      const fields = diffFields(old, object).map((c) => formatPath(c.path));
      if (fields.length) lines.push(`~ ${key}: ${fields.join(', ')}`);
    }
  }
  for (const key of before.keys()) if (!after.has(key)) lines.push(`- ${key}`);
  return lines.sort();
}

/** The plan's lines from the log (one per object), without the drift marks. */
function planned(run: ActionRun): string[] {
  const lines = run.stdout.split('\n');
  const start = lines.findIndex((l) => /^plan of \S+: \d+ to add/.test(l));
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^[+~-] /.test(line)) break;
    out.push(line.replace(/ \(drift\)/g, '').replace(/ \(deleted from the cluster by hand\)$/, ''));
  }
  return out.sort();
}

/** A plan, then the real deploy of the same inputs: the plan must list what the deploy changed. */
async function planThenDeploy(
  version: string,
  release: string,
  set: string,
  options: { chart?: string; pr?: number } = {}
) {
  const plan = await step(version, 'plan', release, set, options);
  expect(plan.run.errors).toEqual([]);
  expect(plan.run.exitCode).toBe(0);
  const before = await snapshot(release);
  const deploy = await step(version, 'deploy', release, set, { chart: options.chart });
  expect(deploy.run.errors).toEqual([]);
  const observed = changes(before, await snapshot(release));
  expect(planned(plan.run)).toEqual(observed);
  return { plan, observed };
}

describe.each(HELM_VERSIONS)('helm %s', (version) => {
  const major = version.startsWith('v3') ? 3 : 4;
  const release = `plan${major}`;
  const pr = major;
  const deployment = `Deployment ${NS}/${release}-deployment`;

  test('first install: a plan of additions, commented on the pull request, equal to what the deploy adds', async () => {
    const requestsBefore = cluster.requests.length;
    const { plan, observed } = await planThenDeploy(version, release, 'pythonApp.tag=v1', { pr });
    expect(observed).toEqual([
      `+ ConfigMap ${NS}/${release}-configmap`,
      `+ ${deployment}`,
      `+ Service ${NS}/${release}-service`
    ]);
    expect(plan.run.outputs).toMatchObject({
      'has-changes': 'true',
      added: '3',
      changed: '0',
      removed: '0'
    });
    expect(plan.run.summary).toContain(
      '**3 to add, 0 to change, 0 to remove**, 0 unchanged (the release does not exist yet: a first install).'
    );
    expect(plan.run.summary.trim()).toBe(plan.planFile?.trim());
    // The plan wrote nothing but dry runs (the deploy's writes come after it).
    const planRequests = cluster.requests
      .slice(requestsBefore)
      .filter((r) => /dryRun=All/.test(r.path));
    expect(planRequests.map((r) => r.method)).toEqual(['PATCH', 'PATCH', 'PATCH']);
    const comments = github.comments(pr);
    expect(comments).toHaveLength(1);
    expect(comments[0].body.startsWith(planMarker(release))).toBe(true);
    expect(comments[0].body).toContain('**3 to add');
  });

  test('the same inputs again: no changes, and the same comment is updated', async () => {
    const plan = await step(version, 'plan', release, 'pythonApp.tag=v1', { pr });
    expect(plan.run.exitCode).toBe(0);
    expect(plan.run.outputs).toMatchObject({
      'has-changes': 'false',
      added: '0',
      changed: '0',
      removed: '0'
    });
    expect(plan.run.summary).toContain(
      '**No changes.** The cluster runs what this chart renders (3 objects).'
    );
    const comments = github.comments(pr);
    expect(comments).toHaveLength(1);
    expect(comments[0].body).toContain('**No changes.**');
  });

  test('a values change', async () => {
    const { observed, plan } = await planThenDeploy(
      version,
      release,
      'pythonApp.tag=v1\npythonApp.replicas=2'
    );
    expect(observed).toEqual([`~ ${deployment}: spec.replicas`]);
    expect(plan.run.summary).toContain('- spec.replicas: 1\n+ spec.replicas: 2');
  });

  test('an image change', async () => {
    const { observed } = await planThenDeploy(
      version,
      release,
      'pythonApp.tag=v2\npythonApp.replicas=2'
    );
    expect(observed).toContain(
      `~ ${deployment}: metadata.labels["app.kubernetes.io/version"], spec.template.metadata.labels["app.kubernetes.io/version"], spec.template.spec.containers[name=python-app].image`
    );
  });

  test('an object removed', async () => {
    const ingress =
      'pythonApp.tag=v2\npythonApp.replicas=2\ningress.enabled=true\ningress.host=app.example.com\nservice.type=ClusterIP';
    const added = await planThenDeploy(version, release, ingress);
    expect(added.observed).toContain(`+ Ingress ${NS}/${release}-ingress`);
    const { observed, plan } = await planThenDeploy(
      version,
      release,
      'pythonApp.tag=v2\npythonApp.replicas=2\nservice.type=ClusterIP'
    );
    expect(observed).toEqual([`- Ingress ${NS}/${release}-ingress`]);
    expect(plan.run.outputs).toMatchObject({ removed: '1', 'has-changes': 'true' });
  });

  test('drift: an object edited by hand since the last deploy', async () => {
    const set = 'pythonApp.tag=v2\npythonApp.replicas=2\nservice.type=ClusterIP';
    const edited = await kubeRequest(
      cluster,
      TOKEN,
      'PATCH',
      `/apis/apps/v1/namespaces/${NS}/deployments/${release}-deployment?fieldManager=kubectl-edit`,
      {
        body: { spec: { replicas: 5 } },
        contentType: 'application/merge-patch+json'
      }
    );
    expect(edited.status).toBe(200);
    if (major === 3) {
      // helm 3's three-way merge resets the field: the plan says so, and marks it drift.
      const { observed, plan } = await planThenDeploy(version, release, set);
      expect(observed).toEqual([`~ ${deployment}: spec.replicas`]);
      expect(plan.run.stdout).toContain(`~ ${deployment}: spec.replicas (drift)`);
      expect(plan.run.summary).toContain(
        '+ spec.replicas: 2   # drift: changed in the cluster since the last deploy'
      );
    } else {
      // helm 4 applies server-side without --force-conflicts: the field's new owner refuses it,
      // in the plan as in the deploy.
      const plan = await step(version, 'plan', release, set);
      expect(plan.run.exitCode).toBe(1);
      expect(plan.run.errors.join('\n')).toMatch(
        /plan of plan4: the API server refused Deployment plan4-deployment in a server-side dry run\n409 Conflict: .*kubectl-edit/
      );
      expect(plan.run.summary).toContain(
        '**No plan: The API server refused `Deployment omer/plan4-deployment` in a server-side dry run.**'
      );
      const deploy = await step(version, 'deploy', release, set);
      expect(deploy.run.exitCode).toBe(1);
      expect(deploy.run.errors.join('\n')).toMatch(/conflict/i);
    }
  });

  test('a Secret change: the plan names the key, and its value appears nowhere', async () => {
    const secretRelease = `plan${major}s`;
    writeSecret(SECRET_V1);
    const first = await planThenDeploy(version, secretRelease, 'pythonApp.tag=v1', {
      chart: secretChart,
      pr
    });
    expect(first.observed).toContain(`+ Secret ${NS}/${secretRelease}-secret`);
    writeSecret(SECRET_V2);
    const { plan, observed } = await planThenDeploy(version, secretRelease, 'pythonApp.tag=v1', {
      chart: secretChart,
      pr
    });
    expect(observed).toEqual([`~ Secret ${NS}/${secretRelease}-secret: data.password`]);
    expect(plan.run.summary).toContain('! data.password: (sensitive value changed)');
    const texts = {
      log: plan.run.stdout
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n'),
      stderr: plan.run.stderr,
      outputs: JSON.stringify(plan.run.outputs),
      state: JSON.stringify(plan.run.state),
      summary: plan.run.summary,
      'plan-file': plan.planFile ?? '',
      comments: JSON.stringify(github.comments(pr)),
      firstPlan:
        first.plan.run.stdout
          .split('\n')
          .filter((l) => !l.startsWith('::add-mask::'))
          .join('\n') + first.plan.run.summary
    };
    const secrets = [
      { name: 'the first password', value: SECRET_V1 },
      { name: 'the second password', value: SECRET_V2 }
    ];
    expect(findSecrets(texts, secrets)).toEqual([]);
    // Masked in the log all the same, in case a later line prints it.
    expect(plan.run.stdout).toContain(`::add-mask::${SECRET_V2}`);
    expect(
      github.comments(pr).filter((c) => c.body.startsWith(planMarker(secretRelease)))
    ).toHaveLength(1);
  });

  test('a render failure is a plan that says so, naming the input', async () => {
    const plan = await step(version, 'plan', release, 'pythonApp.tag="not a tag!"');
    expect(plan.run.exitCode).toBe(1);
    expect(plan.run.errors).toEqual([
      expect.stringMatching(/^set\/values: the chart's values.schema.json refuses pythonApp.tag/)
    ]);
    expect(plan.run.summary).toContain(
      '**No plan: The chart `charts/python-application` did not render'
    );
    expect(plan.run.outputs).toMatchObject({ 'has-changes': 'false' });
  });

  test('a server refusal is a plan that says so with the reason, as the deploy then fails', async () => {
    const refused = `plan${major}r`;
    const plan = await step(version, 'plan', refused, 'pythonApp.tag=v1', { chart: refusedChart });
    expect(plan.run.exitCode).toBe(1);
    expect(plan.run.errors).toEqual([
      expect.stringMatching(
        /^plan of plan\dr: the API server refused ConfigMap Bad_Name in a server-side dry run\n422 Invalid: ConfigMap "Bad_Name" is invalid/
      )
    ]);
    expect(plan.run.summary).toContain('The API server refused `ConfigMap omer/Bad_Name`');
    const deploy = await step(version, 'deploy', refused, 'pythonApp.tag=v1', {
      chart: refusedChart
    });
    expect(deploy.run.exitCode).toBe(1);
    expect(deploy.run.stdout).toMatch(/Bad_Name/);
  });
});
