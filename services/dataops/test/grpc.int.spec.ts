// DataOpsService over a real gRPC client with real access tokens, once on SQLite and once on
// PostgreSQL (a fresh schema per run, dropped afterwards): CSV import over a client stream (all or
// nothing), time-series queries (raw, resampled, aggregated) and their errors, permissions,
// labels, catalog, snapshots, and restricted reads recorded as RestrictedDataRead.
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Role } from '@industrial/access';
import type { EventStore, RecordedEvent } from '@industrial/eventstore';
import { FIELD_TRAILER, dataopsV1, unaryCall } from '@industrial/grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataopsApp } from '../src/app.ts';
import { expectStatus, snapshotOfImport, startGrpcHarness, type GrpcHarness } from './grpc-harness.ts';
import { postgresStore, sqliteStore, unsBatch, type StoreFactory, type StoreHarness } from './harness.ts';

const { Aggregation } = dataopsV1;
const T0 = Date.parse('2025-03-05T10:00:00Z');
const USE_CASE = '0193a1b2-7c00-7a10-8b00-000000000001';

const CSV =
  [
    'cycle,pressure [bar],temp [K],label',
    ...Array.from({ length: 20 }, (_, i) => `${i + 1},${(1 + i / 10).toFixed(2)},${300 + i},${i % 5 === 0 ? 1 : 0}`),
  ].join('\n') + '\n';
const MAPPING = {
  format: 'wide',
  delimiter: ',',
  header: true,
  order: { column: 'cycle' },
  fields: [
    { column: 'pressure [bar]', name: 'pressure' },
    { column: 'temp [K]', name: 'temp' },
    { column: 'label', type: 'int32', role: 'label' },
  ],
};

function importCsv(client: dataopsV1.DataOpsServiceClient, messages: dataopsV1.ImportCsvRequest[]): Promise<dataopsV1.ImportCsvResponse> {
  return new Promise((resolve, reject) => {
    const call = client.importCsv((e, r) => (e !== null ? reject(e) : resolve(r)));
    for (const m of messages) call.write(m);
    call.end();
  });
}

const header = (over: Partial<dataopsV1.ImportCsvHeader> = {}): dataopsV1.ImportCsvRequest => ({
  header: { name: 'press-cycles.csv', mappingJson: JSON.stringify(MAPPING), datasetId: '', accessLevel: '', description: '', ...over },
  chunk: undefined,
});
const chunk = (text: string): dataopsV1.ImportCsvRequest => ({ header: undefined, chunk: Buffer.from(text) });
/** The file cut into n pieces at arbitrary byte offsets (mid-line). */
const chunksOf = (text: string, n: number): dataopsV1.ImportCsvRequest[] => {
  const size = Math.ceil(text.length / n);
  return Array.from({ length: n }, (_, i) => chunk(text.slice(i * size, (i + 1) * size)));
};

