// Historical CSV import into snapshots: the AI4I 2020 file (read from ../shared, never copied)
// and a whitespace-separated, headerless run-to-failure log with a group column.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcBus } from '@industrial/bus';
import { createKeySet, importKeySet } from '@industrial/access';
import type { EventStore } from '@industrial/eventstore';
import { createDataopsApp, DEFAULT_CONFIG, type DataopsApp } from '../src/app.ts';
import { loadSnapshot } from '../src/adapters/files/snapshot-files.ts';
import { AI4I_COLUMNS, AI4I_FEATURES, AI4I_TYPE_ORDINAL, ai4iFeatures, computeFeatureMatrix, inputsOf } from '@industrial/ml';
import { postgresStore, silentLogger, testEventStore, type StoreHarness } from './harness.ts';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const AI4I = resolve(repoRoot, '../shared/datasets/ai4i2020/ai4i2020.csv');
const USE_CASE = '0193a1b2-7c00-7a10-8b00-000000000001';
const engineer = { subject: 'erin@plant1', role: 'engineer' };

const ai4iMapping = {
  format: 'wide',
  delimiter: ',',
  header: true,
  order: { column: 'UDI' },
  fields: [
    { column: 'Product ID', name: 'product_id', type: 'utf8', role: 'context' },
    { column: 'Type', name: 'type', type: 'utf8', role: 'context' },
    { column: 'Air temperature [K]' },
    { column: 'Process temperature [K]' },
    { column: 'Rotational speed [rpm]', type: 'int32' },
    { column: 'Torque [Nm]' },
    { column: 'Tool wear [min]', type: 'int32' },
    { column: 'Machine failure', name: 'machine_failure', type: 'int32', role: 'label' },
    ...['TWF', 'HDF', 'PWF', 'OSF', 'RNF'].map((c) => ({ column: c, name: c.toLowerCase(), type: 'int32', role: 'label' })),
  ],
};

