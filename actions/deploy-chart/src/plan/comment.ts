// The plan as one comment on the pull request, updated in place on every push: found again by
// its hidden marker, through the GitHub REST API with the job's token. A token that may not
// comment (403), or a pull request it cannot see (404), is a warning: the plan is in the job
// summary either way.
import type { HttpClient, HttpResponse } from '../../../shared/src/http.js';

export interface PullRequest {
  /** e.g. https://api.github.com */
  apiUrl: string;
  /** owner/name */
  repository: string;
  number: number;
}

/** The pull request of a `pull_request` (or `pull_request_target`) run, from its event payload. Pure. */
export function pullRequestOf(
  env: Record<string, string | undefined>,
  event: unknown
): PullRequest | undefined {
  if (env.GITHUB_EVENT_NAME !== 'pull_request' && env.GITHUB_EVENT_NAME !== 'pull_request_target')
    return undefined;
  const number = (event as { pull_request?: { number?: unknown } } | undefined)?.pull_request
    ?.number;
  if (typeof number !== 'number' || !env.GITHUB_REPOSITORY) return undefined;
  return {
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    repository: env.GITHUB_REPOSITORY,
    number
  };
}

/** The run's page, where the job summary (the whole plan) is. Pure. */
export function runUrl(env: Record<string, string | undefined>): string | undefined {
  const {
    GITHUB_SERVER_URL: server = 'https://github.com',
    GITHUB_REPOSITORY: repo,
    GITHUB_RUN_ID: run
  } = env;
  return repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined;
}

/** The `rel="next"` URL of a Link header. Pure. */
export function nextPage(link: string | undefined): string | undefined {
  return link
    ?.split(',')
    .map((part) => /<([^>]+)>\s*;\s*rel="next"/.exec(part)?.[1])
    .find(Boolean);
}

type CommentOutcome =
  { done: 'created' | 'updated'; url: string } | { done: 'skipped'; warning: string };

interface Comment {
  id: number;
  body?: string;
  html_url: string;
}

class GithubError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

/** Why a write was refused, and what to change. Pure. */
export function explainRefusal(status: number, message: string): string {
  const fix =
    status === 403
      ? 'give the job `permissions: pull-requests: write` (a pull request from a fork gets a read-only token: the plan is in the job summary)'
      : status === 404
        ? 'the token cannot see this pull request: check the repository and `permissions: pull-requests: write`'
        : status === 401
          ? 'the token was refused: pass `github-token: ${{ github.token }}`'
          : 're-run the job to try again';
  return `GitHub answered ${status}${message ? ` ${message}` : ''}; ${fix}`;
}

/**
 * Creates the plan comment, or updates the one that carries `marker`. Never throws: a
 * failure is returned as a warning.
 */
export async function upsertPlanComment(
  http: HttpClient,
  pr: PullRequest,
  token: string,
  marker: string,
  body: string
): Promise<CommentOutcome> {
  const headers = {
    Accept: 'application/vnd.github+json',
    Authorization: `Bearer ${token}`,
    'X-GitHub-Api-Version': '2022-11-28',
    'User-Agent': 'deploy-chart-action'
  };
  const call = async (
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    payload?: string
  ): Promise<HttpResponse> => {
    const response = await http.request({
      method,
      url,
      headers: payload === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
      body: payload
    });
    if (response.status >= 200 && response.status < 300) return response;
    let message: string;
    try {
      message = String((JSON.parse(response.body) as { message?: unknown }).message ?? '');
    } catch {
      message = response.body.slice(0, 200);
    }
    throw new GithubError(response.status, message);
  };
  const comments = `${pr.apiUrl}/repos/${pr.repository}/issues/${pr.number}/comments`;
  try {
    let existing: Comment | undefined;
    for (let url: string | undefined = `${comments}?per_page=100`; url && !existing;) {
      const page = await call('GET', url);
      existing = (JSON.parse(page.body) as Comment[]).find((c) => c.body?.includes(marker));
      url = nextPage(page.headers.link);
    }
    const payload = JSON.stringify({ body });
    if (existing) {
      const updated = await call(
        'PATCH',
        `${pr.apiUrl}/repos/${pr.repository}/issues/comments/${existing.id}`,
        payload
      );
      return { done: 'updated', url: (JSON.parse(updated.body) as Comment).html_url };
    }
    const created = await call('POST', comments, payload);
    return { done: 'created', url: (JSON.parse(created.body) as Comment).html_url };
  } catch (error) {
    const reason =
      error instanceof GithubError
        ? explainRefusal(error.status, error.message)
        : `${(error as Error).message}; re-run the job to try again`;
    return {
      done: 'skipped',
      warning: `pull request #${pr.number}: the plan comment was not written: ${reason}`
    };
  }
}
