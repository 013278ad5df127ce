// Bad input never ends dataops: ImportCsv answers every order of messages with a status (a bad row
// followed by more chunks, a second header later or at once, a chunk first, a header alone, an empty
// stream — each used to end the process with an unhandled ERR_STREAM_PREMATURE_CLOSE or hang to the
// deadline), imports nothing, and leaves no error behind; size limits answer RESOURCE_EXHAUSTED
// naming the limit; an int64 beyond 2^53 is INVALID_ARGUMENT naming the field; a missing snapshot
// file is NOT_FOUND without the server's directory in the message; free text (a label's note, an
// import's name and description, tag metadata) refuses control and bidirectional-override characters.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { FIELD_TRAILER, dataopsV1, unaryCall } from '@industrial/grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, snapshotOfImport, startGrpcHarness, type GrpcHarness } from './grpc-harness.ts';
import { sqliteStore } from './harness.ts';

const ROWS = Array.from({ length: 20 }, (_, i) => `${i + 1},${i}`);
const CSV = ['cycle,pressure', ...ROWS].join('\n') + '\n';
const MAPPING = { format: 'wide', delimiter: ',', header: true, order: { column: 'cycle' }, fields: [{ column: 'pressure', name: 'pressure' }] };

function importCsv(client: dataopsV1.DataOpsServiceClient, messages: dataopsV1.ImportCsvRequest[]): Promise<dataopsV1.ImportCsvResponse> {
  return new Promise((resolve, reject) => {
    const call = client.importCsv((e, r) => (e !== null ? reject(e) : resolve(r)));
    for (const m of messages) call.write(m);
    call.end();
  });
}
const header = (datasetId = ''): dataopsV1.ImportCsvRequest => ({
  header: { name: 'x.csv', mappingJson: JSON.stringify(MAPPING), datasetId, accessLevel: '', description: '' },
  chunk: undefined,
});
const chunk = (text: string): dataopsV1.ImportCsvRequest => ({ header: undefined, chunk: Buffer.from(text) });
const moreRows = Array.from({ length: 50 }, () => chunk(`${ROWS.join('\n')}\n`));
/** Rows numbered from..from+n-1, in order (cycle is the order column). */
const rowsFrom = (from: number, n: number): string => Array.from({ length: n }, (_, i) => `${from + i},${i % 7}\n`).join('');

