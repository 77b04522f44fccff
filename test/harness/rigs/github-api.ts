// A loopback stand-in for the few GitHub REST endpoints the plan's pull request comment uses,
// answering in the shapes GitHub documents (docs.github.com/rest/issues/comments):
//   GET   /repos/{owner}/{repo}/issues/{number}/comments?per_page=&page=  (Link: rel="next")
//   POST  /repos/{owner}/{repo}/issues/{number}/comments        201, the comment
//   PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}     200, the comment
// A token that may only read gets 403 "Resource not accessible by integration" on writes;
// an unknown repository, pull request or comment is 404 "Not Found"; no or a wrong token 401.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GithubComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  issue_url: string;
  body: string;
  user: { login: string; id: number; type: string };
  author_association: string;
  created_at: string;
  updated_at: string;
}

export interface GithubApi {
  url: string;
  /** `METHOD /path?query` of every request, in order. */
  requests: string[];
  /** The comments of a pull request, oldest first. */
  comments(number: number): GithubComment[];
  /** Adds a comment as someone else (a reviewer), e.g. to fill pages. */
  seed(number: number, body: string, login?: string): GithubComment;
  stop(): Promise<void>;
}

export interface GithubApiOptions {
  repository: string;
  /** Pull requests that exist. */
  pulls: number[];
  /** Tokens allowed to comment (pull-requests: write). */
  writeTokens: string[];
  /** Tokens that may only read (pull-requests: read). */
  readTokens?: string[];
}

const DOCS = 'https://docs.github.com/rest/issues/comments';

export async function startGithubApi(options: GithubApiOptions): Promise<GithubApi> {
  const threads = new Map<number, GithubComment[]>(options.pulls.map((n) => [n, []]));
  const requests: string[] = [];
  let nextId = 1_000_000;
  let base = '';
  const make = (number: number, body: string, login: string): GithubComment => {
    const id = nextId++;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const repo = options.repository;
    return {
      id,
      node_id: `IC_${Buffer.from(String(id)).toString('base64')}`,
      url: `${base}/repos/${repo}/issues/comments/${id}`,
      html_url: `https://github.com/${repo}/pull/${number}#issuecomment-${id}`,
      issue_url: `${base}/repos/${repo}/issues/${number}`,
      body,
      user: {
        login,
        id: login === 'github-actions[bot]' ? 41898282 : 1,
        type: login.endsWith('[bot]') ? 'Bot' : 'User'
      },
      author_association: login.endsWith('[bot]') ? 'NONE' : 'MEMBER',
      created_at: now,
      updated_at: now
    };
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'Content-Type': 'application/json; charset=utf-8',
        'X-GitHub-Api-Version-Selected': '2022-11-28',
        ...headers
      });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, message: string, doc = DOCS) =>
      send(status, { message, documentation_url: doc, status: String(status) });
    const token = /^(?:Bearer|token) (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const canWrite = token !== undefined && options.writeTokens.includes(token);
    if (!canWrite && !(token && options.readTokens?.includes(token)))
      return error(401, 'Bad credentials', 'https://docs.github.com/rest');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const prefix = `/repos/${options.repository}/issues/`;
      if (!url.pathname.startsWith(prefix)) return error(404, 'Not Found');
      const rest = url.pathname.slice(prefix.length);
      const body = () => {
        try {
          const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { body?: unknown };
          return typeof parsed.body === 'string' ? parsed.body : undefined;
        } catch {
          return undefined;
        }
      };
      const list = /^(\d+)\/comments$/.exec(rest);
      if (list) {
        const thread = threads.get(Number(list[1]));
        if (!thread) return error(404, 'Not Found');
        if (req.method === 'GET') {
          const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30) || 30);
          const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
          const last = Math.max(1, Math.ceil(thread.length / perPage));
          const link = (p: number, rel: string) =>
            `<${base}${url.pathname}?per_page=${perPage}&page=${p}>; rel="${rel}"`;
          const links = [
            ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
            ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : [])
          ];
          return send(
            200,
            thread.slice((page - 1) * perPage, page * perPage),
            links.length ? { Link: links.join(', ') } : {}
          );
        }
        if (req.method === 'POST') {
          if (!canWrite)
            return error(
              403,
              'Resource not accessible by integration',
              `${DOCS}#create-an-issue-comment`
            );
          const text = body();
          if (text === undefined) return error(422, 'Invalid request.\n\n"body" wasn\'t supplied.');
          if (text.length > 65_536)
            return send(422, {
              message: 'Validation Failed',
              errors: [
                {
                  resource: 'IssueComment',
                  code: 'unprocessable',
                  field: 'data',
                  message: 'Body is too long (maximum is 65536 characters)'
                }
              ],
              documentation_url: `${DOCS}#create-an-issue-comment`,
              status: '422'
            });
          const comment = make(Number(list[1]), text, 'github-actions[bot]');
          thread.push(comment);
          return send(201, comment, { Location: comment.url });
        }
        return error(404, 'Not Found');
      }
      const one = /^comments\/(\d+)$/.exec(rest);
      if (one && req.method === 'PATCH') {
        const comment = [...threads.values()].flat().find((c) => c.id === Number(one[1]));
        if (!comment) return error(404, 'Not Found', `${DOCS}#update-an-issue-comment`);
        if (!canWrite)
          return error(
            403,
            'Resource not accessible by integration',
            `${DOCS}#update-an-issue-comment`
          );
        const text = body();
        if (text === undefined) return error(422, 'Invalid request.\n\n"body" wasn\'t supplied.');
        if (text.length > 65_536) return error(422, 'Validation Failed');
        comment.body = text;
        comment.updated_at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        return send(200, comment);
      }
      return error(404, 'Not Found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    comments: (number) => [...(threads.get(number) ?? [])],
    seed: (number, body, login = 'reviewer') => {
      const comment = make(number, body, login);
      threads.get(number)?.push(comment);
      return comment;
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}