describe.each<[string, StoreFactory]>([
  ['SQLite', sqliteStore],
  ['PostgreSQL', postgresStore],
])('DataOpsService over gRPC on %s', (_name, factory) => {
  const ent = `g${randomUUID().replaceAll('-', '').slice(0, 8)}`;
  const asset = `${ent}.plant1.milling.line-1.mill-1`;
  let g: GrpcHarness;
  let h: StoreHarness;
  let events: EventStore;
  let app: DataopsApp;

  const client = (role: Role): Promise<dataopsV1.DataOpsServiceClient> => g.client(role);
  const recorded = async (type: string, after: number): Promise<RecordedEvent[]> =>
    (await events.readAll({ fromPosition: after + 1 })).filter((e) => e.type === type);

  beforeAll(async () => {
    g = await startGrpcHarness(factory);
    ({ h, events, app } = g);
    // 10 s of torque at 10 Hz, 2 s of a restricted tag.
    const samples = Array.from({ length: 100 }, (_, i) => ({ tag: 'torque', ts: T0 + i * 100, value: i % 10, unit: 'Nm' }));
    await app.ingestBatch(unsBatch(samples, { assetPath: asset }));
    await app.ingestBatch(
      unsBatch(
        Array.from({ length: 20 }, (_, i) => ({ tag: 'operator_badge', ts: T0 + i * 100, value: 42 })),
        { assetPath: asset },
      ),
    );
  });
  afterAll(async () => {
    await g?.close();
  });

  describe('ImportCsv (client stream)', () => {
    it('imports a CSV sent in chunks cut mid-line, reports what it consumed, and snapshots it without a made-up asset', async () => {
      const engineer = await client('engineer');
      const datasetId = randomUUID();
      const r = await importCsv(engineer, [header({ datasetId }), ...chunksOf(CSV, 4)]);
      expect(r).toMatchObject({ rowCount: 20, bytes: Buffer.byteLength(CSV), chunks: 4 });
      expect(r.fileSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(r.columns.map((c) => [c.name, c.role])).toEqual([
        ['cycle', 'order'],
        ['pressure', 'feature'],
        ['temp', 'feature'],
        ['label', 'label'],
      ]);
      expect(r.columns.find((c) => c.name === 'pressure')?.unit).toBe('bar');

      const before = await events.headPosition();
      const created = await unaryCall(engineer, engineer.createDatasetSnapshot, snapshotOfImport(datasetId, USE_CASE, r.importId));
      const snap = created.snapshot!;
      expect(snap).toMatchObject({ datasetId, rowCount: 20, splitKind: 'chronological', train: { start: 0, end: 12 }, format: 'arrow' });
      expect(snap.location).toMatch(/^file:\/\/\/.*\.arrow$/);
      const [event] = await recorded('DatasetSnapshotCreated', before);
      expect(event?.stream).toBe(`dataset-${datasetId}`);
      expect((event?.data as { assetPaths: string[] }).assetPaths).toEqual([]);

      const reader = await client('operator');
      const got = await unaryCall(reader, reader.getDatasetSnapshot, { snapshotId: snap.snapshotId });
      expect(got.snapshot).toMatchObject({ snapshotId: snap.snapshotId, contentHash: snap.contentHash, fileSha256: snap.fileSha256, createdBy: 'engineer-1' });
      expect(JSON.parse(got.snapshot!.lineageJson)).toMatchObject({ source: { kind: 'import', name: 'press-cycles.csv' } });
    });

    it('refuses a bad row in the last chunk with INVALID_ARGUMENT naming row and column, and imports nothing', async () => {
      const engineer = await client('engineer');
      const datasetId = randomUUID();
      const bad = `${CSV}21,not-a-number,320,0\n`;
      const e = await expectStatus(importCsv(engineer, [header({ datasetId }), ...chunksOf(bad, 3)]), grpc.status.INVALID_ARGUMENT);
      expect(e.details).toMatch(/row 22.*pressure \[bar\]/);
      expect(await h.store.meta.getDataset(datasetId)).toBeNull();
    });

    it('refuses a stream whose first message is not the header, naming the field and the message index', async () => {
      const engineer = await client('engineer');
      const e = await expectStatus(importCsv(engineer, [chunk(CSV)]), grpc.status.INVALID_ARGUMENT);
      expect(e.metadata.get(FIELD_TRAILER)).toEqual(['header']);
      expect(e.details).toMatch(/message 0/);
      const bad = await expectStatus(importCsv(engineer, [header({ mappingJson: '{nope' }), chunk(CSV)]), grpc.status.INVALID_ARGUMENT);
      expect(bad.metadata.get(FIELD_TRAILER)).toEqual(['header.mapping_json']);
    });

    it('refuses an operator (no data.write) before reading the file', async () => {
      const operator = await client('operator');
      await expectStatus(importCsv(operator, [header(), chunk(CSV)]), grpc.status.PERMISSION_DENIED);
    });
  });

  describe('QueryTimeSeries', () => {
    it('returns raw samples, resampled buckets and other aggregations', async () => {
      const operator = await client('operator');
      const base = { assetPath: asset, tags: ['torque'], fromMs: T0, toMs: T0 + 2000 };
      const raw = await unaryCall(operator, operator.queryTimeSeries, { ...base, intervalMs: 0, aggregation: Aggregation.AGGREGATION_UNSPECIFIED });
      expect(raw.series[0]).toMatchObject({ tag: 'torque', layer: 'raw', unit: 'Nm' });
      expect(raw.series[0]?.raw).toHaveLength(20);
      expect(raw.series[0]?.raw[3]).toMatchObject({ tsMs: T0 + 300, value: 3, severity: 'Good' });

      const mean = await unaryCall(operator, operator.queryTimeSeries, { ...base, intervalMs: 1000, aggregation: Aggregation.AGGREGATION_UNSPECIFIED });
      expect(mean.series[0]).toMatchObject({ layer: 'refined', aggregation: Aggregation.AGGREGATION_MEAN });
      expect(mean.series[0]?.points.map((p) => [p.tMs, p.value, p.count])).toEqual([
        [T0, 4.5, 10],
        [T0 + 1000, 4.5, 10],
      ]);
      const max = await unaryCall(operator, operator.queryTimeSeries, {
        ...base,
        toMs: T0 + 20_000,
        intervalMs: 5000,
        aggregation: Aggregation.AGGREGATION_MAX,
      });
      expect(max.series[0]?.points.map((p) => [p.value ?? null, p.gap])).toEqual([
        [9, false],
        [9, false],
        [null, true],
        [null, true],
      ]);
    });

    it('answers INVALID_ARGUMENT naming to_ms for an inverted range', async () => {
      const operator = await client('operator');
      const e = await expectStatus(
        unaryCall(operator, operator.queryTimeSeries, { assetPath: asset, tags: ['torque'], fromMs: T0 + 10, toMs: T0, intervalMs: 0, aggregation: 0 }),
        grpc.status.INVALID_ARGUMENT,
      );
      expect(e.metadata.get(FIELD_TRAILER)).toEqual(['to_ms']);
      expect(e.details).toMatch(/^to_ms: must be after from_ms/);
    });

    it('answers NOT_FOUND naming an unknown tag', async () => {
      const operator = await client('operator');
      const e = await expectStatus(
        unaryCall(operator, operator.queryTimeSeries, {
          assetPath: asset,
          tags: ['torque', 'spindle_nope'],
          fromMs: T0,
          toMs: T0 + 10,
          intervalMs: 0,
          aggregation: 0,
        }),
        grpc.status.NOT_FOUND,
      );
      expect(e.details).toContain('spindle_nope');
      expect(e.metadata.get(FIELD_TRAILER)).toEqual(['tags']);
    });

    it('records a read of a restricted tag as RestrictedDataRead, and refuses a caller without data.read_restricted', async () => {
      const engineer = await client('engineer');
      const up = await unaryCall(engineer, engineer.upsertTagMetadata, {
        tag: {
          assetPath: asset,
          tag: 'operator_badge',
          description: 'badge of the operator at the machine',
          unit: '',
          dataType: '',
          source: '',
          samplingIntervalMs: 0,
          owner: '',
          accessLevel: 'restricted',
          rangeLow: undefined,
          rangeHigh: undefined,
          aggregation: Aggregation.AGGREGATION_LAST,
        },
      });
      expect(up.tag).toMatchObject({
        accessLevel: 'restricted',
        aggregation: Aggregation.AGGREGATION_LAST,
        description: 'badge of the operator at the machine',
      });
      const q = { assetPath: asset, tags: ['operator_badge'], fromMs: T0, toMs: T0 + 2000, intervalMs: 0, aggregation: 0 };

      const operator = await client('operator');
      await expectStatus(unaryCall(operator, operator.queryTimeSeries, q), grpc.status.PERMISSION_DENIED);

      const before = await events.headPosition();
      const lead = await client('quality_lead');
      const res = await unaryCall(lead, lead.queryTimeSeries, q);
      expect(res.series[0]?.raw).toHaveLength(20);
      const reads = await recorded('RestrictedDataRead', before);
      expect(reads).toHaveLength(1);
      expect(reads[0]?.stream).toMatch(/^access-\d{4}-\d{2}-\d{2}$/);
      expect(reads[0]?.data).toMatchObject({
        actor: 'quality_lead-1',
        roles: ['quality_lead'],
        kind: 'tag',
        target: `${asset}.operator_badge`,
        datasetId: null,
        resource: { site: 'plant1', area: 'milling', line: 'line-1' },
        method: '/industrial.dataops.v1.DataOpsService/QueryTimeSeries',
        transport: 'grpc',
      });
    });
  });

  describe('CreateDatasetSnapshot and restricted snapshots', () => {
    const snapshotRequest = (datasetId: string, accessLevel = ''): dataopsV1.CreateDatasetSnapshotRequest => ({
      datasetId,
      useCaseId: USE_CASE,
      importId: undefined,
      historian: { assetPaths: [asset], tags: ['torque'], fromMs: T0, toMs: T0 + 10_000, intervalMs: 1000, aggregation: 0 },
      historianWindows: undefined,
      splitStratifyBy: '',
      splitKind: 'chronological',
      splitBy: 'time',
      splitOrderBy: '',
      trainFraction: 0.6,
      validationFraction: 0.2,
      format: 'csv',
      featureSetVersion: '1.0.0',
      accessLevel,
      assetPath: '',
    });

    it('refuses an operator token with PERMISSION_DENIED and records AccessDenied', async () => {
      const operator = await client('operator');
      const before = await events.headPosition();
      await expectStatus(unaryCall(operator, operator.createDatasetSnapshot, snapshotRequest(randomUUID())), grpc.status.PERMISSION_DENIED);
      const [denied] = await recorded('AccessDenied', before);
      expect(denied?.data).toMatchObject({
        actor: 'operator-1',
        permission: 'dataset.create',
        service: 'dataops',
        method: '/industrial.dataops.v1.DataOpsService/CreateDatasetSnapshot',
        transport: 'grpc',
      });
    });

    it('records a read of a restricted snapshot with its dataset', async () => {
      const engineer = await client('engineer');
      const datasetId = randomUUID();
      const { snapshot } = await unaryCall(engineer, engineer.createDatasetSnapshot, snapshotRequest(datasetId, 'restricted'));
      expect(snapshot).toMatchObject({ rowCount: 10, format: 'csv' });
      const operator = await client('operator');
      await expectStatus(unaryCall(operator, operator.getDatasetSnapshot, { snapshotId: snapshot!.snapshotId }), grpc.status.PERMISSION_DENIED);
      const before = await events.headPosition();
      const auditor = await client('auditor');
      const got = await unaryCall(auditor, auditor.getDatasetSnapshot, { snapshotId: snapshot!.contentHash });
      expect(got.snapshot?.snapshotId).toBe(snapshot!.snapshotId);
      const [read] = await recorded('RestrictedDataRead', before);
      expect(read?.data).toMatchObject({
        actor: 'auditor-1',
        kind: 'dataset-snapshot',
        target: snapshot!.snapshotId,
        datasetId,
        method: '/industrial.dataops.v1.DataOpsService/GetDatasetSnapshot',
      });
    });

    it('snapshots window features from the historian (historian_windows), and names the field of a bad window spec', async () => {
      const engineer = await client('engineer');
      const spec = {
        format: 'industrial-ml/window-spec/v1',
        version: '2.0.0',
        windowMinutes: 0.25,
        gridMinutes: 0.25,
        features: [{ name: 'torque_mean', unit: 'N.m', tag: 'torque', statistic: 'mean' }],
      };
      const windows = (json: string) => ({
        ...snapshotRequest(randomUUID()),
        historian: undefined,
        splitKind: 'group',
        splitBy: 'asset_path',
        splitOrderBy: 'time',
        format: 'arrow',
        featureSetVersion: '',
        historianWindows: {
          assetPaths: [asset],
          fromMs: T0,
          toMs: T0 + 10_000,
          windowSpecJson: json,
          strideMinutes: 1,
          targetLabel: '',
          targetHorizonMinutes: 0,
          targetColumn: '',
          targetKind: '',
        },
      });
      const { snapshot } = await unaryCall(engineer, engineer.createDatasetSnapshot, windows(JSON.stringify(spec)));
      // one window ends in [T0, T0 + 10 s): at T0, holding the torque sample taken then (0)
      expect(snapshot).toMatchObject({ rowCount: 1 });
      const loaded = await app.getSnapshot(snapshot!.snapshotId);
      expect(loaded.schema.map((c) => [c.name, c.role])).toEqual([
        ['asset_path', 'group'],
        ['time', 'time'],
        ['torque_mean', 'feature'],
      ]);
      expect(loaded.lineage.window).toEqual(spec);
      expect(loaded.lineage.featureSetVersion).toBe('2.0.0');
      expect(Array.from(loaded.columns.torque_mean as Float64Array)).toEqual([0]);
      const notJson = await expectStatus(unaryCall(engineer, engineer.createDatasetSnapshot, windows('{nope')), grpc.status.INVALID_ARGUMENT);
      expect(notJson.metadata.get(FIELD_TRAILER)).toEqual(['historian_windows.window_spec_json']);
      const badStat = await expectStatus(
        unaryCall(engineer, engineer.createDatasetSnapshot, windows(JSON.stringify({ ...spec, features: [{ ...spec.features[0], statistic: 'median' }] }))),
        grpc.status.INVALID_ARGUMENT,
      );
      expect(badStat.metadata.get(FIELD_TRAILER)).toEqual(['historian_windows.window_spec_json']);
      expect(badStat.details).toMatch(/unknown statistic median/);
    });

    it('answers NOT_FOUND for an unknown import', async () => {
      const engineer = await client('engineer');
      const e = await expectStatus(
        unaryCall(engineer, engineer.createDatasetSnapshot, {
          ...snapshotRequest(randomUUID()),
          historian: undefined,
          importId: randomUUID(),
          splitBy: 'cycle',
        }),
        grpc.status.NOT_FOUND,
      );
      expect(e.metadata.get(FIELD_TRAILER)).toEqual(['import_id']);
    });
  });

  describe('labels, catalog and quality', () => {
    it('records a label once per label id and finds catalog entries', async () => {
      const engineer = await client('engineer');
      const labelId = randomUUID();
      const req = {
        assetPath: asset,
        label: 'tool-wear',
        fromMs: T0,
        toMs: T0 + 5000,
        source: 'engineer',
        confidence: 0,
        useCaseId: '',
        note: 'worn insert seen at change',
        labelId,
      };
      expect(await unaryCall(engineer, engineer.recordLabel, req)).toEqual({ labelId, created: true });
      expect(await unaryCall(engineer, engineer.recordLabel, req)).toEqual({ labelId, created: false });
      const operator = await client('operator');
      await expectStatus(unaryCall(operator, operator.recordLabel, { ...req, labelId: randomUUID() }), grpc.status.PERMISSION_DENIED);
      const bad = await expectStatus(unaryCall(engineer, engineer.recordLabel, { ...req, toMs: T0 - 1 }), grpc.status.INVALID_ARGUMENT);
      expect(bad.metadata.get(FIELD_TRAILER)).toEqual(['to_ms']);

      const found = await unaryCall(operator, operator.searchCatalog, { text: 'badge', pathPrefix: ent, limit: 0, pageToken: '' });
      expect(found.hits.map((x) => x.path)).toEqual([`${asset}.operator_badge`]);
      // In pages: one hit each, every entry once and in the order of one call, then no token.
      const all = (await unaryCall(operator, operator.searchCatalog, { text: '', pathPrefix: ent, limit: 0, pageToken: '' })).hits.map((x) => x.path);
      expect(all.length).toBeGreaterThanOrEqual(2);
      const paged: string[] = [];
      let pageToken = '';
      do {
        const page = await unaryCall(operator, operator.searchCatalog, { text: '', pathPrefix: ent, limit: 1, pageToken });
        expect(page.hits.length).toBe(1);
        paged.push(...page.hits.map((x) => x.path));
        pageToken = page.nextPageToken;
      } while (pageToken !== '' && paged.length <= all.length);
      expect(paged).toEqual(all);
      const badToken = await expectStatus(
        unaryCall(operator, operator.searchCatalog, { text: '', pathPrefix: ent, limit: 1, pageToken: 'not-a-token' }),
        grpc.status.INVALID_ARGUMENT,
      );
      expect(badToken.metadata.get(FIELD_TRAILER)).toEqual(['page_token']);
      const report = await unaryCall(operator, operator.getQualityReport, { assetPath: asset });
      expect(report.tags.map((t) => t.tag).sort()).toEqual(['operator_badge', 'torque']);
      expect(report.assets).toHaveLength(1);
    });
  });
});
