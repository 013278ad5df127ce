// The data-quality event flood, reproduced through the app (SQLite historian, contract-checked
// event store): UNS batches as connectivity publishes them at ×10 plant speed — one batch per
// 250 ms publishing interval = 2.5 s of plant time, samples 0.3 s apart inside, tags left out when
// unchanged (OPC UA reports by exception). Healthy data records no issue event; a real outage is
// one issue per tag, raised and cleared once; gaps stay in the quality report.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcBus } from '@industrial/bus';
import { createKeySet, importKeySet } from '@industrial/access';
import type { EventStore } from '@industrial/eventstore';
import { createDataopsApp, DEFAULT_CONFIG, type DataopsApp } from '../src/app.ts';
import { SOURCE, silentLogger, sqliteStore, testEventStore, unsBatch, type SampleSpec, type StoreHarness } from './harness.ts';

const T0 = Date.parse('2025-03-05T10:00:00Z');
const BATCH_MS = 2500;
const PER_MINUTE = 60_000 / BATCH_MS;
const PUMPS = ['acme.plant1.utilities.line-1.pump-1', 'acme.plant1.utilities.line-1.pump-2'] as const;
const TAGS = ['flow', 'discharge_pressure', 'bearing_temperature', 'vibration_rms', 'motor_current', 'speed'];
const engineer = { subject: 'svc:connectivity', role: 'service' };

describe('data quality on bursty, report-by-exception UNS data (SQLite)', () => {
  let h: StoreHarness;
  let events: EventStore;
  let app: DataopsApp;
  let dir: string;

  beforeAll(async () => {
    h = await sqliteStore();
    events = await testEventStore();
    dir = mkdtempSync(join(tmpdir(), 'dataops-quality-'));
    app = createDataopsApp({
      store: events,
      data: h.store,
      bus: createInProcBus(),
      keySet: await importKeySet((await createKeySet({ now: new Date() })).keySet),
      logger: silentLogger,
      config: { ...DEFAULT_CONFIG, snapshotDir: dir },
    });
    // As TagMapped declares them: OPC UA sampling 250 ms (wall), range known.
    for (const assetPath of PUMPS) {
      for (const tag of TAGS) await app.upsertTagMetadata({ assetPath, tag, samplingIntervalMs: 250, range: { low: 0, high: 5000 } }, engineer);
    }
  });
  afterAll(async () => {
    await events?.close();
    await h?.cleanup();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** One batch of `assetPath` for publishing interval `b`; `send(tag)` false = unchanged, not reported. */
  async function publish(assetPath: string, b: number, send: (tag: string) => boolean = () => true): Promise<void> {
    const start = T0 + b * BATCH_MS;
    const samples: SampleSpec[] = TAGS.filter(send).flatMap((tag, k) =>
      Array.from({ length: 8 }, (_, j) => ({ tag, ts: start + j * 300, value: 100 + k + 0.01 * (((b * 8 + j) * 7919) % 97) })),
    );
    if (samples.length > 0) await app.ingestBatch(unsBatch(samples, { assetPath, plantTime: start + BATCH_MS }));
  }

  const issues = async () => (await events.readStream(`quality-${SOURCE}`).catch(() => [])).filter((e) => e.type.startsWith('DataQualityIssue'));

  it('records no issue for healthy bursty data, nor for tags silent because unchanged', async () => {
    for (let b = 0; b < 8 * PER_MINUTE; b++) {
      await publish(PUMPS[0], b);
      // pump-2: speed changes once a minute, flow every third interval, bearing temperature never after the first.
      await publish(PUMPS[1], b, (tag) =>
        tag === 'speed' ? b % PER_MINUTE === 0 : tag === 'flow' ? b % 3 === 0 : tag === 'bearing_temperature' ? b === 0 : true,
      );
    }
    expect(await issues()).toEqual([]);
    const report = app.qualityReport();
    expect(report.tags).toHaveLength(12);
    for (const t of report.tags) {
      expect(t.activeIssues).toEqual([]);
      expect(t.gaps.count).toBe(0);
      expect(t.score).toBe(1);
    }
  });

  it('records one stale issue per tag of an asset that stops sending, and clears each once', async () => {
    const from = 8 * PER_MINUTE;
    for (let b = from; b < from + 10 * PER_MINUTE; b++) {
      await publish(PUMPS[1], b);
      // pump-1 is silent for 3 minutes, then back (bursty, some tags unchanged at times).
      if (b < from + PER_MINUTE || b >= from + 4 * PER_MINUTE) await publish(PUMPS[0], b, (tag) => tag !== 'speed' || b % 4 === 0);
    }
    const ev = await issues();
    const raised = ev
      .filter((e) => e.type === 'DataQualityIssueRaised')
      .map((e) => e.data as { tag: string; assetPath: string; kind: string; severity: string; issueId: string });
    const cleared = ev.filter((e) => e.type === 'DataQualityIssueCleared').map((e) => e.data as { issueId: string });
    expect(raised.map((r) => `${r.assetPath}/${r.tag}:${r.kind}:${r.severity}`).sort()).toEqual(TAGS.map((t) => `${PUMPS[0]}/${t}:stale:critical`).sort());
    expect(cleared.map((c) => c.issueId).sort()).toEqual(raised.map((r) => r.issueId).sort());
    const report = app.qualityReport({ assetPath: PUMPS[0] });
    for (const t of report.tags) {
      expect(t.activeIssues).toEqual([]);
      // The outage stays visible in the report and the score (info), not as more events.
      expect(t.gaps.count).toBe(1);
      expect(t.gaps.recent[0]?.detail).toMatch(/the asset sent nothing for 3\.0 min/);
      expect(t.score).toBeLessThan(1);
    }
    expect(app.qualityReport({ assetPath: PUMPS[1] }).tags.every((t) => t.score === 1)).toBe(true);
  });
});
