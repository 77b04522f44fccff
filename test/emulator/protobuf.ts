// Decodes the protobuf bodies client-go sends (`application/vnd.kubernetes.protobuf`): helm's
// release Secrets and the DeleteOptions of its deletes. The envelope is the 4-byte magic
// "k8s\0" and a runtime.Unknown {typeMeta, raw}; `raw` is the object in the field numbers of
// k8s.io/api's generated.proto. Only the types client-go is seen to send are described here;
// anything else is answered 415 so a gap shows up as a clear failure.
import { errors } from './status.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

type FieldKind =
  | 'string'
  | 'bytes' // base64 in JSON
  | 'bool'
  | 'int'
  | { message: Schema }
  | { map: 'string' | 'bytes' };

type Schema = Record<number, { name: string; kind: FieldKind; repeated?: boolean }>;

const time: Schema = { 1: { name: 'seconds', kind: 'int' }, 2: { name: 'nanos', kind: 'int' } };

const ownerReference: Schema = {
  1: { name: 'kind', kind: 'string' },
  3: { name: 'name', kind: 'string' },
  4: { name: 'uid', kind: 'string' },
  5: { name: 'apiVersion', kind: 'string' },
  6: { name: 'controller', kind: 'bool' },
  7: { name: 'blockOwnerDeletion', kind: 'bool' }
};

const objectMeta: Schema = {
  1: { name: 'name', kind: 'string' },
  2: { name: 'generateName', kind: 'string' },
  3: { name: 'namespace', kind: 'string' },
  5: { name: 'uid', kind: 'string' },
  6: { name: 'resourceVersion', kind: 'string' },
  7: { name: 'generation', kind: 'int' },
  8: { name: 'creationTimestamp', kind: { message: time } },
  11: { name: 'labels', kind: { map: 'string' } },
  12: { name: 'annotations', kind: { map: 'string' } },
  13: { name: 'ownerReferences', kind: { message: ownerReference }, repeated: true },
  14: { name: 'finalizers', kind: 'string', repeated: true }
};

const meta = { name: 'metadata', kind: { message: objectMeta } };

const SCHEMAS: Record<string, Schema> = {
  'v1/Secret': {
    1: meta,
    2: { name: 'data', kind: { map: 'bytes' } },
    3: { name: 'type', kind: 'string' },
    4: { name: 'stringData', kind: { map: 'string' } },
    5: { name: 'immutable', kind: 'bool' }
  },
  'v1/ConfigMap': {
    1: meta,
    2: { name: 'data', kind: { map: 'string' } },
    3: { name: 'binaryData', kind: { map: 'bytes' } },
    4: { name: 'immutable', kind: 'bool' }
  },
  'v1/Namespace': {
    1: meta,
    2: {
      name: 'spec',
      kind: { message: { 1: { name: 'finalizers', kind: 'string', repeated: true } } }
    }
  },
  'v1/DeleteOptions': {
    1: { name: 'gracePeriodSeconds', kind: 'int' },
    2: {
      name: 'preconditions',
      kind: {
        message: {
          1: { name: 'uid', kind: 'string' },
          2: { name: 'resourceVersion', kind: 'string' }
        }
      }
    },
    3: { name: 'orphanDependents', kind: 'bool' },
    4: { name: 'propagationPolicy', kind: 'string' },
    5: { name: 'dryRun', kind: 'string', repeated: true }
  }
};

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  get done(): boolean {
    return this.at >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.at >= this.buf.length) throw errors.badRequest('truncated protobuf body');
      const byte = this.buf[this.at++];
      result |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return result;
      shift += 7n;
    }
  }
  bytes(): Buffer {
    const length = Number(this.varint());
    const out = this.buf.subarray(this.at, this.at + length);
    this.at += length;
    return out;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.at += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.at += 4;
    else throw errors.badRequest(`unsupported protobuf wire type ${wireType}`);
  }
}

function decodeMessage(buf: Buffer, schema: Schema): Json {
  const out: Json = {};
  const reader = new Reader(buf);
  while (!reader.done) {
    const tag = Number(reader.varint());
    const field = schema[tag >> 3];
    const wireType = tag & 7;
    if (!field) {
      reader.skip(wireType);
      continue;
    }
    const value = decodeValue(reader, field.kind, out[field.name]);
    if (typeof field.kind === 'object' && 'map' in field.kind) out[field.name] = value;
    else if (field.repeated) (out[field.name] ??= []).push(value);
    else out[field.name] = value;
  }
  return out;
}

function decodeValue(reader: Reader, kind: FieldKind, existing: Json): Json {
  if (kind === 'string') return reader.bytes().toString('utf8');
  if (kind === 'bytes') return reader.bytes().toString('base64');
  if (kind === 'bool') return reader.varint() !== 0n;
  if (kind === 'int') return Number(BigInt.asIntN(64, reader.varint()));
  if ('message' in kind) return decodeMessage(reader.bytes(), kind.message);
  const entry = decodeMessage(reader.bytes(), {
    1: { name: 'key', kind: 'string' },
    2: { name: 'value', kind: kind.map }
  });
  return { ...(existing ?? {}), [entry.key ?? '']: entry.value ?? '' };
}

function rfc3339(t: { seconds?: number } | undefined): string | undefined {
  return t?.seconds ? new Date(t.seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z') : undefined;
}

/** Turns a protobuf request body into the JSON object the API would have received. */
export function decodeProtobuf(body: Buffer): Json {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) {
    throw errors.badRequest('protobuf body does not start with the k8s\\0 magic prefix');
  }
  const unknown = decodeMessage(body.subarray(4), {
    1: {
      name: 'typeMeta',
      kind: {
        message: { 1: { name: 'apiVersion', kind: 'string' }, 2: { name: 'kind', kind: 'string' } }
      }
    },
    2: { name: 'raw', kind: 'bytes' }
  });
  const { apiVersion = '', kind = '' } = unknown.typeMeta ?? {};
  const schema = SCHEMAS[`${apiVersion}/${kind}`] ?? SCHEMAS[`v1/${kind}`];
  if (!schema) throw errors.unsupportedMediaType(`application/vnd.kubernetes.protobuf (${kind})`);
  const object = decodeMessage(Buffer.from(unknown.raw ?? '', 'base64'), schema);
  if (object.metadata) {
    const created = rfc3339(object.metadata.creationTimestamp);
    if (created) object.metadata.creationTimestamp = created;
    else delete object.metadata.creationTimestamp;
  }
  return { apiVersion, kind, ...object };
}
