// The gateway over HTTPS with a certificate from files (a local CA made with openssl in a temp dir):
// a client trusting that CA is answered; one trusting another CA, or speaking plain HTTP, is refused.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeySet, importKeySet } from '@industrial/access';
import { ensureLocalCa, type LocalCa } from '@industrial/grpc';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type GatewayDeps } from '../../src/adapters/http/gateway.ts';

describe('the gateway over HTTPS', () => {
  let dir: string;
  let a: LocalCa;
  let b: LocalCa;
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gateway-tls-'));
    a = ensureLocalCa(join(dir, 'a'), 'CA A');
    b = ensureLocalCa(join(dir, 'b'), 'CA B');
    const keySet = await importKeySet((await createKeySet({ now: new Date() })).keySet);
    const deps: GatewayDeps = {
      commands: {} as GatewayDeps['commands'],
      projection: { get: () => undefined, modes: () => new Map(), position: 0, subscribe: () => () => {} } as unknown as GatewayDeps['projection'],
      guard: { keySet, issuer: 'industrial-access', audience: 'industrial-platform', newId: randomUUID, recordDenied: () => undefined },
      health: () => ({}),
      ready: () => true,
      history: async () => [],
      rateLimit: null,
      tls: { certFile: a.serverCertFile, keyFile: a.serverKeyFile },
    };
    app = createGateway(deps);
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (ca: Buffer): Promise<string> =>
    new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/readyz', ca }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      });
      req.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code}`));
      req.end();
    });

  it('answers a client trusting its CA', async () => {
    expect(await get(readFileSync(a.caFile))).toBe('200 {"status":"ready"}');
  });

  it('is refused by a client trusting another CA', async () => {
    expect(await get(readFileSync(b.caFile))).toMatch(/^error (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/);
  });

  it('does not answer plain HTTP with the API', async () => {
    const plain = await new Promise<string>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/readyz' }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      });
      req.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code}`));
      req.end();
    });
    expect(plain).not.toContain('ready');
  });
});
