// The build inputs docker/build-push-action users bring along: layer caches, build secrets,
// SSH, target, no-cache, pull, SBOM, extra build contexts, annotations. Parsed and checked
// here, in buildx's syntax (the way docker/actions-toolkit's Build reads them); which engine
// can do what is decided in build-args.ts.
import { InputError } from '../../shared/src/errors.js';
import { parseBoolean, parseKeyValueLines, parseLines } from '../../shared/src/inputs.js';
import type { ImageName } from './image-ref.js';

type CacheType = 'registry' | 'local' | 'gha' | 'inline' | 's3' | 'azblob';

/** One `--cache-from` / `--cache-to` entry. */
export interface CacheEntry {
  type: CacheType;
  /** The attributes after `type=`, in input order (`ref`, `mode`, `src` …). */
  attrs: Array<[string, string]>;
}

/** Where a secret's value comes from; the value itself never reaches a command line. */
type SecretSource = { env: string } | { file: string } | { value: string };

export interface BuildSecret {
  id: string;
  source: SecretSource;
}

export interface BuildOptions {
  /** Set when the `cache` shortcut chose the caches (an engine may then do what it can). */
  cacheShortcut?: 'registry' | 'gha';
  cacheFrom: CacheEntry[];
  cacheTo: CacheEntry[];
  secrets: BuildSecret[];
  /** `default` or `ID=path[,path]`, as `--ssh` takes them. */
  ssh: string[];
  target: string;
  noCache: boolean;
  pull: boolean;
  /** An SBOM attestation with these attributes (`generator=IMAGE` …); undefined: none. */
  sbom?: Array<[string, string]>;
  /** `name=path|docker-image://…|target:stage`, as `--build-context` takes them. */
  buildContexts: Array<[string, string]>;
  /** `key=value` or `type:key=value` (buildx --annotation). */
  annotations: string[];
}

const CACHE_TYPES: CacheType[] = ['registry', 'local', 'gha', 'inline', 's3', 'azblob'];
const ID = /^[A-Za-z0-9_.-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The tag the `cache: registry` shortcut keeps the layer cache under, next to the image. */
const CACHE_TAG = 'buildcache';

/** `a=1,b="x,y"` → pairs; buildx reads these attributes as one CSV record. */
function splitAttributes(input: string, text: string): Array<[string, string]> {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (char === ',' && !quoted) {
      fields.push(current);
      current = '';
    } else current += char;
  }
  if (quoted) throw new InputError(input, `"${text}" has an unclosed quote`);
  fields.push(current);
  return fields.map((field) => {
    const eq = field.indexOf('=');
    if (eq <= 0) throw new InputError(input, `"${field}" in "${text}" is not key=value`);
    return [field.slice(0, eq).trim(), field.slice(eq + 1).trim()];
  });
}

/**
 * One cache line: `type=registry,ref=…,mode=max`, or a bare image reference (buildx's
 * shorthand for `type=registry,ref=…`). Each type gets the attribute it cannot work without.
 */
export function parseCacheEntry(input: 'cache-from' | 'cache-to', line: string): CacheEntry {
  const attrs = line.includes('=')
    ? splitAttributes(input, line)
    : [['ref', line] as [string, string]];
  const typeAttr = attrs.find(([key]) => key === 'type');
  const type = (typeAttr?.[1] ?? 'registry') as CacheType;
  if (!CACHE_TYPES.includes(type)) {
    throw new InputError(
      input,
      `type "${type}" in "${line}" is unknown; use one of ${CACHE_TYPES.join(', ')}`
    );
  }
  const rest = attrs.filter(([key]) => key !== 'type');
  const has = (key: string) => rest.some(([k, v]) => k === key && v !== '');
  const need = (key: string, example: string) => {
    if (!has(key)) throw new InputError(input, `"${line}" needs ${key}=, e.g. ${example}`);
  };
  if (type === 'registry') need('ref', 'type=registry,ref=ghcr.io/owner/app:buildcache');
  if (type === 'local') {
    if (input === 'cache-from') need('src', 'type=local,src=/tmp/.buildx-cache');
    else need('dest', 'type=local,dest=/tmp/.buildx-cache');
  }
  const mode = rest.find(([key]) => key === 'mode')?.[1];
  if (mode !== undefined && !['min', 'max'].includes(mode)) {
    throw new InputError(input, `mode "${mode}" in "${line}" must be min or max`);
  }
  if (input === 'cache-from' && type === 'inline') {
    throw new InputError(
      input,
      `type=inline is a cache-to type; to read an inline cache, give the image: type=registry,ref=IMAGE`
    );
  }
  return { type, attrs: rest };
}