describe('historical CSV import (PostgreSQL)', () => {
  let h: StoreHarness;
  let events: EventStore;
  let app: DataopsApp;
  let dir: string;

  beforeAll(async () => {
    h = await postgresStore();
    events = await testEventStore();
    dir = mkdtempSync(join(tmpdir(), 'dataops-import-'));
    app = createDataopsApp({
      store: events,
      data: h.store,
      bus: createInProcBus(),
      keySet: await importKeySet((await createKeySet({ now: new Date() })).keySet),
      logger: silentLogger,
      config: { ...DEFAULT_CONFIG, snapshotDir: dir, codeVersion: 'test-1' },
    });
  });
  afterAll(async () => {
    await events?.close();
    await h?.cleanup();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  describe('when the AI4I 2020 file is imported and snapshotted', () => {
    it('has 10,000 rows with the right types, units, labels and a chronological split by UDI', async () => {
      const progress: number[] = [];
      const imp = await app.importCsv({ name: 'ai4i2020.csv', path: AI4I, mapping: ai4iMapping, onProgress: (p) => progress.push(p.records) }, engineer);
      expect(imp.rowCount).toBe(10_000);
      expect(imp.fileSha256).toBe('dc6630cd9b1f0f853922fad78a1b6436570d3f1ec863f1dd5c4340ac56bc8a8e');
      expect(progress.at(-1)).toBe(10_000);
      const datasetId = randomUUID();
      const m = await app.createSnapshot(
        {
          datasetId,
          useCaseId: USE_CASE,
          source: { kind: 'import', importId: imp.importId },
          split: { kind: 'chronological', by: 'udi', train: 0.7, validation: 0.15 },
          assetPath: 'acme.plant1.milling.line-1.mill-1',
        },
        engineer,
      );
      const s = loadSnapshot(m.snapshotId, { dir });
      expect(s.rowCount).toBe(10_000);
      const types = Object.fromEntries(s.schema.map((c) => [c.name, c.type]));
      expect(types).toMatchObject({
        udi: 'int32',
        product_id: 'utf8',
        type: 'utf8',
        air_temperature_k: 'float64',
        process_temperature_k: 'float64',
        rotational_speed_rpm: 'int32',
        torque_nm: 'float64',
        tool_wear_min: 'int32',
        machine_failure: 'int32',
      });
      expect(s.schema.find((c) => c.name === 'air_temperature_k')).toMatchObject({ unit: 'K', source: 'Air temperature [K]' });
      expect(s.schema.find((c) => c.name === 'torque_nm')?.unit).toBe('Nm');
      expect(s.columns.udi).toBeInstanceOf(Int32Array);
      expect(s.columns.air_temperature_k).toBeInstanceOf(Float64Array);
      expect((s.columns.air_temperature_k as Float64Array)[0]).toBe(298.1);
      expect(s.columns.product_id?.[0]).toBe('M14860');
      expect((s.columns.machine_failure as Int32Array).reduce((a, b) => a + b, 0)).toBe(339);
      expect(s.splits).toMatchObject({
        kind: 'chronological',
        train: { start: 0, end: 7000 },
        validation: { start: 7000, end: 8500 },
        test: { start: 8500, end: 10_000 },
        boundaries: { validationFrom: 7001, testFrom: 8501 },
      });
      expect(s.lineage.source).toMatchObject({ kind: 'import', fileSha256: 'dc6630cd9b1f0f853922fad78a1b6436570d3f1ec863f1dd5c4340ac56bc8a8e' });
      // Same inputs → same hash: a second import of the same file and mapping is a new import, but the same content.
      const imp2 = await app.importCsv({ name: 'ai4i2020.csv', path: AI4I, mapping: ai4iMapping }, engineer);
      const m2 = await app.createSnapshot(
        {
          datasetId,
          useCaseId: USE_CASE,
          source: { kind: 'import', importId: imp2.importId },
          split: { kind: 'chronological', by: 'udi', train: 0.7, validation: 0.15 },
          assetPath: 'acme.plant1.milling.line-1.mill-1',
        },
        engineer,
      );
      expect(m2.contentHash).toBe(m.contentHash);
      expect(m2.snapshotId).toBe(m.snapshotId);
      const ev = (await events.readStream(`dataset-${datasetId}`)).filter((e) => e.type === 'DatasetSnapshotCreated');
      expect((ev[0]?.data as { rowCount: number; format: string }).rowCount).toBe(10_000);
    });
  });

  describe('when @industrial/ml computes the AI4I features on the snapshot', () => {
    it('finds every column it reads under its own names, and computes power, ΔT and wear × torque', async () => {
      const imp = await app.importCsv({ name: 'ai4i2020.csv', path: AI4I, mapping: ai4iMapping }, engineer);
      const m = await app.createSnapshot(
        {
          datasetId: randomUUID(),
          useCaseId: USE_CASE,
          source: { kind: 'import', importId: imp.importId },
          split: { kind: 'chronological', by: 'udi', train: 0.8, validation: 0.1 },
        },
        engineer,
      );
      const s = loadSnapshot(m.snapshotId, { dir });
      const names = s.schema.map((c) => c.name);
      for (const col of Object.values(AI4I_COLUMNS)) expect(names).toContain(col);
      // ml's feature module, unchanged: raw inputs row-major (type as its ordinal), then its expressions.
      const inputs = inputsOf(AI4I_FEATURES);
      const n = s.rowCount;
      const raw = new Float64Array(n * inputs.length);
      inputs.forEach((name, j) => {
        const col = s.columns[name];
        if (col === undefined) throw new Error(`snapshot has no column ${name}`);
        for (let i = 0; i < n; i++) {
          const v = col[i];
          raw[i * inputs.length + j] = typeof v === 'string' ? (AI4I_TYPE_ORDINAL[v] ?? Number.NaN) : Number(v);
        }
      });
      const x = computeFeatureMatrix(inputs, AI4I_FEATURES, raw, n);
      expect(x.length).toBe(n * AI4I_FEATURES.length);
      expect(x.every(Number.isFinite)).toBe(true);
      const at = (feature: { name: string }, row: number) => x[row * AI4I_FEATURES.length + AI4I_FEATURES.findIndex((f) => f.name === feature.name)] as number;
      // Row UDI 1: M14860, 298.1 K / 308.6 K, 1551 rpm, 42.8 Nm, 0 min.
      expect(at(ai4iFeatures.type, 0)).toBe(1);
      expect(at(ai4iFeatures.power, 0)).toBeCloseTo((42.8 * 1551 * 2 * Math.PI) / 60, 0);
      expect(at(ai4iFeatures.temperatureDifference, 0)).toBeCloseTo(10.5, 3);
      expect(at(ai4iFeatures.wearTorque, 0)).toBe(0);
    });
  });

  describe('when a whitespace-separated, headerless run-to-failure log is imported', () => {
    it('uses the supplied column names, the cycle as order and the unit as group', async () => {
      const settings = ['setting_1', 'setting_2', 'setting_3'];
      const sensors = Array.from({ length: 21 }, (_, i) => `s_${i + 1}`);
      const names = ['unit', 'cycle', ...settings, ...sensors];
      const lines: string[] = [];
      for (let unit = 1; unit <= 6; unit++) {
        for (let cycle = 1; cycle <= 5 + unit; cycle++) {
          const vals = [
            ...settings.map((_, i) => (0.001 * (i + 1) * cycle).toFixed(4)),
            ...sensors.map((_, i) => (500 + i + unit * 0.1 + cycle * 0.01).toFixed(2)),
          ];
          lines.push(`${unit} ${cycle}  ${vals.join(' ')}  `);
        }
      }
      const file = join(dir, 'train_FD001.txt');
      writeFileSync(file, `${lines.join('\n')}\n`);
      const imp = await app.importCsv(
        {
          name: 'train_FD001.txt',
          path: file,
          mapping: {
            format: 'wide',
            delimiter: 'whitespace',
            header: false,
            columnNames: names,
            order: { column: 'cycle' },
            group: { column: 'unit', type: 'int32' },
            fields: [...settings, ...sensors].map((c) => ({ column: c })),
          },
        },
        engineer,
      );
      expect(imp.rowCount).toBe(lines.length);
      expect(imp.columns.map((c) => c.name).slice(0, 4)).toEqual(['unit', 'cycle', 'setting_1', 'setting_2']);
      const m = await app.createSnapshot(
        {
          datasetId: randomUUID(),
          useCaseId: USE_CASE,
          source: { kind: 'import', importId: imp.importId },
          split: { kind: 'group', by: 'unit', orderBy: 'cycle', train: 0.5, validation: 0.2 },
          format: 'csv',
          assetPath: 'acme.plant1.engines.line-1.fleet',
        },
        engineer,
      );
      const s = loadSnapshot(join(dir, m.file));
      expect(s.format).toBe('csv');
      expect(s.schema).toHaveLength(26);
      const g = s.splits.groups as { train: string[]; validation: string[]; test: string[] };
      expect([...g.train, ...g.validation, ...g.test].sort()).toEqual(['1', '2', '3', '4', '5', '6']);
      const unit = s.columns.unit as Int32Array;
      const trainUnits = new Set(Array.from(unit.subarray(s.splits.train.start, s.splits.train.end), String));
      const testUnits = new Set(Array.from(unit.subarray(s.splits.test.start, s.splits.test.end), String));
      expect([...trainUnits].sort()).toEqual([...g.train].sort());
      expect([...trainUnits].some((u) => testUnits.has(u))).toBe(false);
      expect((s.columns.s_1 as Float64Array)[0]).toBeGreaterThan(500);
    });
  });
});
