// The audit API over a real gRPC client against the governance app on loopback, once on an
// embedded SQLite store and once on PostgreSQL (a fresh schema, dropped afterwards).
import * as grpc from '@grpc/grpc-js';
import { FIELD_TRAILER, governanceV1, unaryCall } from '@industrial/grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exampleEvent,
  expectStatus,
  healthClient,
  listServicesByReflection,
  postgresStore,
  sqliteStore,
  startGovernance,
  streamFor,
  type Running,
  type StoreFactory,
  type StoreFixture,
} from './fixture.ts';

const T0 = Date.parse('2025-03-01T08:00:00.000Z');
const HOUR = 3_600_000;

function replay(client: governanceV1.AuditServiceClient, req: Partial<governanceV1.ReplayToRequest>): Promise<governanceV1.ReplayToResponse[]> {
  return new Promise((resolve, reject) => {
    const out: governanceV1.ReplayToResponse[] = [];
    const call = client.replayTo(governanceV1.ReplayToRequest.fromPartial(req));
    call.on('data', (m: governanceV1.ReplayToResponse) => out.push(m));
    call.on('error', reject);
    call.on('end', () => resolve(out));
  });
}

describe.each<[string, StoreFactory]>([
  ['embedded SQLite', sqliteStore],
  ['PostgreSQL', postgresStore],
])('governance AuditService on %s', (_name, factory) => {
  let clock = T0;
  let fx: StoreFixture;
  let gov: Running;
  const usecase = streamFor('ObjectiveSet', '7f1d6c3e-0000-4000-8000-000000000042');
  const model = streamFor('ModelVersionRegistered', 'scrap-rate');

  beforeAll(async () => {
    fx = await factory(() => new Date(clock));
    // Three events an hour apart: two in the use-case stream, one in the model stream.
    await fx.store.append(usecase, [exampleEvent('ObjectiveSet')]);
    clock += HOUR;
    await fx.store.append(model, [exampleEvent('ModelVersionRegistered')]);
    clock += HOUR;
    await fx.store.append(usecase, [exampleEvent('ObjectiveSet')]);
    clock = Date.now();
    gov = await startGovernance(fx.store);
  });
  afterAll(async () => {
    await gov?.close();
    await fx?.cleanup();
  });

  describe('without a token', () => {
    it('answers grpc.health.v1 SERVING for the server and the AuditService', async () => {
      const health = healthClient(gov.grpcAddress);
      for (const service of ['', 'industrial.governance.v1.AuditService']) {
        const res = await new Promise<{ status: string }>((resolve, reject) => health.check({ service }, (e, r) => (e ? reject(e) : resolve(r))));
        expect(res.status).toBe('SERVING');
      }
      health.close();
    });

    it('lists the AuditService and health through server reflection', async () => {
      const names = await listServicesByReflection(gov.grpcAddress);
      expect(names).toEqual(expect.arrayContaining(['industrial.governance.v1.AuditService', 'grpc.health.v1.Health']));
    });

    it('refuses an audit call as UNAUTHENTICATED and records an AccessDenied event for the anonymous caller', async () => {
      const client = gov.audit();
      const before = await fx.store.headPosition();
      await expectStatus(unaryCall(client, client.readAll, { fromPosition: 1, maxCount: 10 }), grpc.status.UNAUTHENTICATED);
      const recorded = await fx.store.readAll({ fromPosition: before + 1 });
      const denied = recorded.filter((e) => e.type === 'AccessDenied');
      expect(denied).toHaveLength(1);
      expect(denied[0]?.stream).toMatch(/^access-\d{4}-\d{2}-\d{2}$/);
      expect(denied[0]?.data).toMatchObject({
        actor: 'anonymous',
        role: 'none',
        roles: [],
        permission: 'audit.read',
        resource: {},
        service: 'governance',
        method: '/industrial.governance.v1.AuditService/ReadAll',
        reason: 'no-token',
        detail: expect.stringMatching(/no bearer token/),
        transport: 'grpc',
      });
      expect(denied[0]?.metadata).toMatchObject({ actor: 'anonymous', role: 'none', schemaVersion: 2 });
    });

    it('answers /healthz and /readyz', async () => {
      expect((await fetch(`${gov.httpUrl}/healthz`)).status).toBe(200);
      const ready = await fetch(`${gov.httpUrl}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready' });
    });
  });

  describe('when an operator asks to verify integrity', () => {
    it('refuses with PERMISSION_DENIED and records an AccessDenied event', async () => {
      const client = gov.audit(await gov.token('operator'));
      const before = await fx.store.headPosition();
      await expectStatus(unaryCall(client, client.verifyIntegrity, { fromPosition: 0, toPosition: 0 }), grpc.status.PERMISSION_DENIED);
      const recorded = await fx.store.readAll({ fromPosition: before + 1 });
      const denied = recorded.find((e) => e.type === 'AccessDenied');
      expect(denied?.stream).toMatch(/^access-\d{4}-\d{2}-\d{2}$/);
      expect(denied?.data).toMatchObject({
        actor: 'operator-1',
        role: 'operator',
        permission: 'audit.verify',
        service: 'governance',
        method: '/industrial.governance.v1.AuditService/VerifyIntegrity',
        reason: 'missing-permission',
        detail: expect.stringContaining('audit.verify needs role auditor'),
        roles: ['operator'],
        transport: 'grpc',
      });
    });
  });

  describe('as an auditor', () => {
    let client: governanceV1.AuditServiceClient;
    beforeAll(async () => {
      client = gov.audit(await gov.token('auditor'));
    });

    it('reads a stream forwards and backwards, paged', async () => {
      const page = await unaryCall(client, client.readStream, {
        stream: usecase,
        direction: governanceV1.Direction.DIRECTION_FORWARDS,
        fromRevision: undefined,
        maxCount: 1,
      });
      expect(page.events.map((e) => e.revision)).toEqual([0]);
      expect(page.nextRevision).toBe(1);
      expect(page.events[0]?.type).toBe('ObjectiveSet');
      expect(JSON.parse(page.events[0]?.dataJson ?? '')).toBeTypeOf('object');
      const back = await unaryCall(client, client.readStream, {
        stream: usecase,
        direction: governanceV1.Direction.DIRECTION_BACKWARDS,
        fromRevision: undefined,
        maxCount: 0,
      });
      expect(back.events.map((e) => e.revision)).toEqual([1, 0]);
      expect(back.nextRevision).toBeUndefined();
    });

    it('reads all events in global order, paged', async () => {
      const first = await unaryCall(client, client.readAll, { fromPosition: 0, maxCount: 2 });
      expect(first.events.map((e) => e.position)).toEqual([1, 2]);
      expect(first.nextPosition).toBe(3);
      const rest = await unaryCall(client, client.readAll, { fromPosition: first.nextPosition ?? 0, maxCount: 100 });
      expect(rest.events[0]?.position).toBe(3);
      expect(rest.nextPosition).toBeUndefined();
      expect(rest.headPosition).toBe(rest.events.at(-1)?.position);
    });

    it('replays history up to a time, optionally only some streams', async () => {
      const toSecond = await replay(client, { toTime: new Date(T0 + HOUR).toISOString() });
      expect(toSecond.map((m) => m.event?.position)).toEqual([1, 2]);
      const onlyUsecase = await replay(client, { toTime: new Date(T0 + 2 * HOUR).toISOString(), streamPrefixes: ['usecase-'] });
      expect(onlyUsecase.map((m) => [m.event?.stream, m.event?.revision])).toEqual([
        [usecase, 0],
        [usecase, 1],
      ]);
      const before = await replay(client, { toTime: new Date(T0 - 1).toISOString() });
      expect(before).toEqual([]);
    });

    it('refuses a malformed request as INVALID_ARGUMENT naming the field', async () => {
      const negative = await expectStatus(unaryCall(client, client.readAll, { fromPosition: -1, maxCount: 10 }), grpc.status.INVALID_ARGUMENT);
      expect(negative.details).toContain('from_position');
      expect(negative.metadata.get(FIELD_TRAILER)).toEqual(['from_position']);
      const badStream = await expectStatus(
        unaryCall(client, client.readStream, { stream: 'Not A Stream', direction: 0, fromRevision: undefined, maxCount: 10 }),
        grpc.status.INVALID_ARGUMENT,
      );
      expect(badStream.metadata.get(FIELD_TRAILER)).toEqual(['stream']);
      const badTime = await replay(client, { toTime: 'yesterday' }).then(
        () => null,
        (e: grpc.ServiceError) => e,
      );
      expect(badTime?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(badTime?.metadata.get(FIELD_TRAILER)).toEqual(['to_time']);
    });

    it('answers NOT_FOUND for an unknown stream', async () => {
      const e = await expectStatus(
        unaryCall(client, client.readStream, { stream: 'usecase-nope', direction: 0, fromRevision: undefined, maxCount: 10 }),
        grpc.status.NOT_FOUND,
      );
      expect(e.details).toContain('usecase-nope');
    });

    it('answers DEADLINE_EXCEEDED for a call whose deadline has already passed', async () => {
      await expectStatus(
        unaryCall(client, client.readAll, { fromPosition: 1, maxCount: 1 }, { callOptions: { deadline: Date.now() - 1000 } }),
        grpc.status.DEADLINE_EXCEEDED,
      );
    });

    it('verifies the chain, and after a direct edit of the database reports the bad position', async () => {
      const ok = await unaryCall(client, client.verifyIntegrity, { fromPosition: 0, toPosition: 0 });
      expect(ok).toMatchObject({ ok: true, problem: '', firstBadPosition: undefined });
      expect(ok.checked).toBe(ok.lastPosition);
      await fx.tamper((t) => `UPDATE ${t} SET data = $1 WHERE position = 2`, [JSON.stringify({ tampered: true })]);
      const bad = await unaryCall(client, client.verifyIntegrity, { fromPosition: 0, toPosition: 0 });
      expect(bad.ok).toBe(false);
      expect(bad.firstBadPosition).toBe(2);
      expect(bad.problem).not.toBe('');
    });

    it('names deleted newest events as truncated, from the anchor outside the database', async () => {
      await fx.store.anchor();
      const head = await fx.store.headPosition();
      await fx.tamper((t) => `DELETE FROM ${t} WHERE position = $1`, [head]);
      const r = await unaryCall(client, client.verifyIntegrity, { fromPosition: 0, toPosition: 0 });
      expect(r).toMatchObject({ ok: false, problem: 'truncated', firstBadPosition: head, lastPosition: head - 1 });
      expect(r.detail).toContain(`proves events up to position ${head} existed; the store ends at ${head - 1}`);
    });
  });
});
