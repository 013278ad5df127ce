// Proto descriptors for server reflection: the committed descriptor set of proto/ (built by
// scripts/generate.sh next to the generated code) plus grpc.health.v1, so that grpcurl and other
// tools can list and describe every service a server exposes.
import { readFileSync } from 'node:fs';
import { loadFileDescriptorSetFromBuffer, loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';

const LOADER_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true } as const;

let cached: PackageDefinition | null = null;

/** Every message and service of proto/ and grpc.health.v1, as a proto-loader package definition. */
export function platformPackageDefinition(): PackageDefinition {
  cached ??= {
    ...loadSync(healthProtoPath, LOADER_OPTIONS),
    ...loadFileDescriptorSetFromBuffer(readFileSync(new URL('./gen/descriptors.binpb', import.meta.url)), LOADER_OPTIONS),
  };
  return cached;
}
