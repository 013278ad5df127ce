// npm run bench:bus — NATS publish/consume throughput (packages/bus) plus the relay: events/s from
// the PostgreSQL store to NATS while catching up, and the lag (commit → acknowledged on NATS) at a
// steady live rate. The relay signs every event as in production (BENCH_RELAY_UNSIGNED=1: without,
// to see what signing costs). Progress on stderr; the last stdout line is one JSON object.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { connectNatsBus, eventSigningKeyFromPem } from '@industrial/bus';
import { generateLedgerKeyPem, ledgerKeyFromPem, openPostgresEventStore, type NewEvent } from '@industrial/eventstore';
import { benchBus } from '../../bus/bench/bus.bench.ts';
import { createRelay, memoryCoordination } from '../src/index.ts';

const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CATCH_UP = Number(process.env.BENCH_RELAY_EVENTS ?? 50_000);
const LIVE_RATE = Number(process.env.BENCH_RELAY_RATE ?? 2_000);
const LIVE_SECONDS = Number(process.env.BENCH_RELAY_SECONDS ?? 5);
const log = (s: string): void => {
  process.stderr.write(`${s}\n`);
};
const meta = { actor: 'bench', role: 'service', correlationId: 'bench', causationId: null, traceparent: null, schemaVersion: 1 };
const ev = (i: number): NewEvent => ({ id: randomUUID(), type: 'SampleCounted', data: { i }, metadata: meta });

async function benchRelay(): Promise<{ relay_events_per_s: number; relay_lag_p50_ms: number; relay_lag_p99_ms: number }> {
  const schema = `benchrelay_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  const stream = `BENCH_${schema.toUpperCase()}`;
  const prefix = `${schema}.evt.v1`;
  const pem = generateLedgerKeyPem().privateKeyPem;
  const store = await openPostgresEventStore({ connectionString: PG_URL, schema, ledgerKey: ledgerKeyFromPem(pem) });
  const bus = await connectNatsBus({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  try {
    log(`relay: writing ${CATCH_UP} events to catch up on`);
    for (let i = 0; i < CATCH_UP; i += 1000)
      await store.append(
        `bench-${i % 10}`,
        Array.from({ length: 1000 }, (_, k) => ev(i + k)),
      );
    let published = 0;
    let live = false;
    const lags: number[] = [];
    const relay = createRelay({
      store,
      bus,
      ...memoryCoordination(),
      ...(process.env.BENCH_RELAY_UNSIGNED === '1' ? {} : { signingKey: eventSigningKeyFromPem(pem) }),
      streamName: stream,
      subjectPrefix: prefix,
      onPublished: (_e, lag) => {
        published++;
        if (live) lags.push(lag);
      },
    });
    const t0 = performance.now();
    void relay.run();
    while (published < CATCH_UP) await new Promise((r) => setTimeout(r, 5));
    const relay_events_per_s = Math.round(CATCH_UP / ((performance.now() - t0) / 1000));
    log(`relay: caught up at ${relay_events_per_s} events/s`);
    live = true;
    const perTick = Math.max(1, Math.round(LIVE_RATE / 100));
    const end = Date.now() + LIVE_SECONDS * 1000;
    while (Date.now() < end) {
      const tick = Date.now();
      await store.append(
        'live-1',
        Array.from({ length: perTick }, (_, k) => ev(k)),
      );
      const wait = 10 - (Date.now() - tick);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await new Promise((r) => setTimeout(r, 500));
    await relay.stop();
    lags.sort((a, b) => a - b);
    const p = (q: number): number => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? 0;
    log(`relay: live ${lags.length} events, lag p50 ${p(0.5)} ms, p99 ${p(0.99)} ms`);
    return { relay_events_per_s, relay_lag_p50_ms: p(0.5), relay_lag_p99_ms: p(0.99) };
  } finally {
    await bus.deleteStream(stream).catch(() => false);
    await bus.drain();
    await store.close();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA ${schema} CASCADE`);
    await c.end();
  }
}

// BENCH_ONLY=relay skips the bus part (quicker when tuning the relay).
const busResult = process.env.BENCH_ONLY === 'relay' ? {} : await benchBus();
const relayResult = await benchRelay();
console.log(JSON.stringify({ bench: 'bus', ...busResult, ...relayResult }));
