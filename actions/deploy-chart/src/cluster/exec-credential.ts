// The kubeconfig exec plugin (`aws eks get-token`, gke-gcloud-auth-plugin, kubelogin …) run the
// way client-go runs it: the plugin's env on top of ours, KUBERNETES_EXEC_INFO describing the
// request, and the ExecCredential it prints on stdout cached until it expires.
import { maskSecret } from '../../../shared/src/mask.js';
import type { ProcessRunner } from '../../../shared/src/exec.js';
import type { ExecCredential, ExecPlugin } from '../cluster-access.js';
import { signEksToken, type EksTokenPlan } from './eks-token.js';

/** The exec plugin could not produce a credential: the message says which command and why. */
export class ExecPluginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecPluginError';
  }
}

/** Parses the plugin's stdout (an ExecCredential object). Pure. */
export function parseExecCredential(command: string, stdout: string): ExecCredential {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new ExecPluginError(
      `the kubeconfig exec plugin "${command}" printed no ExecCredential JSON on stdout`
    );
  }
  const status = (doc as { status?: Record<string, unknown> } | null)?.status;
  const text = (key: string) => (typeof status?.[key] === 'string' ? (status[key] as string) : '');
  const credential: ExecCredential = {};
  if (text('token')) credential.token = text('token');
  if (text('clientCertificateData') && text('clientKeyData')) {
    credential.clientCertPem = text('clientCertificateData');
    credential.clientKeyPem = text('clientKeyData');
  }
  if (!credential.token && !credential.clientCertPem) {
    throw new ExecPluginError(
      `the kubeconfig exec plugin "${command}" returned an ExecCredential without status.token or client certificate`
    );
  }
  const expires = Date.parse(text('expirationTimestamp'));
  if (!Number.isNaN(expires)) credential.expiresAt = expires;
  return credential;
}

/** Whether a cached credential may still be sent: 30 s of margin for clock skew and latency. */
function isFresh(credential: ExecCredential, now: number): boolean {
  return credential.expiresAt === undefined || credential.expiresAt - 30_000 > now;
}

/** Last lines of the plugin's stderr: enough to show aws's own error, never its full output. */
function tail(text: string, lines = 5): string {
  return text.trim().split(/\r?\n/).slice(-lines).join('\n');
}

export class ExecCredentialSource {
  private cached?: ExecCredential;
  private readonly now: () => number;

  /** Under the plugin's own env, as helm gets it: e.g. an assumed role's keys (role-arn). */
  private readonly env: Record<string, string>;

  /**
   * `plan` says who makes the tokens (planTokenSource, or cluster-name's signing keys): a
   * plain `aws eks get-token` with AWS keys in its environment is signed in process.
   */
  constructor(
    private readonly plugin: ExecPlugin,
    private readonly plan: EksTokenPlan,
    private readonly runner: ProcessRunner,
    options: { now?: () => number; env?: Record<string, string> } = {}
  ) {
    this.now = options.now ?? Date.now;
    this.env = options.env ?? {};
  }

  /**
   * A valid credential, running the plugin only when the cached one expired or was refused.
   * `cached` says it was not minted for this call, so a 401 may mean it went stale.
   */
  async get(): Promise<{ credential: ExecCredential; cached: boolean }> {
    if (this.cached && isFresh(this.cached, this.now()))
      return { credential: this.cached, cached: true };
    const credential =
      'sign' in this.plan
        ? signEksToken(this.plan.sign, new Date(this.now()))
        : await this.runPlugin();
    maskSecret(credential.token);
    maskSecret(credential.clientKeyPem);
    this.cached = credential;
    return { credential, cached: false };
  }

  private async runPlugin(): Promise<ExecCredential> {
    const { command, args, env, apiVersion } = this.plugin;
    const execInfo = { apiVersion, kind: 'ExecCredential', spec: { interactive: false } };
    let result;
    try {
      result = await this.runner.run(command, args, {
        silent: true,
        env: { ...this.env, ...env, KUBERNETES_EXEC_INFO: JSON.stringify(execInfo) }
      });
    } catch (error) {
      throw new ExecPluginError(
        `the kubeconfig exec plugin "${command}" could not be started (${(error as Error).message}); is it installed and on PATH?`
      );
    }
    if (result.exitCode !== 0) {
      throw new ExecPluginError(
        `the kubeconfig exec plugin "${command} ${args.join(' ')}" exited with code ${result.exitCode}: ${tail(result.stderr) || '(no output)'}`
      );
    }
    return parseExecCredential(command, result.stdout);
  }

  /** The server refused the credential (401): the next request runs the plugin again. */
  invalidate(): void {
    this.cached = undefined;
  }
}
