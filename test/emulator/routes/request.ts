// Reading requests and shaping replies for the API server's routes: bodies in JSON, YAML or
// protobuf, media types, Table requests, list items, the default field manager.
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { decodeProtobuf } from '../protobuf.js';
import { errors } from '../status.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export class Reply {
  constructor(
    readonly status: number,
    readonly body: Json,
    readonly contentType = 'application/json'
  ) {}
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? 'application/json').split(';')[0].trim();
}

export function parseJson(body: Buffer): Json {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw errors.badRequest(
      `the body of the request could not be decoded: ${(error as Error).message}`
    );
  }
}

export function decodeObject(req: IncomingMessage, body: Buffer): Json {
  const type = mediaType(req);
  if (type === 'application/vnd.kubernetes.protobuf') return decodeProtobuf(body);
  if (body.length === 0) return undefined;
  try {
    if (type === 'application/yaml') return parseYaml(body.toString('utf8'));
    if (type === 'application/json') return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw errors.badRequest(
      `the body of the request could not be decoded: ${(error as Error).message}`
    );
  }
  throw errors.unsupportedMediaType(type);
}

export function wantsTable(req: IncomingMessage): boolean {
  return /as=Table/.test(req.headers.accept ?? '');
}

export function asListItem(o: Json): Json {
  const copy = { ...o };
  delete copy.kind;
  delete copy.apiVersion;
  return copy;
}

/** The default field manager the server derives from the User-Agent ("helm/v3…" → "helm"). */
export function defaultManager(req: IncomingMessage): string {
  return (req.headers['user-agent'] ?? 'unknown').split('/')[0];
}
