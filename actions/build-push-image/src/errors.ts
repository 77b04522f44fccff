import { ActionError } from '../../shared/src/errors.js';
import { missingEcrRepository } from './ecr-login.js';

/** What went wrong when talking to a registry, judged from a status or a tool's output. */
export type FailureKind = 'auth' | 'denied' | 'rate-limited' | 'server' | 'network' | 'other';

// Refusals come first: a 403 page may mention a timeout, and it must never be retried.
const KINDS: Array<[FailureKind, RegExp]> = [
  ['denied', /\bdenied\b|forbidden|\b403\b|installation not allowed/i],
  [
    'auth',
    // The last is how podman and buildah say a login was refused.
    /unauthorized|authentication required|no basic auth credentials|\b401\b|invalid username\/password/i
  ],
  ['rate-limited', /toomanyrequests|too many requests|\b429\b/i],
  [
    'server',
    /\b50[0-9]\b|service unavailable|bad gateway|gateway time-?out|internal server error/i
  ],
  [
    'network',
    /connection (?:refused|reset)|i\/o timeout|tls handshake timeout|no such host|broken pipe|\bEOF\b|timed? ?out/i
  ]
];

export function classifyFailure(text: string): FailureKind {
  return KINDS.find(([, pattern]) => pattern.test(text))?.[0] ?? 'other';
}

export function isRetryableKind(kind: FailureKind): boolean {
  return kind === 'rate-limited' || kind === 'server' || kind === 'network';
}

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

function hints(kind: FailureKind, context: FailureContext, text: string): string[] {
  const ghcr = context.registry === 'ghcr.io';
  const fork =
    context.eventName === 'pull_request' || context.eventName === 'pull_request_target'
      ? [
          "Pull requests from forks get a read-only GITHUB_TOKEN: push only on push events, e.g. push: ${{ github.event_name != 'pull_request' }}."
        ]
      : [];
  if (kind === 'auth') {
    return [
      `The registry rejected the username and password for ${context.registry}.`,
      ghcr
        ? 'Use password: ${{ secrets.GITHUB_TOKEN }} (or a personal access token with write:packages) and username: ${{ github.actor }}.'
        : 'Check the username and password inputs (a token must be allowed to push).',
      ...fork
    ];
  }
  if (kind === 'denied') {
    if (!ghcr)
      return [`The account may not push to ${context.name}; check its rights there.`, ...fork];
    const installation = /installation not allowed/i.test(text);
    return installation
      ? [...GHCR_PERMISSIONS.slice(1), GHCR_PERMISSIONS[0], ...fork]
      : [...GHCR_PERMISSIONS, ...fork];
  }
  if (kind === 'rate-limited' || kind === 'server' || kind === 'network') {
    return [`${context.registry} kept failing after retries; re-run the job later.`];
  }
  return [];
}

/** Turns a registry or docker failure into one error a user can act on. */
export function explainFailure(action: string, text: string, context: FailureContext): ActionError {
  const kind = classifyFailure(text);
  const detail = text.trim().split('\n').filter(Boolean).slice(-3).join(' / ');
  const missing = missingEcrRepository(context.name, text);
  const list = missing ? [missing] : hints(kind, context, text);
  return new ActionError(
    `${action} failed: ${detail}`,
    list.length > 0 ? list.map((line) => `- ${line}`).join('\n') : undefined
  );
}
