// ListLabels over a real gRPC client with real access tokens, on SQLite and on PostgreSQL: the
// labels of one asset whose window overlaps [from_ms, to_ms) (half-open), by window start, in
// pages; bad input is INVALID_ARGUMENT naming the field; no `data.read` (or an asset outside the
// token's scopes) is PERMISSION_DENIED.
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { FIELD_TRAILER, type dataopsV1, unaryCall } from '@industrial/grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, startGrpcHarness, type GrpcHarness } from './grpc-harness.ts';
import { postgresStore, sqliteStore, type StoreFactory } from './harness.ts';

const T0 = Date.parse('2025-03-05T10:00:00Z');
const USE_CASE = '0193a1b2-7c00-7a10-8b00-000000000001';

describe.each<[string, StoreFactory]>([
  ['SQLite', sqliteStore],
  ['PostgreSQL', postgresStore],
])('DataOpsService.ListLabels over gRPC on %s', (_name, factory) => {
  const ent = `l${randomUUID().replaceAll('-', '').slice(0, 8)}`;
  const asset = `${ent}.plant1.milling.line-1.mill-1`;
  const other = `${ent}.plant1.milling.line-1.mill-2`;
  // Two labels start at T0 + 10 s: the label id orders them.
  const [sameStartA, sameStartB] = [randomUUID(), randomUUID()].sort();
  const ids = { wear: randomUUID(), normal: randomUUID(), sameStartA: sameStartA as string, sameStartB: sameStartB as string, other: randomUUID() };
  let g: GrpcHarness;

  const window = (fromMs: number, toMs: number) => ({ assetPath: asset, fromMs, toMs, pageSize: 0, pageToken: '' });

  beforeAll(async () => {
    g = await startGrpcHarness(factory);
    const engineer = await g.client('engineer');
    const record = (labelId: string, assetPath: string, label: string, fromMs: number, toMs: number, extra: Partial<dataopsV1.RecordLabelRequest> = {}) =>
      unaryCall(engineer, engineer.recordLabel, {
        assetPath,
        label,
        fromMs,
        toMs,
        source: 'engineer',
        confidence: 0,
        useCaseId: '',
        note: '',
        labelId,
        ...extra,
      });
    await record(ids.wear, asset, 'bearing-wear', T0, T0 + 1000, {
      useCaseId: USE_CASE,
      confidence: 0.7,
      note: 'noise at the drive end',
      source: 'maintenance-record',
    });
    await record(ids.normal, asset, 'normal', T0 + 5000, T0 + 6000);
    await record(ids.sameStartB, asset, 'tool-wear', T0 + 10_000, T0 + 20_000);
    await record(ids.sameStartA, asset, 'tool-wear', T0 + 10_000, T0 + 12_000);
    await record(ids.other, other, 'bearing-wear', T0, T0 + 30_000);
  });
  afterAll(async () => {
    await g?.close();
  });

  it('lists the labels of the asset overlapping the window, with every field, by window start', async () => {
    const operator = await g.client('operator');
    const r = await unaryCall(operator, operator.listLabels, window(T0 + 500, T0 + 5001));
    expect(r).toEqual({
      labels: [
        {
          labelId: ids.wear,
          assetPath: asset,
          label: 'bearing-wear',
          fromMs: T0,
          toMs: T0 + 1000,
          source: 'maintenance-record',
          confidence: 0.7,
          useCaseId: USE_CASE,
          note: 'noise at the drive end',
        },
        {
          labelId: ids.normal,
          assetPath: asset,
          label: 'normal',
          fromMs: T0 + 5000,
          toMs: T0 + 6000,
          source: 'engineer',
          confidence: 1,
          useCaseId: '',
          note: '',
        },
      ],
      nextPageToken: '',
    });
  });

  it('treats windows as half-open: a label ending at from_ms or starting at to_ms is not listed', async () => {
    const operator = await g.client('operator');
    expect(await unaryCall(operator, operator.listLabels, window(T0 + 1000, T0 + 5000))).toEqual({ labels: [], nextPageToken: '' });
  });

  it('pages by window start then label id, each label once', async () => {
    const operator = await g.client('operator');
    const first = await unaryCall(operator, operator.listLabels, { ...window(0, T0 + 60_000), pageSize: 3 });
    expect(first.labels.map((l) => l.labelId)).toEqual([ids.wear, ids.normal, ids.sameStartA]);
    expect(first.nextPageToken).not.toBe('');
    const second = await unaryCall(operator, operator.listLabels, { ...window(0, T0 + 60_000), pageSize: 3, pageToken: first.nextPageToken });
    expect(second).toMatchObject({ labels: [{ labelId: ids.sameStartB }], nextPageToken: '' });
    const exact = await unaryCall(operator, operator.listLabels, { ...window(0, T0 + 60_000), pageSize: 4 });
    expect(exact.labels).toHaveLength(4);
    expect(exact.nextPageToken).toBe('');
  });

  it.each<[string, Partial<dataopsV1.ListLabelsRequest>]>([
    ['asset_path', { assetPath: '' }],
    ['asset_path', { assetPath: 'plant1.milling' }],
    ['from_ms', { fromMs: -1 }],
    ['to_ms', { toMs: T0 }],
    ['page_size', { pageSize: 5000 }],
    ['page_token', { pageToken: 'not-a-token' }],
  ])('refuses a bad %s with INVALID_ARGUMENT naming it (%o)', async (field, over) => {
    const operator = await g.client('operator');
    const e = await expectStatus(unaryCall(operator, operator.listLabels, { ...window(T0, T0 + 1000), ...over }), grpc.status.INVALID_ARGUMENT);
    expect(e.metadata.get(FIELD_TRAILER)).toEqual([field]);
    expect(e.details).toContain(field);
  });

  it('refuses a caller without data.read, and an asset outside the token scopes, with PERMISSION_DENIED', async () => {
    const admin = await g.client('admin');
    await expectStatus(unaryCall(admin, admin.listLabels, window(T0, T0 + 1000)), grpc.status.PERMISSION_DENIED);
    const elsewhere = await g.client('operator', ['site:plant2']);
    await expectStatus(unaryCall(elsewhere, elsewhere.listLabels, window(T0, T0 + 1000)), grpc.status.PERMISSION_DENIED);
    const here = await g.client('operator', ['site:plant1']);
    expect((await unaryCall(here, here.listLabels, window(T0, T0 + 1000))).labels.map((l) => l.labelId)).toEqual([ids.wear]);
  });
});
