import { describe, expect, test } from '@jest/globals';
import { parseManifest, type JsonObject } from '../../src/plan/manifest.js';
import { COMMENT_LIMIT, cutForComment, planMarker, renderPlan } from '../../src/plan/markdown.js';
import { computePlan, counts, failedPlan, hasChanges, type Plan } from '../../src/plan/plan.js';

const NS = 'omer';
const SECRET_VALUE = 'correct-horse-battery-staple';
const NEW_SECRET_VALUE = 'tr0ub4dor-and-3';
const b64 = (s: string) => Buffer.from(s).toString('base64');

function manifest(opts: { image: string; replicas?: number; secret: string; extra?: boolean }) {
  return `---
# Source: app/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  index.html: hello
---
apiVersion: v1
kind: Secret
metadata:
  name: web-secret
data:
  password: ${b64(opts.secret)}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${opts.replicas ?? 1}
  template:
    spec:
      containers:
        - name: app
          image: ${opts.image}
${opts.extra ? '---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web-extra\nspec:\n  ports: [{port: 80}]\n' : ''}`;
}

/** What the server returns for an object: the manifest plus server fields and a default. */
function served(body: JsonObject, rv: string): JsonObject {
  const copy = structuredClone(body);
  copy.metadata = {
    ...(copy.metadata as JsonObject),
    namespace: NS,
    uid: `uid-${rv}`,
    resourceVersion: rv
  };
  if (copy.kind === 'Deployment') {
    (copy.spec as JsonObject).strategy = { type: 'RollingUpdate' }; // a default
    copy.status = { replicas: 1 };
  }
  return copy;
}

function scenario(
  before: Parameters<typeof manifest>[0] | undefined,
  after: Parameters<typeof manifest>[0],
  edit?: (live: Map<string, JsonObject | undefined>) => void
): Plan {
  const current = before ? parseManifest(manifest(before), NS) : undefined;
  const rendered = parseManifest(manifest(after), NS);
  const live = new Map<string, JsonObject | undefined>();
  for (const [key, o] of current ?? []) live.set(key, served(o.body, '1'));
  edit?.(live);
  const predicted = new Map<string, JsonObject>();
  for (const [key, o] of rendered) predicted.set(key, served(o.body, '1'));
  return computePlan({ release: 'web', namespace: NS, current, rendered, live, predicted });
}

const V1 = { image: 'app:1', secret: SECRET_VALUE };

describe('computePlan', () => {
  test('a release that does not exist is a plan of additions', () => {
    const plan = scenario(undefined, V1);
    expect(plan.firstInstall).toBe(true);
    expect(plan.entries.map((e) => [e.action, e.ref.kind, e.ref.namespace, e.ref.name])).toEqual([
      ['add', 'ConfigMap', NS, 'web-config'],
      ['add', 'Secret', NS, 'web-secret'],
      ['add', 'Deployment', NS, 'web']
    ]);
    expect(counts(plan)).toEqual({ added: 3, changed: 0, removed: 0 });
  });

  test('the same chart again changes nothing: defaults and server fields cancel', () => {
    const plan = scenario(V1, V1);
    expect(plan.entries).toEqual([]);
    expect(plan.unchanged).toBe(3);
    expect(hasChanges(plan)).toBe(false);
  });

  test('an image change is one field of the Deployment', () => {
    const plan = scenario(V1, { ...V1, image: 'app:2' });
    expect(plan.entries).toEqual([
      {
        action: 'change',
        ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'web' },
        fields: [
          {
            path: ['spec', 'template', 'spec', 'containers', { name: 'app' }, 'image'],
            before: 'app:1',
            after: 'app:2',
            hidden: false,
            drift: false
          }
        ]
      }
    ]);
  });

  test('an added and a removed object', () => {
    const added = scenario(V1, { ...V1, extra: true });
    expect(counts(added)).toEqual({ added: 1, changed: 0, removed: 0 });
    const removed = scenario({ ...V1, extra: true }, V1);
    expect(removed.entries.map((e) => [e.action, e.ref.name])).toEqual([['remove', 'web-extra']]);
  });

  test('an object edited by hand since the last deploy is drift, reset by the deploy', () => {
    const plan = scenario(V1, V1, (live) => {
      ((live.get(`Deployment/${NS}/web`) as JsonObject).spec as JsonObject).replicas = 5;
    });
    expect(plan.entries).toMatchObject([
      {
        action: 'change',
        fields: [{ path: ['spec', 'replicas'], before: 5, after: 1, drift: true }]
      }
    ]);
  });

  test('an object deleted by hand is recreated', () => {
    const plan = scenario(V1, V1, (live) => live.delete(`ConfigMap/${NS}/web-config`));
    expect(plan.entries).toMatchObject([
      { action: 'add', missing: true, ref: { name: 'web-config' } }
    ]);
  });

  test('a Secret change shows the key, never the values', () => {
    const plan = scenario(V1, { ...V1, secret: NEW_SECRET_VALUE });
    expect(plan.entries).toMatchObject([
      {
        action: 'change',
        ref: { kind: 'Secret' },
        fields: [{ path: ['data', 'password'], hidden: true }]
      }
    ]);
    const text = JSON.stringify(plan) + renderPlan(plan, { helm: 'helm v4.1.4', chart: 'app' });
    for (const value of [
      SECRET_VALUE,
      NEW_SECRET_VALUE,
      b64(SECRET_VALUE),
      b64(NEW_SECRET_VALUE)
    ]) {
      expect(text).not.toContain(value);
    }
  });

  test('a value the chart marks secret is hidden wherever it appears', () => {
    const rendered = parseManifest(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  url: host?key=marked-value-42\n',
      NS
    );
    const [key, object] = [...rendered][0];
    const plan = computePlan({
      release: 'web',
      namespace: NS,
      current: rendered,
      rendered,
      live: new Map([[key, { ...object.body, data: { url: 'host' } }]]),
      predicted: new Map([[key, object.body]]),
      sensitive: ['marked-value-42']
    });
    expect(plan.entries).toMatchObject([
      { action: 'change', fields: [{ path: ['data', 'url'], hidden: true }] }
    ]);
    expect(JSON.stringify(plan)).not.toContain('marked-value-42');
  });

  test('an object kept by helm.sh/resource-policy is listed but not counted', () => {
    const current = parseManifest(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n  annotations: {helm.sh/resource-policy: keep}\n',
      NS
    );
    const plan = computePlan({
      release: 'web',
      namespace: NS,
      current,
      rendered: new Map(),
      live: new Map([[`ConfigMap/${NS}/keep`, { kind: 'ConfigMap' }]]),
      predicted: new Map()
    });
    expect(plan.entries).toMatchObject([{ action: 'remove', kept: true }]);
    expect(hasChanges(plan)).toBe(false);
  });
});

