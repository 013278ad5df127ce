// gRPC and the health HTTP endpoints over TLS with certificates from files (made with openssl in a
// temp dir): a client trusting the server's CA is served; one trusting another CA is refused; with
// mutual TLS a client without a certificate, or with one from another CA, is refused.
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TlsFileError, createClient, createGrpcServer, createHealthHttp, ensureLocalCa, governanceV1, type GrpcClientTls, type LocalCa } from '../src/index.ts';
import { startAuditServer } from './audit-server.ts';

/** Resolves the head position, or the gRPC status code of the failure. */
async function call(address: string, tls: GrpcClientTls | null): Promise<number | string> {
  const client = createClient(governanceV1.AuditServiceClient, address, { token: 't', deadlineMs: 5000, tls });
  try {
    return await new Promise((resolve) => {
      client.readAll({ fromPosition: 1, maxCount: 1 }, (error, response) => resolve(error === null ? response.headPosition : `code ${error.code}`));
    });
  } finally {
    client.close();
  }
}

describe('gRPC over TLS', () => {
  let dir: string;
  let a: LocalCa;
  let b: LocalCa;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'grpc-tls-'));
    a = ensureLocalCa(join(dir, 'a'), 'CA A');
    b = ensureLocalCa(join(dir, 'b'), 'CA B');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves a client trusting the CA and refuses one trusting another CA or none', async () => {
    const { server, address } = await startAuditServer({ tls: { certFile: a.serverCertFile, keyFile: a.serverKeyFile } });
    try {
      expect(await call(address, { caFile: a.caFile })).toBe(7);
      expect(await call(address, { caFile: b.caFile })).toBe(`code ${status.UNAVAILABLE}`);
      expect(await call(address, null)).toBe(`code ${status.UNAVAILABLE}`);
    } finally {
      await server.shutdown({ graceMs: 1000 });
    }
  });

  it('with mutual TLS refuses a client without a certificate or with one from another CA', async () => {
    const { server, address } = await startAuditServer({ tls: { certFile: a.serverCertFile, keyFile: a.serverKeyFile, clientCaFile: a.caFile } });
    try {
      expect(await call(address, { caFile: a.caFile, certFile: a.clientCertFile, keyFile: a.clientKeyFile })).toBe(7);
      expect(await call(address, { caFile: a.caFile })).toBe(`code ${status.UNAVAILABLE}`);
      expect(await call(address, { caFile: a.caFile, certFile: b.clientCertFile, keyFile: b.clientKeyFile })).toBe(`code ${status.UNAVAILABLE}`);
    } finally {
      await server.shutdown({ graceMs: 1000 });
    }
  });

  it('names the variable of a certificate file it cannot read', () => {
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    const accessGuard = (): Promise<never> => Promise.reject(new Error('not called'));
    const tls = { certFile: join(dir, 'nope.crt'), keyFile: a.serverKeyFile };
    expect(() => createGrpcServer({ services: [], serviceName: 'governance', logger, accessGuard, tls })).toThrow(TlsFileError);
    expect(() => createGrpcServer({ services: [], serviceName: 'governance', logger, accessGuard, tls })).toThrow(/GRPC_TLS_CERT_FILE/);
    expect(() => createClient(governanceV1.AuditServiceClient, '127.0.0.1:1', { tls: { caFile: join(dir, 'nope.crt') } })).toThrow(/GRPC_TLS_CA_FILE/);
  });

  it('serves the health endpoints over HTTPS; a client trusting another CA is refused', async () => {
    const http = createHealthHttp({ storeAnswers: async () => 3, serving: () => true, tls: { certFile: a.serverCertFile, keyFile: a.serverKeyFile } });
    await http.listen({ host: '127.0.0.1', port: 0 });
    const port = (http.server.address() as { port: number }).port;
    const get = async (ca: Buffer): Promise<string> => {
      const req = request({ host: '127.0.0.1', port, path: '/readyz', ca });
      req.end();
      try {
        const [res] = (await once(req, 'response')) as [IncomingMessage];
        const chunks: Buffer[] = [];
        for await (const chunk of res) chunks.push(chunk as Buffer);
        return `${res.statusCode} ${Buffer.concat(chunks).toString()}`;
      } catch (error) {
        return `error ${(error as NodeJS.ErrnoException).code}`;
      }
    };
    try {
      expect(await get(readFileSync(a.caFile))).toBe('200 {"status":"ready","headPosition":3}');
      expect(await get(readFileSync(b.caFile))).toMatch(/^error (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/);
    } finally {
      await http.close();
    }
  });
});
