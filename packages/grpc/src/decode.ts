// Requests grpc-js cannot hand to a handler: the generated decoders (ts-proto, forceLong=number)
// throw on an int64 beyond ±2^53, and grpc-js would answer INTERNAL. The server installs a
// deserializer that never throws: an undecodable request becomes an UndecodableRequest, which the
// wrapper turns into INVALID_ARGUMENT naming the field, after the access check (token first).
// The field is found by decoding the same bytes with the platform's descriptors (int64 as bigint).
import { readFileSync } from 'node:fs';
import { createFileRegistry, fromBinary, ScalarType, type DescField, type DescMessage, type FileRegistry } from '@bufbuild/protobuf';
import { reflect, type ReflectMessage } from '@bufbuild/protobuf/reflect';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { InvalidRequestError } from './errors.ts';

const INT64 = new Set<ScalarType>([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);
const MAX = BigInt(Number.MAX_SAFE_INTEGER);
const MIN = BigInt(Number.MIN_SAFE_INTEGER);

/** A request whose bytes could not become the handler's message; `field` names the culprit. */
export class UndecodableRequest {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {}
  toError(): InvalidRequestError {
    return new InvalidRequestError(this.field, this.reason);
  }
}

let registry: FileRegistry | null = null;
function platformRegistry(): FileRegistry {
  registry ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(new URL('./gen/descriptors.binpb', import.meta.url))));
  return registry;
}

/** The request message of `/pkg.Service/Method`, or undefined when the platform descriptors lack it. */
export function requestTypeOf(path: string): DescMessage | undefined {
  const slash = path.lastIndexOf('/');
  const service = platformRegistry().getService(path.slice(1, slash));
  return service?.methods.find((m) => m.name === path.slice(slash + 1))?.input;
}

function outOfRange(value: unknown): boolean {
  return typeof value === 'bigint' && (value > MAX || value < MIN);
}

/** Dotted path (proto names) of the first int64 field in `msg` beyond ±(2^53 − 1), or null. */
function unsafeInt64(msg: ReflectMessage, prefix: string): string | null {
  const at = (f: DescField, suffix = ''): string => `${prefix === '' ? '' : `${prefix}.`}${f.name}${suffix}`;
  for (const field of msg.fields) {
    if (!msg.isSet(field)) continue;
    if (field.fieldKind === 'scalar') {
      if (INT64.has(field.scalar) && outOfRange(msg.get(field))) return at(field);
    } else if (field.fieldKind === 'message') {
      const found = unsafeInt64(msg.get(field), at(field));
      if (found !== null) return found;
    } else if (field.fieldKind === 'list') {
      let i = 0;
      for (const item of msg.get(field)) {
        if (field.listKind === 'scalar' && INT64.has(field.scalar) && outOfRange(item)) return at(field, `[${i}]`);
        if (field.listKind === 'message') {
          const found = unsafeInt64(item as ReflectMessage, at(field, `[${i}]`));
          if (found !== null) return found;
        }
        i++;
      }
    } else if (field.fieldKind === 'map') {
      for (const [key, value] of msg.get(field)) {
        if (field.mapKind === 'scalar' && INT64.has(field.scalar) && outOfRange(value)) return at(field, `[${String(key)}]`);
        if (field.mapKind === 'message') {
          const found = unsafeInt64(value as ReflectMessage, at(field, `[${String(key)}]`));
          if (found !== null) return found;
        }
      }
    }
  }
  return null;
}

/** Why `bytes` did not decode as `type` (the generated decoder threw `error`), naming the field when it can. */
export function describeUndecodable(type: DescMessage | undefined, bytes: Uint8Array, error: unknown): UndecodableRequest {
  const what = type === undefined ? 'a valid request' : `a valid ${type.typeName} message`;
  if (type !== undefined) {
    try {
      const field = unsafeInt64(reflect(type, fromBinary(type, bytes)), '');
      if (field !== null) return new UndecodableRequest(field, 'is out of range: integers must be within ±9007199254740991 (2^53 − 1)');
    } catch {
      // not decodable with the descriptors either: malformed bytes
    }
  }
  const large = error instanceof Error && /MAX_SAFE_INTEGER|MIN_SAFE_INTEGER/.test(error.message);
  return new UndecodableRequest('request', large ? 'an integer field is out of range (beyond ±2^53 − 1)' : `is not ${what} (malformed protobuf)`);
}

/** A deserializer that never throws: failures become UndecodableRequest (see the wrapper). */
export function safeDeserializer(path: string, deserialize: (bytes: Buffer) => unknown): (bytes: Buffer) => unknown {
  let type: DescMessage | undefined | null = null;
  return (bytes) => {
    try {
      return deserialize(bytes);
    } catch (error) {
      if (type === null) type = requestTypeOf(path);
      return describeUndecodable(type, bytes, error);
    }
  };
}
