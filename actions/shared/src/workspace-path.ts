import { realpathSync } from 'node:fs';
import path from 'node:path';
import { InputError } from './errors.js';

/** The one thing the rule asks the file system, so tests can hand in a fake one. */
export interface PathFs {
  /** The canonical path (every symlink resolved), or undefined when nothing is there. */
  realpath(file: string): string | undefined;
}

export const hostPathFs: PathFs = {
  realpath(file) {
    try {
      // .native is realpath(3): `link/..` as the kernel opens it. The JS realpathSync
      // normalizes `..` away before it looks at any link.
      return realpathSync.native(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw error;
    }
  }
};

/** Where an input's path may lead: the checked-out workspace, and the runner's temp directory. */
export interface PathRoots {
  /** Relative paths resolve against it (GITHUB_WORKSPACE; the step's cwd outside a runner). */
  workspace: string;
  runnerTemp?: string;
}

/** What a parser needs to judge path inputs: the roots, and the file system that answers. */
export interface Where {
  roots: PathRoots;
  fs: PathFs;
}

/** The runner's roots and the real file system: what readInputs hands the parsers. */
export function hostWhere(env: NodeJS.ProcessEnv, cwd: string): Where {
  return { roots: pathRoots(env, cwd), fs: hostPathFs };
}

export function pathRoots(env: NodeJS.ProcessEnv, cwd: string): PathRoots {
  return { workspace: env.GITHUB_WORKSPACE || cwd, runnerTemp: env.RUNNER_TEMP || undefined };
}

interface WorkspacePath {
  /** Absolute, symlinks resolved as far as the path exists. */
  path: string;
  exists: boolean;
}

/**
 * The path as the OS will open it: the longest existing prefix is resolved by realpath (so
 * `link/..` means what the kernel makes of it, not what string normalization does), the
 * missing rest is appended.
 */
function canonical(joined: string, fs: PathFs): WorkspacePath {
  const whole = fs.realpath(joined);
  if (whole !== undefined) return { path: whole, exists: true };
  const parts = joined.split(path.sep);
  for (let keep = parts.length - 1; keep > 0; keep--) {
    const prefix = parts.slice(0, keep).join(path.sep) || path.sep;
    const real = fs.realpath(prefix);
    if (real !== undefined) {
      return { path: path.resolve(real, ...parts.slice(keep)), exists: false };
    }
  }
  return { path: path.resolve(joined), exists: false };
}

function isInside(file: string, root: string): boolean {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/**
 * The rule both actions apply to every path input: resolve it (relative to the workspace,
 * symlinks included) and refuse it unless it stays inside the workspace or RUNNER_TEMP. A path
 * that does not exist is judged by where it would be; the caller says that it is missing.
 */
export function resolveInWorkspace(
  input: string,
  text: string,
  roots: PathRoots,
  fs: PathFs,
  /** The flag the path is the value of, named in the message (extra-args). */
  flag?: string
): WorkspacePath {
  const joined = path.isAbsolute(text) ? text : `${roots.workspace}${path.sep}${text}`;
  const resolved = canonical(joined, fs);
  const allowed = [roots.workspace, roots.runnerTemp]
    .filter((root): root is string => Boolean(root))
    .map((root) => fs.realpath(root) ?? path.resolve(root));
  if (allowed.some((root) => isInside(resolved.path, root))) return resolved;
  const viaLink = allowed.some((root) => isInside(path.resolve(joined), root));
  throw new InputError(
    input,
    `${flag ? `${flag} ` : ''}"${text}" ${viaLink ? 'is a symlink to' : 'resolves to'} ${resolved.path}, outside the workspace (${allowed[0]})${roots.runnerTemp ? ' and RUNNER_TEMP' : ''}; use a path inside the repository checked out by actions/checkout`
  );
}
