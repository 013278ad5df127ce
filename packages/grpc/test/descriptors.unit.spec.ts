// The descriptor set reflection answers from: complete (every import inside it), every proto/ file
// and grpc.health.v1 under its canonical path, and the lookups of the reflection protocol, each
// returning the declaring file first and then its imports, each once, byte for byte.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { create, createFileRegistry, fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import { indexDescriptorSet, platformDescriptors } from '../src/descriptors.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const decode = (files: Uint8Array[] | undefined): FileDescriptorProto[] => (files ?? []).map((b) => fromBinary(FileDescriptorProtoSchema, b));
const names = (files: Uint8Array[] | undefined): string[] => decode(files).map((f) => f.name);

describe('the platform descriptor set (packages/grpc/src/gen/descriptors.binpb)', () => {
  const bytes = readFileSync(new URL('../src/gen/descriptors.binpb', import.meta.url));
  const index = platformDescriptors();

  it('holds every file of proto/ and grpc/health/v1/health.proto, with every import they need', () => {
    const protoFiles = readdirSync(`${root}proto`, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.proto'));
    expect([...index.files].sort()).toEqual([...protoFiles, 'grpc/health/v1/health.proto'].sort());
    // A registry links every type reference and import: it throws on anything missing.
    const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes));
    expect(registry.getService('grpc.health.v1.Health')?.methods.map((m) => m.name)).toContain('Check');
    expect(registry.getService('industrial.connectivity.v1.ConnectivityService')?.methods.map((m) => m.name)).toEqual(
      expect.arrayContaining(['Browse', 'MapTags', 'RegisterSource', 'GetSourceHealth']),
    );
  });

  it('names every service of the platform and grpc.health.v1.Health', () => {
    expect(index.services).toEqual(
      expect.arrayContaining([
        'grpc.health.v1.Health',
        'industrial.charter.v1.CharterService',
        'industrial.connectivity.v1.ConnectivityService',
        'industrial.dataops.v1.DataOpsService',
        'industrial.governance.v1.AuditService',
        'industrial.governance.v1.ModelRegistryService',
        'industrial.inference.v1.InferenceService',
        'industrial.training.v1.TrainingService',
      ]),
    );
  });

  it('answers a service, a method, a message, a field and an enum value with the declaring file, then its imports', () => {
    const audit = ['industrial/governance/v1/audit.proto', 'industrial/common/v1/event.proto'];
    expect(names(index.fileContainingSymbol('industrial.governance.v1.AuditService'))).toEqual(audit);
    expect(names(index.fileContainingSymbol('industrial.governance.v1.AuditService.ReadAll'))).toEqual(audit);
    expect(names(index.fileContainingSymbol('.industrial.governance.v1.ReadAllRequest'))).toEqual(audit);
    expect(names(index.fileContainingSymbol('industrial.governance.v1.ReadAllRequest.max_count'))).toEqual(audit);
    expect(names(index.fileContainingSymbol('industrial.common.v1.Event'))).toEqual(['industrial/common/v1/event.proto']);
    expect(names(index.fileContainingSymbol('grpc.health.v1.HealthCheckResponse.SERVING'))).toEqual(['grpc/health/v1/health.proto']);
    expect(decode(index.fileByName('industrial/governance/v1/audit.proto'))[0]?.dependency).toEqual(['industrial/common/v1/event.proto']);
    // registry.proto shares the package with audit.proto but stays its own file.
    expect(names(index.fileContainingSymbol('industrial.governance.v1.ModelRegistryService'))[0]).toBe('industrial/governance/v1/registry.proto');
  });

  it('returns each file exactly as compiled', () => {
    const set = fromBinary(FileDescriptorSetSchema, bytes);
    for (const file of set.file) {
      const served = index.fileByName(file.name)?.[0];
      expect(served && Buffer.from(served).equals(Buffer.from(toBinary(FileDescriptorProtoSchema, file))), file.name).toBe(true);
    }
  });

  it('knows nothing of unknown names', () => {
    expect(index.fileContainingSymbol('industrial.governance.v1.NoSuchThing')).toBeUndefined();
    expect(index.fileByName('industrial/nope.proto')).toBeUndefined();
    expect(index.fileContainingExtension('industrial.governance.v1.ReadAllRequest', 100)).toBeUndefined();
    expect(index.extensionNumbers('industrial.governance.v1.ReadAllRequest')).toBeUndefined();
  });
});

describe('indexDescriptorSet', () => {
  // a imports b and c, b imports c; x.Base is extended in a (top level) and inside a message of b.
  const set = toBinary(
    FileDescriptorSetSchema,
    create(FileDescriptorSetSchema, {
      file: [
        { name: 'c.proto', package: 'x', messageType: [{ name: 'Base' }] },
        {
          name: 'b.proto',
          package: 'x',
          dependency: ['c.proto'],
          messageType: [{ name: 'Holder', extension: [{ name: 'held', number: 200, extendee: '.x.Base' }] }],
        },
        {
          name: 'a.proto',
          package: 'x.y',
          dependency: ['b.proto', 'c.proto'],
          extension: [{ name: 'note', number: 100, extendee: '.x.Base' }],
          enumType: [{ name: 'Kind', value: [{ name: 'KIND_UNSPECIFIED', number: 0 }] }],
          service: [{ name: 'S', method: [{ name: 'M', inputType: '.x.Base', outputType: '.x.Base' }] }],
        },
      ],
    }),
  );
  const index = indexDescriptorSet(set);

  it('returns every import once, depth first', () => {
    expect(names(index.fileByName('a.proto'))).toEqual(['a.proto', 'b.proto', 'c.proto']);
    expect(names(index.fileContainingSymbol('x.y.S.M'))).toEqual(['a.proto', 'b.proto', 'c.proto']);
    expect(names(index.fileContainingSymbol('x.y.KIND_UNSPECIFIED'))).toEqual(['a.proto', 'b.proto', 'c.proto']);
    expect(index.services).toEqual(['x.y.S']);
  });

  it('finds extensions by extendee and number, top level and nested', () => {
    expect(names(index.fileContainingExtension('x.Base', 100))).toEqual(['a.proto', 'b.proto', 'c.proto']);
    expect(names(index.fileContainingExtension('.x.Base', 200))).toEqual(['b.proto', 'c.proto']);
    expect(names(index.fileContainingSymbol('x.Holder.held'))).toEqual(['b.proto', 'c.proto']);
    expect(index.extensionNumbers('x.Base')).toEqual([100, 200]);
  });
});
