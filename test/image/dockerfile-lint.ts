// The rules image/Dockerfile must keep, checked on the parsed Dockerfile (dockerfile-ast,
// the parser behind VS Code's Dockerfile support). hadolint is neither on npm nor in
// Debian; these are the rules that matter for this image, each one a function of the AST.
import { DockerfileParser, type Dockerfile, type Instruction } from 'dockerfile-ast';

export interface LintFinding {
  rule: string;
  /** 1-based line of the instruction at fault (the file's first line when it is missing). */
  line: number;
  message: string;
}

type Rule = (dockerfile: Dockerfile) => Array<Omit<LintFinding, 'rule'>>;

const REQUIRED_LABELS = [
  'org.opencontainers.image.source',
  'org.opencontainers.image.revision',
  'org.opencontainers.image.created'
];

const lineOf = (instruction: Instruction) => instruction.getRange().start.line + 1;
const keyword = (dockerfile: Dockerfile, name: string) =>
  dockerfile.getInstructions().filter((instruction) => instruction.getKeyword() === name);
const last = <T>(items: T[]): T | undefined => items[items.length - 1];
/** An exec-form instruction's arguments start with `[` (the JSON array). */
const isExecForm = (instruction: Instruction) =>
  (instruction.getArgumentsContent() ?? '').trim().startsWith('[');

export const RULES: Record<string, Rule> = {
  /** A floating `python:3-slim` changes minor version under you; a build arg keeps it explicit. */
  'base-pinned-by-arg': (dockerfile) => {
    const from = dockerfile.getFROMs()[0];
    if (!from) return [{ line: 1, message: 'no FROM instruction' }];
    const tag = from.getImageTag() ?? '';
    const args = new Map(
      dockerfile
        .getInitialARGs()
        .map((arg) => [arg.getProperty()?.getName(), arg.getProperty()?.getValue()] as const)
    );
    const variable = /\$\{?(\w+)\}?/.exec(tag)?.[1];
    if (!variable || !args.has(variable)) {
      return [
        {
          line: lineOf(from),
          message: `FROM ${from.getImage()}: take the tag's Python version from an ARG declared before FROM`
        }
      ];
    }
    const pinned = args.get(variable) ?? '';
    if (!/^\d+\.\d+(\.\d+)?$/.test(pinned)) {
      return [
        {
          line: lineOf(from),
          message: `ARG ${variable}=${pinned}: default to a Python minor version such as 3.11`
        }
      ];
    }
    return [];
  },
  /** Kubernetes' runAsNonRoot can only verify a numeric user. */
  'user-numeric-non-root': (dockerfile) => {
    const user = last(keyword(dockerfile, 'USER'));
    if (!user) return [{ line: 1, message: 'no USER: the server would run as root' }];
    const value = (user.getArgumentsContent() ?? '').trim();
    const uid = /^(\d+)(:\d+)?$/.exec(value)?.[1];
    if (uid === undefined) {
      return [
        {
          line: lineOf(user),
          message: `USER ${value}: use a numeric uid[:gid] such as 10001:10001`
        }
      ];
    }
    if (Number(uid) === 0) return [{ line: lineOf(user), message: `USER ${value} is root` }];
    return [];
  },
  /** ADD fetches URLs and unpacks archives implicitly; COPY does only what it says. */
  'no-add': (dockerfile) =>
    keyword(dockerfile, 'ADD').map((add) => ({
      line: lineOf(add),
      message: 'ADD: use COPY for local files'
    })),
  /** Shell form runs under /bin/sh -c: no signals reach Python and run-time args are lost. */
  'entrypoint-exec-form': (dockerfile) => {
    const entrypoint = last(keyword(dockerfile, 'ENTRYPOINT'));
    if (!entrypoint) return [{ line: 1, message: 'no ENTRYPOINT' }];
    return isExecForm(entrypoint)
      ? []
      : [{ line: lineOf(entrypoint), message: 'ENTRYPOINT: use the exec form ["python3", ...]' }];
  },
  'healthcheck-present': (dockerfile) => {
    const check = last(keyword(dockerfile, 'HEALTHCHECK'));
    if (!check) return [{ line: 1, message: 'no HEALTHCHECK' }];
    const content = (check.getArgumentsContent() ?? '').trim();
    if (/^NONE$/i.test(content)) return [{ line: lineOf(check), message: 'HEALTHCHECK NONE' }];
    return /^(--\S+\s+)*CMD\s+\[/.test(content)
      ? []
      : [{ line: lineOf(check), message: 'HEALTHCHECK: use CMD in exec form ["python3", ...]' }];
  },
  /** Python as PID 1 ignores SIGTERM; SIGINT becomes KeyboardInterrupt and it exits. */
  'stopsignal-sigint': (dockerfile) => {
    const signal = last(keyword(dockerfile, 'STOPSIGNAL'));
    if (!signal) return [{ line: 1, message: 'no STOPSIGNAL: docker stop would wait for SIGKILL' }];
    const value = (signal.getArgumentsContent() ?? '').trim();
    return /^(SIGINT|2)$/.test(value)
      ? []
      : [{ line: lineOf(signal), message: `STOPSIGNAL ${value}: use SIGINT` }];
  },
  'oci-labels': (dockerfile) => {
    const text = keyword(dockerfile, 'LABEL')
      .map((label) => label.getArgumentsContent() ?? '')
      .join(' ');
    return REQUIRED_LABELS.filter((label) => !new RegExp(`(^|\\s)${label}=`).test(text)).map(
      (label) => ({ line: 1, message: `no LABEL ${label}` })
    );
  },
  'expose-declared': (dockerfile) =>
    keyword(dockerfile, 'EXPOSE').length > 0 ? [] : [{ line: 1, message: 'no EXPOSE' }]
};

export function lintDockerfile(text: string): LintFinding[] {
  const dockerfile = DockerfileParser.parse(text);
  return Object.entries(RULES).flatMap(([rule, check]) =>
    check(dockerfile).map((finding) => ({ rule, ...finding }))
  );
}
