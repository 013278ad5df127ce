// dataops end to end against the real NATS JetStream and PostgreSQL: UNS batches into raw and
// refined layers, redelivery, quality issues in plant time, simulator ground truth as labels,
// deterministic snapshots, tamper detection, retention, query errors.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNatsBus, type Bus } from '@industrial/bus';
import { createKeySet, importKeySet } from '@industrial/access';
import type { EventStore } from '@industrial/eventstore';
import { createDataopsApp, DEFAULT_CONFIG, type DataopsApp } from '../src/app.ts';
import { loadSnapshot } from '../src/adapters/files/snapshot-files.ts';
import { NotFoundError, InvalidArgumentError, SnapshotIntegrityError } from '../src/domain/errors.ts';
import { NATS_URL, SOURCE, postgresStore, silentLogger, testEventStore, unsBatch, type StoreHarness } from './harness.ts';

const run = randomUUID().replaceAll('-', '').slice(0, 10);
const ENT = `t${run}`;
const ASSET = `${ENT}.plant1.milling.line-1.mill-1`;
const T0 = Date.parse('2025-03-05T10:00:00Z');
const USE_CASE = '0193a1b2-7c00-7a10-8b00-000000000001';

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('dataops on NATS + PostgreSQL', () => {
  let bus: Bus;
  let h: StoreHarness;
  let events: EventStore;
  let app: DataopsApp;
  let dir: string;
  const unsStream = `UNS_${run}`;
  const evtStream = `EVT_${run}`;

  beforeAll(async () => {
    bus = await connectNatsBus({ servers: NATS_URL, name: 'dataops-test' }).catch((e: unknown) => {
      throw new Error(`NATS is not reachable at ${NATS_URL}: these tests need it`, { cause: e });
    });
    h = await postgresStore(1000);
    events = await testEventStore();
    dir = mkdtempSync(join(tmpdir(), 'dataops-snap-'));
    const keySet = await importKeySet((await createKeySet({ now: new Date() })).keySet);
    app = createDataopsApp({
      store: events,
      data: h.store,
      bus,
      keySet,
      logger: silentLogger,
      config: {
        ...DEFAULT_CONFIG,
        // A test-private subject space: a plant stream on `uns.v1.>` may run on the shared server,
        // and JetStream refuses overlapping streams. Ingest reads the asset from the payload.
        uns: {
          stream: unsStream,
          subjects: [`${ENT}.uns.v1.>`],
          durable: 'dataops-historian',
          filterSubject: `${ENT}.uns.v1.>`,
          concurrency: 1,
          ensureStream: true,
        },
        events: { stream: evtStream, durable: 'dataops-events', filterSubject: `${ENT}.evt.>` },
        quality: { flatlineWindowMs: 5_000, expectedIntervalMs: 1_000, staleAfterIntervals: 1_000 },
        snapshotDir: dir,
        codeVersion: 'test-1',
      },
    });
    await app.start();
  });

  afterAll(async () => {
    await app?.stop();
    await bus?.deleteStream(unsStream).catch(() => false);
    await bus?.deleteStream(`${unsStream}_DLQ`).catch(() => false);
    await bus?.deleteStream(evtStream).catch(() => false);
    await bus?.deleteStream(`${evtStream}_DLQ`).catch(() => false);
    await bus?.close();
    await events?.close();
    await h?.cleanup();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const subject = `${ENT}.uns.v1.${ASSET}`;

  describe('when connectivity publishes UNS batches', () => {
    it('fills the raw and refined layers, and a redelivered batch adds no rows', async () => {
      const batches = [0, 1, 2].map((i) =>
        unsBatch(
          Array.from({ length: 10 }, (_, j) => ({ tag: 'torque', ts: T0 + i * 1000 + j * 100, value: 40 + j, unit: 'Nm' })),
          { assetPath: ASSET },
        ),
      );
      for (const b of batches) await bus.publish(subject, b, { msgId: b.batchId });
      await until('30 raw samples', async () => (await h.store.historian.counts()).raw === 30);
      const c = await h.store.historian.counts();
      expect(c.refined).toBe(3);
      // Redelivery past JetStream's duplicate window: same batch, no msgId → delivered again.
      await bus.publish(subject, batches[0] as object);
      const marker = unsBatch([{ tag: 'torque', ts: T0 + 5000, value: 1, unit: 'Nm' }], { assetPath: ASSET });
      await bus.publish(subject, marker, { msgId: marker.batchId });
      await until('the marker batch', async () => (await h.store.historian.counts()).batches === 4);
      expect((await h.store.historian.counts()).raw).toBe(31);
      const [series] = await app.queryTimeSeries({ assetPath: ASSET, tags: ['torque'], from: T0, to: T0 + 3000, intervalMs: 1000 });
      expect(series?.layer).toBe('refined');
      expect(series?.points.map((p) => p.value)).toEqual([44.5, 44.5, 44.5]);
    });
  });

  describe('when a sensor flatlines', () => {
    it('raises a flatline issue within the configured window (plant time) and clears it on recovery', async () => {
      const t = T0 + 60_000;
      for (let i = 0; i < 8; i++) {
        const b = unsBatch([{ tag: 'spindle_temp', ts: t + i * 1000, value: 310, unit: 'K' }], { assetPath: ASSET });
        await bus.publish(subject, b, { msgId: b.batchId });
      }
      const raised = await until('DataQualityIssueRaised', async () =>
        (await events.readStream(`quality-${SOURCE}`).catch(() => [])).find(
          (e) => e.type === 'DataQualityIssueRaised' && (e.data as { tag: string }).tag === 'spindle_temp',
        ),
      );
      const data = raised.data as { kind: string; detectedAt: string; assetPath: string };
      expect(data.kind).toBe('flatline');
      expect(data.assetPath).toBe(ASSET);
      expect(Date.parse(data.detectedAt)).toBe(t + 5000);
      expect(app.qualityReport({ assetPath: ASSET }).tags.find((x) => x.tag === 'spindle_temp')?.score).toBeLessThan(1);
      const recover = unsBatch([{ tag: 'spindle_temp', ts: t + 9000, value: 311.5, unit: 'K' }], { assetPath: ASSET });
      await bus.publish(subject, recover, { msgId: recover.batchId });
      const cleared = await until('DataQualityIssueCleared', async () =>
        (await events.readStream(`quality-${SOURCE}`)).find(
          (e) => e.type === 'DataQualityIssueCleared' && (e.data as { issueId: string }).issueId === (raised.data as { issueId: string }).issueId,
        ),
      );
      expect((cleared.data as { resolution: string }).resolution).toBe('recovered');
      expect(app.qualityReport({ assetPath: ASSET }).tags.find((x) => x.tag === 'spindle_temp')?.activeIssues).toEqual([]);
    });
  });

  describe('when the simulator labels a fault (FaultLabelled)', () => {
    it('records a label with who and why, once, even if the event is delivered twice', async () => {
      const faultId = randomUUID();
      const envelope = {
        id: randomUUID(),
        type: 'FaultLabelled',
        stream: `fault-${faultId}`,
        revision: 0,
        position: 1,
        data: {
          faultId,
          assetPath: ASSET,
          faultType: 'tool-wear',
          cause: 'injected',
          startedAt: new Date(T0 + 2000).toISOString(),
          failureAt: new Date(T0 + 4000).toISOString(),
          plantTime: new Date(T0 + 4000).toISOString(),
        },
        metadata: {
          actor: 'svc:simulator',
          role: 'service',
          correlationId: faultId,
          causationId: null,
          traceparent: null,
          schemaVersion: 1,
          recordedAt: new Date().toISOString(),
        },
        prevHash: '0'.repeat(64),
        hash: 'a'.repeat(64),
      };
      await bus.publish(`${ENT}.evt.simulator.FaultLabelled`, envelope);
      await bus.publish(`${ENT}.evt.simulator.FaultLabelled`, envelope);
      const labels = await until('the label', async () => {
        const l = await h.store.meta.listLabels({ assetPath: ASSET });
        return l.length > 0 ? l : null;
      });
      expect(labels).toHaveLength(1);
      expect(labels[0]).toMatchObject({ label: 'tool-wear', source: 'simulator', from: T0 + 2000, to: T0 + 4000 });
      const recorded = (await events.readStream(`label-${ASSET}`)).filter((e) => e.type === 'LabelRecorded');
      expect(recorded).toHaveLength(1);
      expect(recorded[0]?.metadata).toMatchObject({ actor: 'svc:dataops', causationId: envelope.id });
    });
  });

  describe('when an operator records an outcome or reports a missed failure (inference events)', () => {
    const envelope = (type: string, stream: string, data: Record<string, unknown>) => ({
      id: randomUUID(),
      type,
      stream,
      revision: 0,
      position: 1,
      data,
      metadata: {
        actor: 'olga',
        role: 'operator',
        correlationId: randomUUID(),
        causationId: null,
        traceparent: null,
        schemaVersion: 1,
        recordedAt: new Date().toISOString(),
      },
      prevHash: '0'.repeat(64),
      hash: 'b'.repeat(64),
    });
    const ASSET2 = `${ENT}.plant1.utilities.cooling-water.pump-7`;

    it('turns both into operator labels (once each), and skips an outcome without a label class', async () => {
      const recommendationId = randomUUID();
      const problemId = randomUUID();
      const context = {
        useCaseId: USE_CASE,
        assetPath: ASSET2,
        modelVersionId: randomUUID(),
        source: 'model',
        featureWindow: { from: new Date(T0).toISOString(), to: new Date(T0 + 3_600_000).toISOString() },
        explanation: [{ feature: 'bearing_temp_mean', contribution: 0.4 }],
        traceId: null,
      };
      const outcome = envelope('OutcomeRecorded', `recommendation-${recommendationId}`, {
        recommendationId,
        outcome: 'event-prevented',
        observedAt: new Date(T0 + 4_000_000).toISOString(),
        costImpact: null,
        note: 'worn outer race',
        label: 'bearing_failure',
        context,
      });
      const unlabelled = envelope('OutcomeRecorded', `recommendation-${randomUUID()}`, {
        ...outcome.data,
        recommendationId: randomUUID(),
        outcome: 'unknown',
        label: null,
      });
      const problem = envelope('ProblemReported', `asset-${ASSET2}`, {
        problemId,
        assetPath: ASSET2,
        description: 'seized, no prompt was shown',
        severity: 'stop',
        observedAt: new Date(T0 + 9_000_000).toISOString(),
        relatedRecommendationId: null,
        useCaseId: USE_CASE,
        missedFailure: true,
        label: 'bearing_failure',
        labelWindow: { from: new Date(T0 + 8_000_000).toISOString(), to: new Date(T0 + 9_000_000).toISOString() },
      });
      for (const e of [outcome, outcome, unlabelled, problem]) await bus.publish(`${ENT}.evt.inference.${e.type}`, e);
      const labels = await until('two labels', async () => {
        const l = await h.store.meta.listLabels({ assetPath: ASSET2 });
        return l.length >= 2 ? l : null;
      });
      expect(
        labels.map((l) => ({ label: l.label, source: l.source, from: l.from, to: l.to, confidence: l.confidence })).sort((a, b) => a.from - b.from),
      ).toEqual([
        // the window the model saw, up to when the operator observed the worn bearing
        { label: 'bearing_failure', source: 'operator', from: T0, to: T0 + 4_000_000, confidence: 0.8 },
        { label: 'bearing_failure', source: 'operator', from: T0 + 8_000_000, to: T0 + 9_000_000, confidence: 0.8 },
      ]);
      const recorded = (await events.readStream(`label-${ASSET2}`)).filter((e) => e.type === 'LabelRecorded');
      expect(recorded).toHaveLength(2);
      expect(recorded.map((e) => e.metadata.causationId).sort()).toEqual([outcome.id, problem.id].sort());
      expect((recorded.find((e) => e.metadata.causationId === problem.id)!.data as { note: string }).note).toMatch(/^missed failure reported \(stop\)/);
    });
  });

  describe('when a snapshot is built from the historian twice with the same inputs', () => {
    it('gets the same content hash, and a modified file is refused', async () => {
      const input = {
        datasetId: randomUUID(),
        useCaseId: USE_CASE,
        source: {
          kind: 'historian' as const,
          assetPaths: [ASSET],
          tags: ['torque'],
          from: new Date(T0).toISOString(),
          to: new Date(T0 + 6000).toISOString(),
          intervalMs: 1000,
        },
        split: { kind: 'chronological' as const, by: 'time', train: 0.5, validation: 0.25 },
      };
      const a = await app.createSnapshot(input, { subject: 'alice', role: 'engineer' });
      const b = await app.createSnapshot(input, { subject: 'bob', role: 'engineer' });
      expect(b.contentHash).toBe(a.contentHash);
      const loaded = await app.getSnapshot(a.snapshotId);
      expect(loaded.rowCount).toBe(6);
      expect(Array.from(loaded.columns.torque as Float64Array).slice(0, 3)).toEqual([44.5, 44.5, 44.5]);
      expect(Number.isNaN((loaded.columns.torque as Float64Array)[3])).toBe(true); // a gap stays a gap
      expect(loaded.columns.label).toEqual(['normal', 'normal', 'tool-wear', 'tool-wear', 'normal', 'normal']);
      expect(loaded.splits.train).toEqual({ start: 0, end: 3 });
      const ev = (await events.readStream(`dataset-${input.datasetId}`)).filter((e) => e.type === 'DatasetSnapshotCreated');
      expect(ev).toHaveLength(1);
      expect((ev[0]?.data as { contentHash: string }).contentHash).toBe(a.contentHash);

      const file = join(dir, a.file);
      const bytes = readFileSync(file);
      bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0xff;
      writeFileSync(file, bytes);
      expect(() => loadSnapshot(a.snapshotId, { dir })).toThrow(SnapshotIntegrityError);
      await expect(app.getSnapshot(a.snapshotId)).rejects.toThrow(/was modified/);
    });
  });

  describe('when a query is malformed', () => {
    it('refuses an inverted range (INVALID_ARGUMENT) and names an unknown tag (NOT_FOUND)', async () => {
      await expect(app.queryTimeSeries({ assetPath: ASSET, tags: ['torque'], from: T0 + 10, to: T0 })).rejects.toThrow(InvalidArgumentError);
      await expect(app.queryTimeSeries({ assetPath: ASSET, tags: ['torque', 'nope'], from: T0, to: T0 + 10 })).rejects.toThrow(NotFoundError);
      await expect(app.queryTimeSeries({ assetPath: ASSET, tags: ['nope'], from: T0, to: T0 + 10 })).rejects.toThrow(/nope/);
    });
  });

  describe('when raw data passes the retention window', () => {
    it('drops raw samples and keeps their rollup', async () => {
      const before = await h.store.historian.counts();
      const r = await app.applyRetention(T0 + 30_000);
      expect(r.rawDeleted).toBe(31);
      expect((await h.store.historian.counts()).raw).toBe(before.raw - 31);
      const [s] = await app.queryTimeSeries({ assetPath: ASSET, tags: ['torque'], from: T0, to: T0 + 60_000, intervalMs: 60_000, aggregation: 'count' });
      expect(s?.points[0]).toMatchObject({ value: 31, gap: false });
    });
  });
});
