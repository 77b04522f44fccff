import { ActionError } from '../../shared/src/errors.js';
import { isTransientFailure } from '../../shared/src/transient.js';
import { missingEcrRepository } from './ecr-login.js';

/** What went wrong when talking to a registry, judged from a status or a tool's output. */
export type FailureKind = 'auth' | 'denied' | 'rate-limited' | 'server' | 'network' | 'other';

// Refusals come first: a 403 page may mention a timeout, and it must never be retried. Each
// kind of answer stands for its HTTP status, which the shared rule judges (501 is no outage).
const ANSWERS: Array<[FailureKind, RegExp, number]> = [
  ['denied', /\bdenied\b|forbidden|\b403\b|installation not allowed/i, 403],
  [
    'auth',
    // The last is how podman and buildah say a login was refused.
    /unauthorized|authentication required|no basic auth credentials|\b401\b|invalid username\/password/i,
    401
  ],
  ['rate-limited', /toomanyrequests|too many requests|\b429\b/i, 429],
  [
    'server',
    /\b50[02-9]\b|service unavailable|bad gateway|gateway time-?out|internal server error/i,
    503
  ]
];

/** What a tool's output says went wrong; a cut or refused connection by the shared rule. */
export function classifyFailure(text: string): FailureKind {
  const answer = ANSWERS.find(([, pattern]) => pattern.test(text))?.[0];
  return answer ?? (isTransientFailure({ text }) ? 'network' : 'other');
}

/** Whether a kind is worth another try: the shared rule, from the status the kind stands for. */
export function isRetryableKind(kind: FailureKind): boolean {
  const status = ANSWERS.find(([answer]) => answer === kind)?.[2];
  return kind === 'network' || isTransientFailure({ status });
}

/**
 * Which registry exchange failed: a refusal means something else in each. At `login` (and the
 * manifest check, which signs in with the same credentials) the credentials were rejected; at
 * `push` they had been accepted, so a 401/403 means they may not write.
 */
export type RegistryStep = 'login' | 'push';

export interface FailureContext {
  registry: string;
  /** Image name without tag, e.g. ghcr.io/owner/app. */
  name: string;
  eventName: string;
}

const GHCR_PERMISSIONS = [
  'Give the job write access to packages: add permissions: { contents: read, packages: write } to the job.',
  'In an organization, Settings → Actions → General → Workflow permissions must allow "Read and write", or the job must ask for packages: write explicitly.',
  "If the package already exists (made by another repository or by hand), open the package's settings → Manage Actions access, and add this repository with the Write role.",
  'A GitHub App installation token cannot create a package; create it once with GITHUB_TOKEN or a personal access token (write:packages), then grant the app access.'
];

/** How to get write access to the image, most likely fix first. */
function writeAccess(context: FailureContext, text: string): string[] {
  if (context.registry !== 'ghcr.io') {
    return [`The account may not push to ${context.name}; check its rights there.`];
  }
  return /installation not allowed/i.test(text)
    ? [...GHCR_PERMISSIONS.slice(1), GHCR_PERMISSIONS[0]]
    : GHCR_PERMISSIONS;
}

function hints(
  kind: FailureKind,
  context: FailureContext,
  text: string,
  step: RegistryStep
): string[] {
  const ghcr = context.registry === 'ghcr.io';
  const fork =
    context.eventName === 'pull_request' || context.eventName === 'pull_request_target'
      ? [
          "Pull requests from forks get a read-only GITHUB_TOKEN: push only on push events, e.g. push: ${{ github.event_name != 'pull_request' }}."
        ]
      : [];
  if (step === 'push' && (kind === 'auth' || kind === 'denied')) {
    return [
      `The registry accepted the login but refused the push: the username and password (token) are valid but lack push rights${ghcr ? ' (packages: write)' : ''}.`,
      ...writeAccess(context, text),
      ...fork
    ];
  }
  if (kind === 'auth') {
    return [
      `The registry rejected the username and password for ${context.registry}.`,
      ghcr
        ? 'Use password: ${{ secrets.GITHUB_TOKEN }} (or a personal access token with write:packages) and username: ${{ github.actor }}.'
        : 'Check the username and password inputs (a token must be allowed to push).',
      ...fork
    ];
  }
  if (kind === 'denied') return [...writeAccess(context, text), ...fork];
  if (kind === 'rate-limited' || kind === 'server' || kind === 'network') {
    return [`${context.registry} kept failing after retries; re-run the job later.`];
  }
  return [];
}

/** Turns a registry or docker failure into one error a user can act on. */
export function explainFailure(
  action: string,
  text: string,
  context: FailureContext,
  step: RegistryStep
): ActionError {
  const kind = classifyFailure(text);
  const detail = text.trim().split('\n').filter(Boolean).slice(-3).join(' / ');
  const missing = missingEcrRepository(context.name, text);
  const list = missing ? [missing] : hints(kind, context, text, step);
  return new ActionError(
    `${action} failed: ${detail}`,
    list.length > 0 ? list.map((line) => `- ${line}`).join('\n') : undefined
  );
}
