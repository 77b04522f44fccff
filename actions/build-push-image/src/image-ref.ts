import { InputError } from '../../shared/src/errors.js';

/** An image name split the way docker and the registry API see it. */
export interface ImageName {
  /** Registry host as the user names it in references: `ghcr.io`, `127.0.0.1:5000`. */
  registry: string;
  /** Repository path inside the registry: `owner/name`. */
  path: string;
  /** `registry/path`, what `docker push` is given before `:tag`. */
  name: string;
}

interface NormalizedName {
  image: ImageName;
  /** Set when the input had upper-case letters we lowered (registries reject them). */
  lowered?: { from: string; to: string };
}

// distribution/reference grammar: path components are lower-case alphanumerics joined by
// `.`, `_`, `__` or runs of `-`; a domain is host components plus an optional port.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const MAX_NAME_LENGTH = 255;
const DEFAULT_REGISTRY = 'docker.io';

/**
 * The first component is a registry when it looks like a host (has `.` or `:`, or is
 * `localhost`), as docker decides; otherwise the name lives on Docker Hub.
 */
function splitRegistry(text: string): [string, string] {
  const slash = text.indexOf('/');
  const first = slash === -1 ? '' : text.slice(0, slash);
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return [first, text.slice(slash + 1)];
  }
  return [DEFAULT_REGISTRY, text];
}

/**
 * Parses the `image` input (a name without tag or digest) and lowers registry, owner and
 * name: ghcr.io and Docker reject upper case, and `github.repository` keeps the owner's case.
 */
export function normalizeImageName(input: string, text: string): NormalizedName {
  if (text.includes('@')) {
    throw new InputError(
      input,
      `"${text}" has a digest; give the name only, e.g. ghcr.io/owner/app`
    );
  }
  const lastSlash = text.lastIndexOf('/');
  if (text.lastIndexOf(':') > lastSlash) {
    throw new InputError(
      input,
      `"${text}" has a tag; give the name only and put the tag in the tag or tags input`
    );
  }
  const [registry, rawPath] = splitRegistry(text);
  if (!DOMAIN.test(registry)) {
    throw new InputError(input, `"${registry}" is not a valid registry host in "${text}"`);
  }
  let path = rawPath.toLowerCase();
  if (registry === DEFAULT_REGISTRY && !path.includes('/')) path = `library/${path}`;
  for (const component of path.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      throw new InputError(
        input,
        `"${text}" is not a valid image name: "${component}" must be lower-case letters and digits, separated by ".", "_", "__" or "-"`
      );
    }
  }
  const lowerRegistry = registry.toLowerCase();
  const name = `${lowerRegistry}/${path}`;
  if (name.length > MAX_NAME_LENGTH) {
    throw new InputError(input, `"${text}" is longer than ${MAX_NAME_LENGTH} characters`);
  }
  const image = { registry: lowerRegistry, path, name };
  return text === text.toLowerCase() ? { image } : { image, lowered: { from: text, to: name } };
}

/** Checks a tag against the reference grammar; tags keep their case. */
export function validateTag(input: string, tag: string): string {
  if (!TAG.test(tag)) {
    throw new InputError(
      input,
      `"${tag}" is not a valid tag: use 1-128 of A-Z a-z 0-9 _ . - and do not start with . or -`
    );
  }
  return tag;
}

/** Registries on the loopback interface speak plain HTTP (docker allows it there only). */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '');
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Base URL of the registry's HTTP API. */
export function registryApiBase(registry: string): string {
  if (registry === DEFAULT_REGISTRY) return 'https://registry-1.docker.io';
  return `${isLoopbackRegistry(registry) ? 'http' : 'https'}://${registry}`;
}
