import { describe, expect, test } from '@jest/globals';
import type { HelmRevision } from '../src/cluster/release-plan.js';
import { attemptedRevision, releaseOutputs } from '../src/report.js';

describe('outputs', () => {
  test.each([
    [
      'a deployed revision',
      {
        revision: 2,
        status: 'deployed',
        chart: 'python-application-1.0.0',
        app_version: '1.0.0',
        description: 'Upgrade complete'
      },
      'http://a1b2.elb.eu-west-1.amazonaws.com',
      {
        revision: '2',
        status: 'deployed',
        'chart-version': '1.0.0',
        'app-version': '1.0.0',
        url: 'http://a1b2.elb.eu-west-1.amazonaws.com'
      }
    ],
    [
      'a chart whose name has dashes and a pre-release version',
      {
        revision: 1,
        status: 'deployed',
        chart: 'my-web-app-2.0.0-rc.1',
        app_version: '',
        description: ''
      },
      '',
      {
        revision: '1',
        status: 'deployed',
        'chart-version': '2.0.0-rc.1',
        'app-version': '',
        url: ''
      }
    ],
    [
      'a dry run',
      undefined,
      '',
      { revision: '', status: 'dry-run', 'chart-version': '', 'app-version': '', url: '' }
    ]
  ])('%s', (_name, revision, url, want) => expect(releaseOutputs(revision, url)).toEqual(want));
});

describe("the revision a failed deploy's helm recorded", () => {
  const row = (
    revision: number,
    status: string,
    description = 'Upgrade "app" failed'
  ): HelmRevision => ({
    revision,
    status,
    chart: 'python-application-1.0.0',
    app_version: '1.0.0',
    description
  });
  test.each<[string, HelmRevision[], number, number | undefined]>([
    ['a failed upgrade', [row(1, 'superseded'), row(2, 'deployed'), row(3, 'failed')], 2, 3],
    ['a failed first install', [row(1, 'failed', 'Release "app" failed')], 0, 1],
    [
      '--rollback-on-failure rolled back: the failed revision, not the rollback',
      [row(1, 'superseded'), row(2, 'failed'), row(3, 'deployed', 'Rollback to 1')],
      1,
      2
    ],
    [
      'a helm killed while pending, the release then settled by the action',
      [row(1, 'superseded'), row(2, 'pending-upgrade'), row(3, 'deployed', 'Rollback to 1')],
      1,
      2
    ],
    [
      'helm ran twice (the API server was unavailable): the last attempt',
      [row(1, 'deployed'), row(2, 'failed'), row(3, 'failed')],
      1,
      3
    ],
    ['helm recorded nothing (a template error)', [row(1, 'deployed')], 1, undefined],
    ['a never-deployed install that was uninstalled', [], 0, undefined]
  ])('%s', (_name, history, before, want) =>
    expect(attemptedRevision(history, before)?.revision).toBe(want)
  );
});
