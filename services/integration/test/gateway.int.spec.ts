// inference's gateway as the integration service's outcome and acknowledge commands, against a
// loopback HTTP server answering as the gateway does: the call's path, token and body; a second
// outcome (409, inference refuses it) counts as done; any other refusal is an error with the reason.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferenceGateway } from '../src/adapters/http/inference.ts';
import { readSetupFile } from '../src/adapters/setup-file.ts';
import { loadConfig } from '../src/config.ts';
import { IntegrationSetup } from '../src/domain/setup.ts';

let server: Server;
let url = '';
const calls: { path: string; auth: string; body: unknown }[] = [];
const answers: number[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let s = '';
    req.on('data', (c: Buffer) => (s += c.toString()));
    req.on('end', () => {
      calls.push({ path: req.url ?? '', auth: req.headers.authorization ?? '', body: s === '' ? null : JSON.parse(s) });
      const status = answers.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(status === 200 ? { ok: true } : { error: `refused ${status}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('inference gateway commands', () => {
  it('records an outcome and an acknowledge with the service token; a second outcome is not an error', async () => {
    const gw = inferenceGateway({ baseUrl: url, token: () => 'tok' });
    await gw.recordOutcome('r-1', { outcome: 'event-prevented', note: 'cleaned', observedAt: '2025-03-05T11:20:00.000Z' });
    await gw.acknowledge('r-1', 'opcua:olga');
    answers.push(409);
    await gw.recordOutcome('r-1', { outcome: 'event-prevented', note: 'again', observedAt: '2025-03-05T11:20:00.000Z' });
    expect(calls.map((c) => [c.path, c.auth])).toEqual([
      ['/api/v1/recommendations/r-1/outcome', 'Bearer tok'],
      ['/api/v1/recommendations/r-1/acknowledge', 'Bearer tok'],
      ['/api/v1/recommendations/r-1/outcome', 'Bearer tok'],
    ]);
    expect(calls[0]?.body).toEqual({ outcome: 'event-prevented', note: 'cleaned', observedAt: '2025-03-05T11:20:00.000Z' });
    answers.push(403);
    await expect(gw.recordOutcome('r-2', { outcome: 'no-event', note: 'x', observedAt: '2025-03-05T11:20:00.000Z' })).rejects.toThrow(
      /refused the outcome of r-2: 403/,
    );
  });
});

describe('the configuration', () => {
  it('names every bad variable and a setup whose rule names no connector', () => {
    const base = { ACCESS_KEYS_DIR: '/k', LEDGER_KEY_FILE: '/l' };
    const badPort = loadConfig({ ...base, INTEGRATION_HTTP_PORT: 'x' });
    expect(badPort.ok ? '' : badPort.message).toMatch(/INTEGRATION_HTTP_PORT/);
    const halfPair = loadConfig({ ...base, INTEGRATION_INFERENCE_URL: 'http://127.0.0.1:1' });
    expect(halfPair.ok ? '' : halfPair.message).toMatch(/INTEGRATION_INFERENCE_TOKEN_FILE/);
    expect(loadConfig(base)).toMatchObject({ ok: true, config: { http: { host: '127.0.0.1', port: 8089 }, inference: null, setupFile: null } });
    const parsed = IntegrationSetup.safeParse({ rules: [{ ruleId: 'wo', useCaseId: '*', on: 'raised', kind: 'work-order', connector: 'nowhere' }] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/names no connector/);
    expect(readSetupFile(null).rules).toEqual([]);
  });
});

describe('the API with the deployment certificate', () => {
  it('serves HTTPS', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { createApi } = await import('../src/adapters/http/api.ts');
    const dir = mkdtempSync(join(tmpdir(), 'integration-tls-'));
    try {
      const certFile = join(dir, 'c.pem');
      const keyFile = join(dir, 'k.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-days',
          '1',
          '-keyout',
          keyFile,
          '-out',
          certFile,
        ],
        {
          stdio: 'ignore',
        },
      );
      const ledger = { refresh: async () => undefined, list: () => [], get: () => undefined };
      const api = createApi({
        ledger,
        replay: async () => 'succeeded',
        keySet: () => {
          throw new Error('unused');
        },
        access: { issuer: 'i', audience: 'a' },
        ready: () => true,
        health: () => ({}),
        tls: { certFile, keyFile },
      });
      await api.listen({ host: '127.0.0.1', port: 0 });
      const port = (api.server.address() as AddressInfo).port;
      const { request } = await import('node:https');
      const status = await new Promise<number>((resolve, reject) =>
        request({ host: '127.0.0.1', port, path: '/healthz', ca: execFileSync('cat', [certFile]) }, (res) => resolve(res.statusCode ?? 0))
          .on('error', reject)
          .end(),
      );
      expect(status).toBe(200);
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
      await api.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
