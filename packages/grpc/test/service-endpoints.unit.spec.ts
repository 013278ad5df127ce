// The lifecycle every service shares: gRPC and the health probes start together; /readyz turns
// 503 as soon as draining begins; shutdown drains gRPC once however often it is called.
import { describe, expect, it } from 'vitest';
import { serviceEndpoints } from '../src/health-http.ts';
import type { GrpcServerHandle } from '../src/server.ts';

function fakeGrpc() {
  const calls = { listen: [] as string[], shutdown: 0 };
  const grpc = {
    listen: async (address: string) => (calls.listen.push(address), 43_210),
    shutdown: async () => void calls.shutdown++,
  } as unknown as GrpcServerHandle;
  return { grpc, calls };
}

describe('serviceEndpoints', () => {
  it('binds gRPC and HTTP, is ready, turns not-ready when told, and shuts down once', async () => {
    const { grpc, calls } = fakeGrpc();
    const logs: string[] = [];
    const e = serviceEndpoints({
      grpc,
      storeAnswers: async () => 7,
      grpcAddress: { host: '127.0.0.1', port: 0 },
      httpAddress: { host: '127.0.0.1', port: 0 },
      logger: { info: (_f, m) => void logs.push(m) },
      name: 'demo',
    });
    const before = await e.http.inject({ method: 'GET', url: '/readyz' });
    expect(before.statusCode).toBe(503);
    const { grpcPort, httpPort } = await e.listen();
    expect(grpcPort).toBe(43_210);
    expect(calls.listen).toEqual(['127.0.0.1:0']);
    expect(httpPort).toBeGreaterThan(0);
    const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', headPosition: 7 }]);
    e.notReady();
    expect((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status).toBe(503);
    await Promise.all([e.shutdown(), e.shutdown()]);
    await e.shutdown();
    expect(calls.shutdown).toBe(1);
    expect(logs).toEqual(['demo started', 'demo stopped']);
  });
});