describe('DataOpsService hardening (SQLite)', () => {
  let g: GrpcHarness;
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown): void => void uncaught.push(e);

  beforeAll(async () => {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    g = await startGrpcHarness(sqliteStore, { importLimits: { maxBytes: 64 * 1024, maxRows: 500 } });
  });
  afterAll(async () => {
    await g?.close();
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  });

  it.each<[string, () => dataopsV1.ImportCsvRequest[], RegExp, string | null]>([
    ['a bad row followed by more chunks', () => [header(), chunk('cycle,pressure\n1,abc\n'), ...moreRows], /row 2, column "pressure"/, 'pressure'],
    ['a second header after chunks', () => [header(), chunk(CSV), header(), chunk(CSV)], /only the first message carries the header.*\(message 2\)/, 'header'],
    ['two headers at once', () => [header(), header(), chunk(CSV)], /\(message 1\)/, 'header'],
    ['a chunk first', () => [chunk(CSV), header()], /first message must carry the header.*\(message 0\)/, 'header'],
    ['a header alone', () => [header()], /the file is empty/, null],
    ['an empty stream', () => [], /the stream is empty/, 'header'],
  ])('answers %s with INVALID_ARGUMENT, imports nothing, and leaves no error behind', async (_what, messages, details, field) => {
    uncaught.length = 0;
    const engineer = await g.client('engineer');
    const datasetId = randomUUID();
    const withDataset = messages().map((m) => (m.header === undefined ? m : header(datasetId)));
    const e = await expectStatus(importCsv(engineer, withDataset), grpc.status.INVALID_ARGUMENT);
    expect(e.details).toMatch(details);
    if (field !== null) expect(e.metadata.get(FIELD_TRAILER)).toEqual([field]);
    expect(await g.h.store.meta.getDataset(datasetId)).toBeNull();
    await new Promise((r) => setTimeout(r, 200)); // the call stream closes after the answer
    expect(uncaught).toEqual([]);
  });

  it('still imports after all of that', async () => {
    const engineer = await g.client('engineer');
    await expect(importCsv(engineer, [header(), chunk(CSV.slice(0, 30)), chunk(CSV.slice(30))])).resolves.toMatchObject({ rowCount: 20, chunks: 2 });
  });

  it('answers RESOURCE_EXHAUSTED naming the limit past the bytes or the rows allowed, and imports nothing', async () => {
    const engineer = await g.client('engineer');
    const big = rowsFrom(1, 400).padEnd(70_000, '\n'); // 400 rows, then empty lines to 70 KB
    const datasetId = randomUUID();
    const bytes = await expectStatus(importCsv(engineer, [header(datasetId), chunk('cycle,pressure\n'), chunk(big)]), grpc.status.RESOURCE_EXHAUSTED);
    expect(bytes.details).toMatch(/limit of 65536 bytes \(DATAOPS_IMPORT_MAX_BYTES\)/);
    const rows = await expectStatus(
      importCsv(engineer, [header(datasetId), chunk('cycle,pressure\n'), ...Array.from({ length: 30 }, (_, i) => chunk(rowsFrom(1 + i * 20, 20)))]),
      grpc.status.RESOURCE_EXHAUSTED,
    );
    expect(rows.details).toMatch(/limit of 500 data rows \(DATAOPS_IMPORT_MAX_ROWS\)/);
    expect(await g.h.store.meta.getDataset(datasetId)).toBeNull();
    expect(uncaught).toEqual([]);
  });

  it('answers INVALID_ARGUMENT naming an int64 field beyond 2^53 (was INTERNAL)', async () => {
    const operator = await g.client('operator');
    const e = await expectStatus(
      unaryCall(operator, operator.queryTimeSeries, {
        assetPath: 'acme.plant1.milling.line-1.mill-1',
        tags: ['torque'],
        fromMs: 0,
        toMs: 2 ** 62,
        intervalMs: 0,
        aggregation: dataopsV1.Aggregation.AGGREGATION_UNSPECIFIED,
      }),
      grpc.status.INVALID_ARGUMENT,
    );
    expect(e.metadata.get(FIELD_TRAILER)).toEqual(['to_ms']);
  });

  it('answers NOT_FOUND for a snapshot whose file is gone without naming the server directory', async () => {
    const engineer = await g.client('engineer');
    const datasetId = randomUUID();
    const imp = await importCsv(engineer, [header(datasetId), chunk(CSV)]);
    const created = await unaryCall(
      engineer,
      engineer.createDatasetSnapshot,
      snapshotOfImport(datasetId, '0193a1b2-7c00-7a10-8b00-000000000001', imp.importId),
    );
    const id = created.snapshot!.snapshotId;
    const dir = new URL(created.snapshot!.location).pathname.replace(/\/[^/]+$/, '');
    rmSync(join(dir, `${id}.manifest.json`));
    const e = await expectStatus(unaryCall(engineer, engineer.getDatasetSnapshot, { snapshotId: id }), grpc.status.NOT_FOUND);
    expect(e.details).toContain(`${id}.manifest.json`);
    expect(e.details).not.toContain(dir);
  });

  it.each<[string, string, boolean]>([
    ['a NUL', 'bearing \u0000 worn', false],
    ['a right-to-left override', 'ok \u202e)kcab(', false],
    ['an isolate', 'a \u2066b\u2069', false],
    ['line feeds and tabs', 'line 1\n\tline 2', true],
  ])('refuses a label note with %s at the edge, naming the field (or takes it when it is fine)', async (_what, note, ok) => {
    const engineer = await g.client('engineer');
    const labelId = randomUUID();
    const call = unaryCall(engineer, engineer.recordLabel, {
      assetPath: 'acme.plant1.milling.line-1.mill-1',
      label: 'bearing-wear',
      fromMs: 1000,
      toMs: 2000,
      source: 'engineer',
      confidence: 0,
      useCaseId: '',
      note,
      labelId,
    });
    if (ok) return void (await expect(call).resolves.toBeDefined());
    const e = await expectStatus(call, grpc.status.INVALID_ARGUMENT);
    expect(e.metadata.get(FIELD_TRAILER)).toEqual(['note']);
    expect(e.details).toMatch(/^note: must not contain a (control|bidirectional override) character: U\+[0-9A-F]{4} at position \d+/);
    const stored = await g.events.readAll({ fromPosition: 1 });
    expect(stored.some((ev) => JSON.stringify(ev.data).includes(labelId))).toBe(false);
  });

  it('refuses control and override characters in an import name and description, and in tag metadata', async () => {
    const engineer = await g.client('engineer');
    const named = (name: string, description = ''): dataopsV1.ImportCsvRequest => ({
      header: { name, mappingJson: JSON.stringify(MAPPING), datasetId: '', accessLevel: '', description },
      chunk: undefined,
    });
    const a = await expectStatus(importCsv(engineer, [named('evil\u202egpj.csv'), chunk(CSV)]), grpc.status.INVALID_ARGUMENT);
    expect(a.metadata.get(FIELD_TRAILER)).toEqual(['header.name']);
    const b = await expectStatus(importCsv(engineer, [named('x.csv', 'bell \u0007'), chunk(CSV)]), grpc.status.INVALID_ARGUMENT);
    expect(b.metadata.get(FIELD_TRAILER)).toEqual(['header.description']);
    await expect(importCsv(engineer, [named('x.csv', 'two\nlines'), chunk(CSV)])).resolves.toMatchObject({ rowCount: 20 });
    const c = await expectStatus(
      unaryCall(engineer, engineer.upsertTagMetadata, {
        tag: {
          assetPath: 'acme.plant1.milling.line-1.mill-1',
          tag: 'torque',
          description: '',
          unit: '',
          dataType: '',
          source: '',
          owner: 'alice\u0000',
          accessLevel: '',
          samplingIntervalMs: 0,
          rangeLow: undefined,
          rangeHigh: undefined,
          aggregation: dataopsV1.Aggregation.AGGREGATION_UNSPECIFIED,
        },
      }),
      grpc.status.INVALID_ARGUMENT,
    );
    expect(c.metadata.get(FIELD_TRAILER)).toEqual(['tag.owner']);
  });
});
