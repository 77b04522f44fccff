import { describe, expect, test } from '@jest/globals';
import { releaseOutputs } from '../src/report.js';

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
