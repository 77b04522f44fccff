// The pull request comment flow against a loopback stand-in for GitHub's REST endpoints
// (test/harness/rigs/github-api.ts): created once, updated in place, found across pages, and a
// token that may not comment is a warning.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { fetchClient } from '../../../shared/src/http.js';
import {
  explainRefusal,
  nextPage,
  pullRequestOf,
  runUrl,
  upsertPlanComment,
  type PullRequest
} from '../../src/plan/comment.js';
import { planMarker } from '../../src/plan/markdown.js';
import { startGithubApi, type GithubApi } from '../../../../test/harness/rigs/github-api.js';

const REPO = 'omer-avner/basickapp';
const WRITE = 'ghs_write-token';
const READ = 'ghs_read-token';
let api: GithubApi;
const http = fetchClient();
const pr = (number: number): PullRequest => ({ apiUrl: api.url, repository: REPO, number });

beforeAll(async () => {
  api = await startGithubApi({
    repository: REPO,
    pulls: [1, 2, 3, 4],
    writeTokens: [WRITE],
    readTokens: [READ]
  });
});
afterAll(() => api.stop());

describe('the comment', () => {
  test('is created once, then updated in place on every push', async () => {
    api.seed(1, 'LGTM');
    api.seed(1, `${planMarker('other-release')}\nanother release's plan`);
    const first = await upsertPlanComment(
      http,
      pr(1),
      WRITE,
      planMarker('web'),
      `${planMarker('web')}\nplan 1`
    );
    expect(first).toMatchObject({
      done: 'created',
      url: expect.stringMatching(/\/pull\/1#issuecomment-\d+$/)
    });
    const second = await upsertPlanComment(
      http,
      pr(1),
      WRITE,
      planMarker('web'),
      `${planMarker('web')}\nplan 2`
    );
    expect(second).toEqual({ done: 'updated', url: (first as { url: string }).url });
    const ours = api.comments(1).filter((c) => c.body.includes(planMarker('web')));
    expect(ours.map((c) => c.body)).toEqual([`${planMarker('web')}\nplan 2`]);
    expect(api.comments(1)).toHaveLength(3);
  });

  test('is found on a later page of a long conversation', async () => {
    for (let i = 0; i < 150; i++) api.seed(2, `comment ${i}`);
    const first = await upsertPlanComment(
      http,
      pr(2),
      WRITE,
      planMarker('web'),
      `${planMarker('web')}\nv1`
    );
    expect(first.done).toBe('created');
    const from = api.requests.length;
    expect(
      (await upsertPlanComment(http, pr(2), WRITE, planMarker('web'), `${planMarker('web')}\nv2`))
        .done
    ).toBe('updated');
    expect(api.requests.slice(from).map((r) => r.replace(/\d{7}/, 'ID'))).toEqual([
      `GET /repos/${REPO}/issues/2/comments?per_page=100`,
      `GET /repos/${REPO}/issues/2/comments?per_page=100&page=2`,
      `PATCH /repos/${REPO}/issues/comments/ID`
    ]);
    expect(api.comments(2)).toHaveLength(151);
  });

  test.each([
    [
      'a read-only token (403)',
      3,
      READ,
      /GitHub answered 403 Resource not accessible by integration; give the job `permissions: pull-requests: write`/
    ],
    [
      'a pull request the token cannot see (404)',
      99,
      WRITE,
      /GitHub answered 404 Not Found; the token cannot see this pull request/
    ],
    ['a wrong token (401)', 4, 'nope', /GitHub answered 401 Bad credentials/]
  ])('%s is a warning, never a failure', async (_, number, token, warning) => {
    const outcome = await upsertPlanComment(http, pr(number), token, planMarker('web'), 'plan');
    expect(outcome).toEqual({ done: 'skipped', warning: expect.stringMatching(warning) });
    expect(api.comments(number)).toEqual([]);
  });

  test('an unreachable API is a warning too', async () => {
    const outcome = await upsertPlanComment(
      http,
      { ...pr(1), apiUrl: 'http://127.0.0.1:9' },
      WRITE,
      'm',
      'plan'
    );
    expect(outcome.done).toBe('skipped');
  });
});

describe('pure parts', () => {
  test.each([
    [
      { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REPOSITORY: REPO },
      { pull_request: { number: 7 } },
      { apiUrl: 'https://api.github.com', repository: REPO, number: 7 }
    ],
    [
      {
        GITHUB_EVENT_NAME: 'pull_request_target',
        GITHUB_REPOSITORY: REPO,
        GITHUB_API_URL: 'https://ghe.example/api/v3/'
      },
      { pull_request: { number: 8 } },
      { apiUrl: 'https://ghe.example/api/v3', repository: REPO, number: 8 }
    ],
    [
      { GITHUB_EVENT_NAME: 'push', GITHUB_REPOSITORY: REPO },
      { pull_request: { number: 7 } },
      undefined
    ],
    [{ GITHUB_EVENT_NAME: 'pull_request', GITHUB_REPOSITORY: REPO }, {}, undefined]
  ])('pullRequestOf %j', (env, event, want) => expect(pullRequestOf(env, event)).toEqual(want));

  test.each([
    [
      '<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last"',
      'https://api.github.com/x?page=2'
    ],
    ['<https://api.github.com/x?page=1>; rel="prev"', undefined],
    [undefined, undefined]
  ])('nextPage %s', (link, want) => expect(nextPage(link)).toBe(want));

  test('runUrl', () => {
    expect(runUrl({ GITHUB_REPOSITORY: REPO, GITHUB_RUN_ID: '42' })).toBe(
      `https://github.com/${REPO}/actions/runs/42`
    );
    expect(runUrl({})).toBeUndefined();
  });

  test('explainRefusal of another status says to re-run', () => {
    expect(explainRefusal(502, '')).toBe('GitHub answered 502; re-run the job to try again');
  });
});
