// Proto descriptors for server reflection: the committed descriptor set (built by
// scripts/generate.sh next to the generated code) holds every file of proto/ with its imports and
// grpc/health/v1/health.proto. Reflection answers with these files byte for byte, each with the
// files it imports (transitively), so that buf curl, grpcurl and other tools can list, describe
// and call every service a server exposes.
import { readFileSync } from 'node:fs';
import { fromBinary } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { FileDescriptorProtoSchema, type DescriptorProto, type EnumDescriptorProto, type FieldDescriptorProto } from '@bufbuild/protobuf/wkt';

/** Lookups of a descriptor set, as the reflection protocol asks them. */
export interface DescriptorIndex {
  /** Fully qualified names of every service in the set. */
  readonly services: readonly string[];
  /** Names of every file in the set. */
  readonly files: readonly string[];
  /** The serialized file and, after it, every file it imports (transitively); undefined if unknown. */
  fileByName(name: string): Uint8Array[] | undefined;
  /** Same, for the file that declares a fully qualified symbol (message, field, enum, value, service, method…). */
  fileContainingSymbol(symbol: string): Uint8Array[] | undefined;
  /** Same, for the file that declares extension `number` of message `extendee`. */
  fileContainingExtension(extendee: string, number: number): Uint8Array[] | undefined;
  /** Field numbers of the known extensions of message `extendee`; undefined if it has none. */
  extensionNumbers(extendee: string): number[] | undefined;
}

/** Indexes a serialized FileDescriptorSet; each file keeps its exact bytes. */
export function indexDescriptorSet(set: Uint8Array): DescriptorIndex {
  const bytes = new Map<string, Uint8Array>();
  const imports = new Map<string, readonly string[]>();
  const symbols = new Map<string, string>();
  const extensions = new Map<string, Map<number, string>>();
  const services: string[] = [];

  const reader = new BinaryReader(set);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field !== 1 || wireType !== WireType.LengthDelimited) {
      reader.skip(wireType);
      continue;
    }
    const raw = reader.bytes();
    const file = fromBinary(FileDescriptorProtoSchema, raw);
    if (bytes.has(file.name)) continue;
    bytes.set(file.name, raw);
    imports.set(file.name, file.dependency);
    const symbol = (name: string): void => void (symbols.has(name) || symbols.set(name, file.name));
    const extension = (scope: string, f: FieldDescriptorProto): void => {
      symbol(scope + f.name);
      const extendee = f.extendee.replace(/^\./, '');
      const numbers = extensions.get(extendee) ?? new Map<number, string>();
      numbers.set(f.number, file.name);
      extensions.set(extendee, numbers);
    };
    // Enum values are siblings of their enum (C++ scoping), as in protoc's symbol table.
    const enumType = (scope: string, e: EnumDescriptorProto): void => {
      symbol(scope + e.name);
      for (const v of e.value) symbol(scope + v.name);
    };
    const message = (scope: string, m: DescriptorProto): void => {
      const name = scope + m.name;
      symbol(name);
      for (const f of m.field) symbol(`${name}.${f.name}`);
      for (const o of m.oneofDecl) symbol(`${name}.${o.name}`);
      for (const n of m.nestedType) message(`${name}.`, n);
      for (const e of m.enumType) enumType(`${name}.`, e);
      for (const x of m.extension) extension(`${name}.`, x);
    };
    const scope = file.package === '' ? '' : `${file.package}.`;
    for (const m of file.messageType) message(scope, m);
    for (const e of file.enumType) enumType(scope, e);
    for (const x of file.extension) extension(scope, x);
    for (const s of file.service) {
      const name = scope + s.name;
      symbol(name);
      services.push(name);
      for (const m of s.method) symbol(`${name}.${m.name}`);
    }
  }

  const withImports = (name: string | undefined): Uint8Array[] | undefined => {
    if (name === undefined || !bytes.has(name)) return undefined;
    const order = new Set<string>();
    const visit = (n: string): void => {
      if (order.has(n) || !bytes.has(n)) return;
      order.add(n);
      for (const d of imports.get(n) ?? []) visit(d);
    };
    visit(name);
    return [...order].map((n) => bytes.get(n) as Uint8Array);
  };
  const strip = (name: string): string => name.replace(/^\./, '');

  return {
    services,
    files: [...bytes.keys()],
    fileByName: (name) => withImports(name),
    fileContainingSymbol: (name) => withImports(symbols.get(strip(name))),
    fileContainingExtension: (extendee, number) => withImports(extensions.get(strip(extendee))?.get(number)),
    extensionNumbers(extendee) {
      const numbers = extensions.get(strip(extendee));
      return numbers === undefined ? undefined : [...numbers.keys()].sort((a, b) => a - b);
    },
  };
}

let cached: DescriptorIndex | null = null;

/** Every file of proto/ (with its imports) and grpc/health/v1/health.proto, indexed once. */
export function platformDescriptors(): DescriptorIndex {
  cached ??= indexDescriptorSet(readFileSync(new URL('./gen/descriptors.binpb', import.meta.url)));
  return cached;
}