describe('renderPlan', () => {
  const context = { helm: 'helm v4.1.4', chart: 'charts/app' };

  test('starts with the marker and a headline, lists objects, and diffs fields', () => {
    const md = renderPlan(scenario(V1, { ...V1, image: 'app:2', extra: true }), context);
    expect(
      md.startsWith(`${planMarker('web')}\n### Plan: release \`web\` in namespace \`omer\``)
    ).toBe(true);
    expect(md).toContain('**1 to add, 1 to change, 0 to remove**, 2 unchanged.');
    expect(md).toContain('| + | Service | omer | web-extra |');
    expect(md).toContain('| ~ | Deployment | omer | web | 1 field |');
    expect(md).toContain(
      '- spec.template.spec.containers[name=app].image: "app:1"\n+ spec.template.spec.containers[name=app].image: "app:2"'
    );
  });

  test('drift is marked', () => {
    const md = renderPlan(
      scenario(V1, V1, (live) => {
        ((live.get(`Deployment/${NS}/web`) as JsonObject).spec as JsonObject).replicas = 5;
      }),
      context
    );
    expect(md).toContain(
      '+ spec.replicas: 1   # drift: changed in the cluster since the last deploy'
    );
    expect(md).toContain('1 field, 1 changed in the cluster since the last deploy (drift)');
  });

  test.each([
    [
      failedPlan('web', NS, false, { stage: 'render', reason: 'template: app/x.yaml:3: bad' }),
      'did not render (helm v4.1.4)'
    ],
    [
      failedPlan('web', NS, true, {
        stage: 'server',
        reason: 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1',
        object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'web' }
      }),
      'The API server refused `Deployment omer/web` in a server-side dry run'
    ]
  ])('a failed plan says why: %#', (plan, want) => {
    const md = renderPlan(plan, context);
    expect(md).toContain(want);
    expect(md).toContain(plan.failure!.reason);
  });

  test('no changes says so', () => {
    expect(renderPlan(scenario(V1, V1), context)).toContain(
      '**No changes.** The cluster runs what this chart renders (3 objects).'
    );
  });

  test('a value with backticks cannot close the code fence', () => {
    const md = renderPlan(scenario(V1, { ...V1, image: 'a```b' }), context);
    expect(md).toContain('````diff');
  });
});

describe('cutForComment', () => {
  const pointer = 'the whole plan is in the job summary: https://github.com/o/r/actions/runs/1';

  test('a plan within the limit is left as it is', () => {
    expect(cutForComment('short', pointer)).toBe('short');
  });

  test.each([
    [
      'inside a code fence',
      `${planMarker('r')}\n<details><summary>x</summary>\n\n\`\`\`diff\n${'+ line\n'.repeat(20_000)}\`\`\`\n</details>\n`
    ],
    ['between objects', `${planMarker('r')}\n${'| + | ConfigMap | ns | name |\n'.repeat(5_000)}`]
  ])('a long plan is cut %s, closed, with the pointer', (_, md) => {
    const cut = cutForComment(md, pointer);
    expect(cut.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(cut.startsWith(planMarker('r'))).toBe(true);
    expect(cut.endsWith(`**The plan is cut here (GitHub's comment limit); ${pointer}**\n`)).toBe(
      true
    );
    const fences = cut.split('\n').filter((l) => l.startsWith('```')).length;
    expect(fences % 2).toBe(0);
    expect(cut.split('<details>').length).toBe(cut.split('</details>').length);
  });
});
