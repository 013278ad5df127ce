// ReplayTo's concurrency bound over a real gRPC client: with GOVERNANCE_REPLAY_MAX_CONCURRENT=1 a
// replay that the client does not read (held by HTTP/2 flow control and the server's back-pressure)
// keeps its slot, a second concurrent ReplayTo is refused with RESOURCE_EXHAUSTED, and once the first
// is cancelled a new replay streams everything. Statuses are counted, nothing is timed.
import * as grpc from '@grpc/grpc-js';
import { governanceV1 } from '@industrial/grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleEvent, sqliteStore, startGovernance, streamFor, type Running, type StoreFixture } from './fixture.ts';

const EVENTS = 3000;
const query = () => governanceV1.ReplayToRequest.fromPartial({ toTime: '2100-01-01T00:00:00.000Z', streamPrefixes: [], afterPosition: 0 });

function collect(call: grpc.ClientReadableStream<governanceV1.ReplayToResponse>): Promise<{ count: number; code: grpc.status }> {
  return new Promise((resolve) => {
    let count = 0;
    call.on('data', () => count++);
    call.on('error', (e: grpc.ServiceError) => resolve({ count, code: e.code }));
    call.on('end', () => resolve({ count, code: grpc.status.OK }));
  });
}

describe('ReplayTo concurrency bound', () => {
  let fx: StoreFixture;
  let gov: Running;

  beforeAll(async () => {
    fx = await sqliteStore(() => new Date());
    const stream = streamFor('ObjectiveSet', '7f1d6c3e-0000-4000-8000-000000000077');
    for (let i = 0; i < EVENTS; i += 500)
      await fx.store.append(
        stream,
        Array.from({ length: 500 }, () => exampleEvent('ObjectiveSet')),
      );
    gov = await startGovernance(fx.store, { replay: { maxConcurrentReplays: 1, replayBatch: 100 } });
  });
  afterAll(async () => {
    await gov?.close();
    await fx?.cleanup();
  });

  it('refuses a replay beyond the limit with RESOURCE_EXHAUSTED and admits one again when the slot is free', async () => {
    const client = gov.audit(await gov.token('auditor'), 60_000);
    // Not read: the server streams until flow control stops it, holding the one slot.
    const held = client.replayTo(query());
    const heldDone = new Promise<void>((resolve) => held.on('error', () => resolve()));
    await new Promise<void>((resolve) => held.once('metadata', () => resolve()));

    const refused = await Promise.all(Array.from({ length: 3 }, () => collect(client.replayTo(query()))));
    expect(refused.map((r) => grpc.status[r.code])).toEqual(['RESOURCE_EXHAUSTED', 'RESOURCE_EXHAUSTED', 'RESOURCE_EXHAUSTED']);
    expect(refused.every((r) => r.count === 0)).toBe(true);

    held.cancel();
    await heldDone;
    // The server frees the slot once the cancelled replay's current read returns: try a bounded number of times.
    let after = await collect(client.replayTo(query()));
    for (let attempt = 0; attempt < 50 && after.code === grpc.status.RESOURCE_EXHAUSTED; attempt++) {
      await new Promise((resolve) => setImmediate(resolve));
      after = await collect(client.replayTo(query()));
    }
    expect(grpc.status[after.code]).toBe('OK');
    expect(after.count).toBe(EVENTS);
  });
});
