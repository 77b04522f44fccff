// The GitHub context variables a runner would set, read from the local checkout, so the
// bundles run locally exactly as in a workflow.
import { execFileSync } from 'node:child_process';

function git(args: string[], cwd: string): string {
  try {
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore']
    }).trim();
  } catch {
    return '';
  }
}

/** `owner/repo` from a GitHub remote URL (https or ssh), else undefined. */
export function repositoryFromRemote(remote: string): string | undefined {
  const match = /github\.com[:/]([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(remote.trim());
  return match ? `${match[1]}/${match[2]}` : undefined;
}

export interface LocalContext {
  sha: string;
  /** The newest commit that touched image/: the tag the deploy names. */
  imageSha: string;
  repository: string;
  actor: string;
  env: Record<string, string>;
}

export function localContext(cwd: string): LocalContext {
  const sha = git(['rev-parse', 'HEAD'], cwd) || '0'.repeat(40);
  const imageSha = git(['log', '-1', '--format=%H', '--', 'image/'], cwd) || sha;
  const repository =
    repositoryFromRemote(git(['remote', 'get-url', 'origin'], cwd)) ?? 'local/basickapp';
  const actor = (git(['config', 'user.name'], cwd) || 'local-user').replace(/\s+/g, '-');
  return {
    sha,
    imageSha,
    repository,
    actor,
    env: {
      GITHUB_SHA: sha,
      GITHUB_REF: `refs/heads/${git(['rev-parse', '--abbrev-ref', 'HEAD'], cwd) || 'main'}`,
      GITHUB_REPOSITORY: repository,
      GITHUB_REPOSITORY_OWNER: repository.split('/')[0],
      GITHUB_ACTOR: actor,
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: String(Date.now()),
      GITHUB_WORKFLOW: 'local-pipeline'
    }
  };
}