/** How the entry reads on buildx's command line. */
export function cacheText(entry: CacheEntry): string {
  const quote = (value: string) => (/[,"]/.test(value) ? `"${value.replace(/"/g, '')}"` : value);
  return [`type=${entry.type}`, ...entry.attrs.map(([k, v]) => `${k}=${quote(v)}`)].join(',');
}

export function cacheAttr(entry: CacheEntry, key: string): string | undefined {
  return entry.attrs.find(([k]) => k === key)?.[1];
}

/**
 * The one-word `cache` input: `registry` keeps every layer (mode=max) under
 * IMAGE:buildcache, next to the image, read back by the next build; `gha` the same in
 * GitHub's cache service. Empty or `false`: no cache beyond the builder's own.
 */
export function cacheShortcut(
  text: string,
  image: ImageName
): { from: CacheEntry[]; to: CacheEntry[] } {
  if (text === '' || text === 'false') return { from: [], to: [] };
  if (text === 'registry') {
    const ref: [string, string] = ['ref', `${image.name}:${CACHE_TAG}`];
    return {
      from: [{ type: 'registry', attrs: [ref] }],
      to: [{ type: 'registry', attrs: [ref, ['mode', 'max']] }]
    };
  }
  if (text === 'gha') {
    return { from: [{ type: 'gha', attrs: [] }], to: [{ type: 'gha', attrs: [['mode', 'max']] }] };
  }
  throw new InputError(
    'cache',
    `"${text}" is not a cache; use registry (IMAGE:${CACHE_TAG}, mode=max), gha, or false, or set cache-from/cache-to`
  );
}

/**
 * A `secrets` line: buildx's own `id=NAME,env=VAR` / `id=NAME,src=PATH` (a reference), or
 * build-push-action's `NAME=VALUE` (the value itself, handed to the build through the
 * environment, never a file or an argument).
 */
export function parseSecretLine(line: string): BuildSecret {
  if (/^(type|id)=/.test(line) && /(^|,)(env|src)=/.test(line)) {
    const attrs = new Map(splitAttributes('secrets', line));
    const id = attrs.get('id') ?? '';
    if (!ID.test(id)) throw new InputError('secrets', `id "${id}" may use A-Z a-z 0-9 _ . - only`);
    const env = attrs.get('env');
    if (env !== undefined) {
      if (!ENV_NAME.test(env))
        throw new InputError('secrets', `env "${env}" is not a variable name`);
      return { id, source: { env } };
    }
    return { id, source: { file: attrs.get('src') ?? '' } };
  }
  const eq = line.indexOf('=');
  const id = line.slice(0, eq);
  if (eq <= 0 || eq === line.length - 1 || !ID.test(id)) {
    // Never echo the line: it may be most of a secret.
    throw new InputError(
      'secrets',
      'a line is neither NAME=VALUE (NAME of A-Z a-z 0-9 _ . -, VALUE not empty) nor id=NAME,env=VAR / id=NAME,src=PATH'
    );
  }
  return { id, source: { value: line.slice(eq + 1) } };
}

/** `secrets` lines keep their spaces: a value may start or end with one. */
function secretLines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

function idPairs(input: 'secret-files' | 'secret-envs', text: string): Array<[string, string]> {
  return parseKeyValueLines(input, text).map(([id, value]) => {
    if (!ID.test(id)) throw new InputError(input, `id "${id}" may use A-Z a-z 0-9 _ . - only`);
    if (value === '') throw new InputError(input, `${id}= is empty`);
    if (input === 'secret-envs' && !ENV_NAME.test(value)) {
      throw new InputError(input, `${id}=${value}: "${value}" is not an environment variable name`);
    }
    return [id, value];
  });
}

const SSH = /^(default|[A-Za-z0-9_.-]+)(=.+)?$/;

/** `true`, `false`, or build-push-action's attributes (`generator=IMAGE`). */
function sbomOption(text: string): { sbom?: Array<[string, string]> } {
  if (!text.includes('=')) return parseBoolean('sbom', text, false) ? { sbom: [] } : {};
  const attrs = splitAttributes('sbom', text).filter(([key]) => key !== 'type');
  return { sbom: attrs };
}

/** Every build option input, checked; pure given the reader and the image name. */
export function parseBuildOptions(read: (name: string) => string, image: ImageName): BuildOptions {
  const explicitFrom = parseLines(read('cache-from')).map((l) => parseCacheEntry('cache-from', l));
  const explicitTo = parseLines(read('cache-to')).map((l) => parseCacheEntry('cache-to', l));
  const shortcut = cacheShortcut(read('cache'), image);
  if (shortcut.from.length > 0 && explicitFrom.length + explicitTo.length > 0) {
    throw new InputError(
      'cache',
      'sets cache-from and cache-to itself; give either cache or cache-from/cache-to'
    );
  }
  const secrets = [
    ...secretLines(read('secrets')).map(parseSecretLine),
    ...idPairs('secret-files', read('secret-files')).map(([id, file]) => ({
      id,
      source: { file }
    })),
    ...idPairs('secret-envs', read('secret-envs')).map(([id, env]) => ({ id, source: { env } }))
  ];
  const ids = secrets.map((s) => s.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice)
    throw new InputError(
      'secrets',
      `id "${twice}" is given twice (secrets, secret-files, secret-envs)`
    );
  const ssh = parseLines(read('ssh'));
  for (const entry of ssh) {
    if (!SSH.test(entry)) throw new InputError('ssh', `"${entry}" is not default or ID=PATH`);
  }
  const target = read('target');
  if (target && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(target)) {
    throw new InputError('target', `"${target}" is not a stage name (FROM … AS name)`);
  }
  const word = read('cache');
  return {
    ...(word === 'registry' || word === 'gha' ? { cacheShortcut: word } : {}),
    cacheFrom: [...shortcut.from, ...explicitFrom],
    cacheTo: [...shortcut.to, ...explicitTo],
    secrets,
    ssh,
    target,
    noCache: parseBoolean('no-cache', read('no-cache'), false),
    pull: parseBoolean('pull', read('pull'), false),
    ...sbomOption(read('sbom')),
    buildContexts: parseKeyValueLines('build-contexts', read('build-contexts')),
    annotations: parseLines(read('annotations')).map((line) => {
      if (!/^[^=\s]+=/.test(line)) {
        throw new InputError('annotations', `"${line}" is not KEY=VALUE (or manifest:KEY=VALUE)`);
      }
      return line;
    })
  };
}

/** The secret values the runner must mask before anything could print them. */
export function secretValues(options: BuildOptions, env: NodeJS.ProcessEnv): string[] {
  return options.secrets.flatMap(({ source }) => {
    if ('value' in source) return [source.value];
    if ('env' in source) return env[source.env] ? [env[source.env] as string] : [];
    return [];
  });
}

/** No option set: what a plan carries when the user gave none. */
export const NO_BUILD_OPTIONS: BuildOptions = {
  cacheFrom: [],
  cacheTo: [],
  secrets: [],
  ssh: [],
  target: '',
  noCache: false,
  pull: false,
  buildContexts: [],
  annotations: []
};
