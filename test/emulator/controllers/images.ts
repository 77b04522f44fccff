// Whether the "kubelet" can pull an image: it matches a configured pattern, or the configured
// registry (the local registry rig) has the manifest, asked through its /v2 API with the
// handshake a kubelet makes: Basic credentials, or a Bearer token from the challenge's realm.
import http from 'node:http';
import https from 'node:https';

export interface ImageSources {
  pullableImages?: Array<string | RegExp>;
  registry?: { url: string; username?: string; password?: string };
  /** Images whose registry refuses the kubelet's credentials (401/403). */
  unauthorizedImages?: Array<string | RegExp>;
}

/** Why a pull fails for good: the image is not there, or the kubelet may not read it. */
export type PullRefusal = 'not found' | 'unauthorized';

export interface ImageChecker {
  /** undefined when the image pulls. */
  refusal(image: string): Promise<PullRefusal | undefined>;
}

export function matchesAny(image: string, patterns: Array<string | RegExp> | undefined): boolean {
  return (patterns ?? []).some((p) => (typeof p === 'string' ? p === image : p.test(image)));
}

/** Splits `host:port/repo/name:tag` (or `@sha256:…`) into the registry's repository and reference. */
export function splitImage(image: string): { host: string; repository: string; reference: string } {
  const slash = image.indexOf('/');
  const host = slash > 0 ? image.slice(0, slash) : '';
  const rest = slash > 0 ? image.slice(slash + 1) : image;
  const at = rest.indexOf('@');
  if (at >= 0) return { host, repository: rest.slice(0, at), reference: rest.slice(at + 1) };
  const colon = rest.lastIndexOf(':');
  return colon > 0
    ? { host, repository: rest.slice(0, colon), reference: rest.slice(colon + 1) }
    : { host, repository: rest, reference: 'latest' };
}

/** `localhost:5000` and `127.0.0.1:5000` name the same registry on this machine. */
function loopbackAlias(host: string): string {
  return host.replace(/^localhost(?=:|$)/, '127.0.0.1');
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json'
].join(', ');

interface Answer {
  status: number;
  challenge?: string;
  body: string;
}

function request(url: URL, method: 'HEAD' | 'GET', auth?: string): Promise<Answer> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const req = client.request(
      url,
      {
        method,
        headers: { Accept: MANIFEST_TYPES, ...(auth ? { Authorization: auth } : {}) },
        timeout: 3000,
        // The registry rig listens on loopback with a throwaway certificate.
        rejectUnauthorized: false
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            challenge: res.headers['www-authenticate'],
            body: Buffer.concat(chunks).toString('utf8')
          })
        );
      }
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

/** HEAD with Basic; on a Bearer challenge, a pull token from its realm, then HEAD again. */
async function headStatus(url: URL, basic: string | undefined, repository: string) {
  const first = await request(url, 'HEAD', basic);
  const bearer = /^Bearer realm="([^"]+)"(?:,service="([^"]*)")?/.exec(first.challenge ?? '');
  if (first.status !== 401 || !bearer) return first.status;
  const realm = new URL(bearer[1]);
  if (bearer[2]) realm.searchParams.set('service', bearer[2]);
  realm.searchParams.set('scope', `repository:${repository}:pull`);
  const answer = await request(realm, 'GET', basic);
  if (answer.status !== 200) return answer.status;
  const { token } = JSON.parse(answer.body) as { token: string };
  return (await request(url, 'HEAD', `Bearer ${token}`)).status;
}

export function imageChecker(sources: ImageSources): ImageChecker {
  const everything = !sources.pullableImages && !sources.registry;
  return {
    async refusal(image) {
      if (matchesAny(image, sources.unauthorizedImages)) return 'unauthorized';
      if (everything || matchesAny(image, sources.pullableImages)) return undefined;
      if (!sources.registry) return 'not found';
      const registry = new URL(sources.registry.url);
      const { host, repository, reference } = splitImage(image);
      if (loopbackAlias(host) !== loopbackAlias(registry.host)) return 'not found';
      const { username, password } = sources.registry;
      const auth =
        username !== undefined
          ? `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`
          : undefined;
      const url = new URL(`/v2/${repository}/manifests/${reference}`, registry);
      const status = await headStatus(url, auth, repository);
      if (status === 200) return undefined;
      return status === 401 || status === 403 ? 'unauthorized' : 'not found';
    }
  };
}
