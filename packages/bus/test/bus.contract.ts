// The Bus contract: one behavioural suite that every adapter (NATS JetStream, in-process) runs.
// `makeBus` returns a new client of the same backend each call, like a new process connecting.

import { randomBytes } from 'node:crypto';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BusErrorCode, isBusError } from '../src/errors.ts';
import { DeadLetterKind, deadLetterStream, Header } from '../src/headers.ts';
import { installTestTracing } from './test-support/otel.ts';
import { waitFor } from './test-support/wait.ts';
import type { Bus, BusMessage, ConsumerHandle } from '../src/types.ts';

interface Seen {
  readonly id: string;
  readonly seq: number;
  readonly deliveryCount: number;
  readonly redelivered: boolean;
}

const idOf = (m: BusMessage): string => {
  const v = m.json();
  return typeof v === 'object' && v !== null && 'id' in v ? String(v.id) : '?';
};

const seen = (m: BusMessage): Seen => ({
  id: idOf(m),
  seq: m.seq,
  deliveryCount: m.deliveryCount,
  redelivered: m.redelivered,
});

export function runBusContract(name: string, makeBus: () => Promise<Bus>): void {
  describe(`Bus contract: ${name}`, () => {
    const run = randomBytes(4).toString('hex');
    let n = 0;
    let uninstallTracing: () => void = () => {};
    const buses: Bus[] = [];
    const handles: ConsumerHandle[] = [];
    const streams: string[] = [];
    const gates: Array<() => void> = [];

    const bus = async (): Promise<Bus> => {
      const b = await makeBus();
      buses.push(b);
      return b;
    };
    /** A fresh stream (and subject prefix) for one test, deleted afterwards with its dead letters. */
    const freshStream = async (b: Bus, extra: Partial<{ maxAgeMs: number }> = {}) => {
      n += 1;
      const stream = `CT_${run}_${n}`;
      const prefix = `ct.${run}.${n}`;
      streams.push(stream);
      await b.ensureStream({ name: stream, subjects: [`${prefix}.>`], ...extra });
      return { stream, prefix };
    };
    const track = (h: ConsumerHandle): ConsumerHandle => {
      handles.push(h);
      return h;
    };
    /** Collects the dead letters of `stream` by consuming its DLQ stream. */
    const watchDeadLetters = async (b: Bus, stream: string): Promise<BusMessage[]> => {
      const dead: BusMessage[] = [];
      streams.push(deadLetterStream(stream));
      track(await b.consume({ stream: deadLetterStream(stream), durable: 'inspect', handler: (m) => void dead.push(m) }));
      return dead;
    };

    beforeAll(() => {
      uninstallTracing = installTestTracing();
    });

    afterEach(async () => {
      for (const open of gates.splice(0)) open();
      await Promise.all(handles.splice(0).map((h) => h.stop()));
      const admin = await makeBus();
      for (const s of streams.splice(0)) {
        await admin.deleteStream(s);
        await admin.deleteStream(deadLetterStream(s));
      }
      await admin.close();
      await Promise.all(buses.splice(0).map((b) => b.close()));
    });

    afterAll(() => uninstallTracing());

    describe('when a stream is set up as code', () => {
      it('is idempotent and accepts changed subjects', async () => {
        const b = await bus();
        const { stream, prefix } = await freshStream(b);
        await b.ensureStream({ name: stream, subjects: [`${prefix}.>`] });
        await b.ensureStream({ name: stream, subjects: [`${prefix}.>`, `${prefix}x.>`], maxAgeMs: 3_600_000 });
        const r = await b.publish(`${prefix}x.a`, { id: 'a' });
        expect(r).toMatchObject({ stream, duplicate: false });
      });

      it('rejects a publish no stream captures with BUS_NO_STREAM', async () => {
        const b = await bus();
        await expect(b.publish(`nostream.${run}.x`, { id: 'x' })).rejects.toSatisfy((e: unknown) => isBusError(e, BusErrorCode.NoStream));
      });
    });

    describe('when a message is published and consumed', () => {
      it('arrives once with its payload, headers, msgId and sequence, then is acknowledged', async () => {
        const b = await bus();
        const { stream, prefix } = await freshStream(b);
        const got: BusMessage[] = [];
        track(await b.consume({ stream, durable: 'rt', handler: (m) => void got.push(m) }));
        const r1 = await b.publish(`${prefix}.temp`, { id: 'e1', value: 21.5 }, { msgId: 'e1', headers: { 'x-tenant': 'plant-7' } });
        const r2 = await b.publish(`${prefix}.raw`, new Uint8Array([1, 2, 3]));
        await waitFor(() => got.length >= 2, 'both messages');
        const [j, raw] = got;
        expect(j?.subject).toBe(`${prefix}.temp`);
        expect(j?.json()).toEqual({ id: 'e1', value: 21.5 });
        expect(j?.headers['x-tenant']).toBe('plant-7');
        expect(j?.headers[Header.ContentType]).toBe('application/json');
        expect(j).toMatchObject({ msgId: 'e1', seq: r1.seq, deliveryCount: 1, redelivered: false });
        expect(raw?.subject).toBe(`${prefix}.raw`);
        expect([...(raw?.data ?? [])]).toEqual([1, 2, 3]);
        expect(raw).toMatchObject({ msgId: undefined, seq: r2.seq });
        expect(r2.seq).toBe(r1.seq + 1);
      });
    });

    describe('when the same msgId is published twice within the duplicate window', () => {
      it('reports the second as duplicate and the consumer sees one message', async () => {
        const b = await bus();
        const { stream, prefix } = await freshStream(b);
        const got: Seen[] = [];
        track(await b.consume({ stream, durable: 'dedup', handler: (m) => void got.push(seen(m)) }));
        const first = await b.publish(`${prefix}.e`, { id: 'dup' }, { msgId: 'evt-1' });
        const second = await b.publish(`${prefix}.e`, { id: 'dup' }, { msgId: 'evt-1' });
        await b.publish(`${prefix}.e`, { id: 'sentinel' }, { msgId: 'evt-2' });
        await waitFor(() => got.some((s) => s.id === 'sentinel'), 'the sentinel');
        expect(first.duplicate).toBe(false);
        expect(second).toMatchObject({ duplicate: true, seq: first.seq });
        expect(got.map((s) => s.id)).toEqual(['dup', 'sentinel']);
      });
    });

    describe('when a durable consumer stops and restarts', () => {
      it('resumes after the last acknowledged message', async () => {
        const b1 = await bus();
        const { stream, prefix } = await freshStream(b1);
        const first: string[] = [];
        const h1 = await b1.consume({ stream, durable: 'resume', handler: (m) => void first.push(idOf(m)) });
        await b1.publish(`${prefix}.e`, { id: 'm1' });
        await b1.publish(`${prefix}.e`, { id: 'm2' });
        await waitFor(() => first.length === 2, 'm1 and m2');
        await h1.stop();
        await b1.publish(`${prefix}.e`, { id: 'm3' });
        await b1.publish(`${prefix}.e`, { id: 'm4' });
        const b2 = await bus();
        const second: string[] = [];
        track(await b2.consume({ stream, durable: 'resume', handler: (m) => void second.push(idOf(m)) }));
        await waitFor(() => second.includes('m4'), 'm4 after the restart');
        expect(first).toEqual(['m1', 'm2']);
        expect(second).toEqual(['m3', 'm4']);
      });
    });

    describe('when a consumer dies before acknowledging', () => {
      it('redelivers the message to another consumer of the durable with deliveryCount 2', async () => {
        const b1 = await bus();
        const { stream, prefix } = await freshStream(b1);
        const opts = { stream, durable: 'crash', ackWaitMs: 1_000, backoffMs: [200], maxDeliver: 5 };
        const dying: Seen[] = [];
        await b1.consume({
          ...opts,
          handler: (m) => {
            dying.push(seen(m));
            return new Promise<void>((resolve) => gates.push(resolve)); // never acks while alive
          },
        });
        const r = await b1.publish(`${prefix}.e`, { id: 'job' });
        await waitFor(() => dying.length === 1, 'the first delivery');
        await b1.close(); // the process dies with the message unacknowledged
        const b2 = await bus();
        const survivor: Seen[] = [];
        track(await b2.consume({ ...opts, handler: (m) => void survivor.push(seen(m)) }));
        await waitFor(() => survivor.length === 1, 'the redelivery');
        expect(dying[0]).toMatchObject({ id: 'job', seq: r.seq, deliveryCount: 1, redelivered: false });
        expect(survivor[0]).toMatchObject({ id: 'job', seq: r.seq, deliveryCount: 2, redelivered: true });
      });
    });

    describe('when a handler fails', () => {
      it('retries it after its backoff delay, behind messages published meanwhile', async () => {
        const b = await bus();
        const { stream, prefix } = await freshStream(b);
        const order: string[] = [];
        track(
          await b.consume({
            stream,
            durable: 'backoff',
            maxDeliver: 3,
            backoffMs: [1_500, 1_500],
            handler: (m) => {
              const id = idOf(m);
              order.push(`${id}#${m.deliveryCount}`);
              if (id === 'A' && m.deliveryCount === 1) throw new Error('transient');
            },
          }),
        );
        await b.publish(`${prefix}.e`, { id: 'A' });
        await waitFor(() => order.includes('A#1'), 'the failing first attempt of A');
        await b.publish(`${prefix}.e`, { id: 'B' });
        await waitFor(() => order.includes('A#2'), 'the retry of A');
        expect(order).toEqual(['A#1', 'B#1', 'A#2']);
      });

      it('dead-letters a poisoned message after maxDeliver attempts with the reason, while others flow', async () => {
        const b = await bus();
        const { stream, prefix } = await freshStream(b);
        let poisonAttempts = 0;
        const good: string[] = [];
        track(
          await b.consume({
            stream,
            durable: 'worker',
            maxDeliver: 3,
            backoffMs: [50, 50],
            handler: (m) => {
              const id = idOf(m);
              if (id === 'poison') {
                poisonAttempts += 1;
                throw new Error(`cannot process poison (attempt ${m.deliveryCount})`);
              }
              good.push(id);
            },
          }),
        );
        const dead = await watchDeadLetters(b, stream); // its DLQ stream exists once the worker consumes
        const p = await b.publish(`${prefix}.e`, { id: 'poison' }, { msgId: 'poison-1', headers: { 'x-trace': 't' } });
        for (let i = 1; i <= 5; i++) await b.publish(`${prefix}.e`, { id: `ok${i}` });
        await waitFor(() => dead.length === 1 && good.length === 5, 'the dead letter and the good messages');
        const d = dead[0];
        expect(d?.subject).toBe(`dlq.${stream}.worker`);
        expect(d?.json()).toEqual({ id: 'poison' });
        expect(d?.headers).toMatchObject({
          [Header.DlqKind]: DeadLetterKind.MaxDeliver,
          [Header.DlqReason]: 'cannot process poison (attempt 3)',
          [Header.DlqAttempts]: '3',
          [Header.DlqStream]: stream,
          [Header.DlqDurable]: 'worker',
          [Header.DlqSubject]: `${prefix}.e`,
          [Header.DlqSeq]: String(p.seq),
          [Header.DlqMsgId]: 'poison-1',
          'x-trace': 't',
        });
        expect(good).toEqual(['ok1', 'ok2', 'ok3', 'ok4', 'ok5']);
        // It never comes back: a later message is handled and the poison count stays at 3.
        await b.publish(`${prefix}.e`, { id: 'sentinel' });
        await waitFor(() => good.includes('sentinel'), 'the sentinel');
        expect(poisonAttempts).toBe(3);
        expect(dead).toHaveLength(1);
      });

      it('dead-letters a schema-invalid message at once with the validation reason, never retried', async () => {
        const b = await bus();
        const { stream, prefix } = await freshStream(b);
        const handled: string[] = [];
        track(
          await b.consume({
            stream,
            durable: 'strict',
            maxDeliver: 5,
            backoffMs: [50],
            validate: (data) =>
              typeof data === 'object' && data !== null && 'value' in data && typeof data.value === 'number'
                ? { ok: true }
                : { ok: false, error: 'value must be a number' },
            handler: (m) => void handled.push(idOf(m)),
          }),
        );
        const dead = await watchDeadLetters(b, stream);
        const bad = await b.publish(`${prefix}.e`, { id: 'bad', value: 'hot' });
        await b.publish(`${prefix}.e`, { id: 'good', value: 80 });
        await waitFor(() => dead.length === 1 && handled.length === 1, 'the dead letter and the valid message');
        expect(handled).toEqual(['good']);
        expect(dead[0]?.headers).toMatchObject({
          [Header.DlqKind]: DeadLetterKind.Invalid,
          [Header.DlqReason]: 'value must be a number',
          [Header.DlqAttempts]: '1',
          [Header.DlqSeq]: String(bad.seq),
        });
      });
      it('hands the handler what validate parsed (msg.validated), and parses the JSON payload once', async () => {
        const b = await bus();
        const { stream, prefix } = await freshStream(b);
        const seen: { validated: unknown; sameJson: boolean }[] = [];
        let validatedInput: unknown;
        track(
          await b.consume({
            stream,
            durable: 'typed',
            validate: (data) => {
              validatedInput = data;
              return { ok: true, value: { id: (data as { id: string }).id, parsed: true } };
            },
            handler: (m) => void seen.push({ validated: m.validated, sameJson: m.json() === validatedInput }),
          }),
        );
        await b.publish(`${prefix}.e`, { id: 'typed-1' });
        await waitFor(() => seen.length === 1, 'the validated message');
        expect(seen[0]).toEqual({ validated: { id: 'typed-1', parsed: true }, sameJson: true });
      });
    });

    describe('when two consumers share one durable', () => {
      it('splits the work and processes each message once', async () => {
        const b1 = await bus();
        const b2 = await bus();
        const { stream, prefix } = await freshStream(b1);
        const byConsumer = { a: [] as number[], b: [] as number[] };
        const handler = (who: 'a' | 'b') => async (m: BusMessage) => {
          byConsumer[who].push(m.seq);
          await new Promise((r) => setTimeout(r, 5)); // give the other consumer a turn
        };
        track(await b1.consume({ stream, durable: 'shared', prefetch: 1, handler: handler('a') }));
        track(await b2.consume({ stream, durable: 'shared', prefetch: 1, handler: handler('b') }));
        for (let i = 0; i < 40; i++) await b1.publish(`${prefix}.e`, { id: `w${i}` });
        const all = () => [...byConsumer.a, ...byConsumer.b];
        await waitFor(() => new Set(all()).size === 40, 'all 40 messages');
        expect(all()).toHaveLength(40);
        expect(byConsumer.a.length).toBeGreaterThan(0);
        expect(byConsumer.b.length).toBeGreaterThan(0);
      });
    });

    describe('when the publisher runs inside a trace', () => {
      it('carries the W3C trace context to the consumer, whose active span shares the trace id', async () => {
        const b = await bus();
        const { stream, prefix } = await freshStream(b);
        const traceId = randomBytes(16).toString('hex');
        const got: Array<{ traceparent: string | undefined; activeTraceId: string | undefined }> = [];
        track(
          await b.consume({
            stream,
            durable: 'traced',
            handler: (m) => void got.push({ traceparent: m.headers.traceparent, activeTraceId: trace.getActiveSpan()?.spanContext().traceId }),
          }),
        );
        const parent = trace.setSpanContext(context.active(), {
          traceId,
          spanId: randomBytes(8).toString('hex'),
          traceFlags: TraceFlags.SAMPLED,
        });
        await context.with(parent, () => b.publish(`${prefix}.e`, { id: 't' }));
        await waitFor(() => got.length === 1, 'the traced message');
        expect(got[0]?.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
        expect(got[0]?.activeTraceId).toBe(traceId);
      });
    });
  });
}
