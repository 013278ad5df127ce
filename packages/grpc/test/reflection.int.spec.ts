// Server reflection of createGrpcServer, as engineers' tools use it: `buf curl --reflect` (no .proto
// files on the caller's side) lists, resolves and calls health and a service method over both
// reflection versions; a raw reflection client gets each file as compiled with its imports.
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuditServer, type AuditServerFixture } from './audit-server.ts';
import { bufCurl } from './buf-curl.ts';

const require = createRequire(import.meta.url);
const AUDIT = 'industrial.governance.v1.AuditService';

let fixture: AuditServerFixture;
let url: string;

interface ReflectionResponse {
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  list_services_response?: { service: { name: string }[] };
  error_response?: { error_code: number; error_message: string };
}

/** Sends the requests on one reflection stream (v1 or v1alpha) and collects one answer each. */
function reflect(version: 'v1' | 'v1alpha', requests: object[]): Promise<ReflectionResponse[]> {
  const def = loadSync(require.resolve(`@grpc/reflection/build/proto/grpc/reflection/${version}/reflection.proto`), { keepCase: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { reflection: Record<string, { ServerReflection: grpc.ServiceClientConstructor }> } };
  const client = new pkg.grpc.reflection[version]!.ServerReflection(fixture.address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    const answers: ReflectionResponse[] = [];
    const call = (client as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<object, ReflectionResponse> }).ServerReflectionInfo();
    call.on('data', (r: ReflectionResponse) => {
      answers.push(r);
      if (answers.length === requests.length) call.end();
    });
    call.on('end', () => {
      client.close();
      resolve(answers);
    });
    call.on('error', reject);
    for (const r of requests) call.write(r);
  });
}

const fileNames = (r: ReflectionResponse | undefined): string[] =>
  (r?.file_descriptor_response?.file_descriptor_proto ?? []).map((b) => fromBinary(FileDescriptorProtoSchema, b).name);

beforeAll(async () => {
  fixture = await startAuditServer();
  url = `http://${fixture.address}`;
});

afterAll(async () => {
  await fixture?.server.shutdown({ graceMs: 1000 });
});

describe('buf curl --reflect against a platform server', () => {
  it('lists the registered services (and health) and their methods', async () => {
    const services = await bufCurl(['--list-services', url]);
    expect(services.err).toBe('');
    expect(services.out.trim().split('\n')).toEqual(['grpc.health.v1.Health', AUDIT]);
    const methods = await bufCurl(['--list-methods', url]);
    expect(methods.out.trim().split('\n')).toEqual(
      expect.arrayContaining(['grpc.health.v1.Health/Check', `${AUDIT}/ReadAll`, `${AUDIT}/ReplayTo`, `${AUDIT}/VerifyIntegrity`]),
    );
  });

  for (const protocol of ['grpc-v1', 'grpc-v1alpha']) {
    it(`calls Health/Check and a real method with a bearer token (reflection ${protocol})`, async () => {
      const health = await bufCurl(['--reflect-protocol', protocol, '-d', JSON.stringify({ service: AUDIT }), `${url}/grpc.health.v1.Health/Check`]);
      expect(health.err).toBe('');
      expect(JSON.parse(health.out)).toEqual({ status: 'SERVING' });
      const call = await bufCurl([
        '--reflect-protocol',
        protocol,
        '-H',
        'authorization: Bearer tok-1',
        '-d',
        '{"from_position":1,"max_count":5}',
        `${url}/${AUDIT}/ReadAll`,
      ]);
      expect(call.err).toBe('');
      expect(call.code).toBe(0);
      expect(JSON.parse(call.out)).toEqual({ headPosition: '7' });
      expect(fixture.guard.at(-1)?.authorization).toBe('Bearer tok-1');
    });
  }
});

describe('the reflection protocol', () => {
  for (const version of ['v1', 'v1alpha'] as const) {
    it(`answers each file with its imports, health by its canonical name, and NOT_FOUND for unknown names (${version})`, async () => {
      const [bySymbol, byMethod, byName, health, unknown, missingFile, services] = await reflect(version, [
        { file_containing_symbol: AUDIT },
        { file_containing_symbol: `${AUDIT}.ReadAll` },
        { file_by_filename: 'industrial/governance/v1/audit.proto' },
        { file_containing_symbol: 'grpc.health.v1.Health' },
        { file_containing_symbol: 'industrial.governance.v1.Nope' },
        { file_by_filename: 'audit.proto' },
        { list_services: '*' },
      ]);
      const audit = ['industrial/governance/v1/audit.proto', 'industrial/common/v1/event.proto'];
      expect(fileNames(bySymbol)).toEqual(audit);
      expect(fileNames(byMethod)).toEqual(audit);
      expect(fileNames(byName)).toEqual(audit);
      const auditFile = fromBinary(FileDescriptorProtoSchema, byName!.file_descriptor_response!.file_descriptor_proto[0]!);
      expect(auditFile.dependency).toEqual(['industrial/common/v1/event.proto']);
      expect(fileNames(health)).toEqual(['grpc/health/v1/health.proto']);
      expect(unknown?.error_response?.error_code).toBe(grpc.status.NOT_FOUND);
      expect(missingFile?.error_response?.error_code).toBe(grpc.status.NOT_FOUND);
      expect(services?.list_services_response?.service.map((s) => s.name)).toEqual([AUDIT, 'grpc.health.v1.Health']);
    });
  }
});
