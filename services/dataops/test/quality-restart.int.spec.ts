// Data-quality issues across a restart, on both stores: issues are raised, the app is stopped and
// its store closed, a new app instance starts on the same stores (the same event store, the
// dataops store reopened). A tag that stays bad raises nothing again; a tag that recovers clears
// the recorded issue under its original id; the quality report after the restart shows the open
// issues. One issue is appended "by a crashed process" (event stored, read model not updated):
// the restart folds it in from the event store.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcBus } from '@industrial/bus';
import { createKeySet, importKeySet, type KeySet } from '@industrial/access';
import type { EventStore } from '@industrial/eventstore';
import { createDataopsApp, DEFAULT_CONFIG, type DataopsApp } from '../src/app.ts';
import { uuidFromKey } from '@industrial/contracts/ids';
import { openPostgresDataopsStore } from '../src/adapters/historian/postgres.ts';
import { openSqliteDataopsStore } from '../src/adapters/historian/sqlite.ts';
import { qualityIssueKey } from '../src/domain/quality-issues.ts';
import type { DataopsStore } from '../src/ports.ts';
import { PG_URL, SOURCE, silentLogger, testEventStore, unsBatch, type SampleSpec } from './harness.ts';

const T0 = Date.parse('2025-03-05T10:00:00Z');
const MILL = 'acme.plant1.milling.line-1.mill-7';
const PUMP = 'acme.plant1.utilities.line-1.pump-7';
const engineer = { subject: 'svc:connectivity', role: 'service' };

interface Reopenable {
  open(): Promise<DataopsStore>;
  cleanup(): Promise<void>;
}

function sqliteStores(): Reopenable {
  const dir = mkdtempSync(join(tmpdir(), 'dataops-restart-'));
  return {
    open: () => openSqliteDataopsStore({ path: join(dir, 'dataops.db'), refinedIntervalMs: 1000 }),
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresStores(): Reopenable {
  const schema = `dataops_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  return {
    open: () => openPostgresDataopsStore({ connectionString: PG_URL, schema, refinedIntervalMs: 1000 }),
    async cleanup() {
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}

type Raised = { issueId: string; assetPath: string; tag: string; kind: string; detectedAt: string };

for (const [name, stores] of [
  ['node:sqlite', sqliteStores],
  ['postgres', postgresStores],
] as const) {
  describe(`data-quality issues across a restart (${name})`, () => {
    let backing: Reopenable;
    let events: EventStore;
    let keySet: KeySet;
    let data: DataopsStore | null = null;
    let app: DataopsApp | null = null;
    let dir: string;

    async function startApp(): Promise<DataopsApp> {
      data = await backing.open();
      app = createDataopsApp({
        store: events,
        data,
        bus: createInProcBus(),
        keySet,
        logger: silentLogger,
        config: {
          ...DEFAULT_CONFIG,
          uns: { ...DEFAULT_CONFIG.uns, stream: `UNS_${randomUUID().slice(0, 8)}` },
          events: null,
          // Window max(10 × 1 s, 20 s); flatline after 10 s unchanged; no spike rule in the way.
          quality: { minWindowMs: 20_000, flatlineWindowMs: 10_000, spikeDelta: 1e9 },
          snapshotDir: dir,
        },
      });
      await app.start();
      return app;
    }

    async function stopApp(): Promise<void> {
      await app?.stop();
      await data?.close();
      app = null;
      data = null;
    }

    /** One second of plant time: the mill (temp, pressure, level) every second, the pump (flow) while `pump` is true. */
    async function second(a: DataopsApp, b: number, v: { temp: number; pressure: (b: number) => number; level: number; pump: boolean }): Promise<void> {
      const ts = T0 + b * 1000;
      const mill: SampleSpec[] = [
        // temp and level move a little (not flat); pressure as the case needs.
        { tag: 'temp', ts, value: v.temp + (b % 3) * 0.1 },
        { tag: 'pressure', ts, value: v.pressure(b) },
        { tag: 'level', ts, value: v.level + (b % 2) * 0.1 },
      ];
      await a.ingestBatch(unsBatch(mill, { assetPath: MILL, plantTime: ts + 1 }));
      if (v.pump) await a.ingestBatch(unsBatch([{ tag: 'flow', ts, value: 10 + (b % 5) }], { assetPath: PUMP, plantTime: ts + 1 }));
    }

    const qualityEvents = async () => (await events.readStream(`quality-${SOURCE}`).catch(() => [])).filter((e) => e.type.startsWith('DataQualityIssue'));
    const raised = async () => (await qualityEvents()).filter((e) => e.type === 'DataQualityIssueRaised').map((e) => e.data as Raised);
    const cleared = async () => (await qualityEvents()).filter((e) => e.type === 'DataQualityIssueCleared').map((e) => (e.data as { issueId: string }).issueId);
    const varying = (b: number) => 5 + (b % 4);
    const flat = () => 5;

    /** Written as the memory-only version's crash would leave it: the event stored, nothing else. */
    const crashedIssueId = uuidFromKey(qualityIssueKey(MILL, 'level', 'out-of-range', T0 + 59_000));

    beforeAll(async () => {
      backing = stores();
      events = await testEventStore();
      keySet = await importKeySet((await createKeySet({ now: new Date() })).keySet);
      dir = mkdtempSync(join(tmpdir(), 'dataops-restart-snap-'));
    });
    afterAll(async () => {
      await stopApp().catch(() => undefined);
      await events?.close();
      await backing?.cleanup();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });

    it('raises flatline, out-of-range and stale issues before the restart', async () => {
      const a = await startApp();
      for (const tag of ['temp', 'level']) await a.upsertTagMetadata({ assetPath: MILL, tag, range: { low: 0, high: 100 } }, engineer);
      // Pressure flat from the start; temp out of range from 30 s; the pump silent from 20 s while the mill keeps publishing.
      for (let b = 0; b < 60; b++) await second(a, b, { temp: b < 30 ? 50 : 150, pressure: flat, level: 50, pump: b < 20 });
      expect((await raised()).map((r) => `${r.assetPath}/${r.tag}:${r.kind}`).sort()).toEqual([
        `${MILL}/pressure:flatline`,
        `${MILL}/temp:out-of-range`,
        `${PUMP}/flow:stale`,
      ]);
      expect(await cleared()).toEqual([]);
      await stopApp();
      // A process that died between the append and its read-model write.
      await events.append(`quality-${SOURCE}`, [
        {
          id: uuidFromKey(`raised:${crashedIssueId}`),
          type: 'DataQualityIssueRaised',
          data: {
            issueId: crashedIssueId,
            sourceId: SOURCE,
            assetPath: MILL,
            tag: 'level',
            kind: 'out-of-range',
            severity: 'critical',
            detectedAt: new Date(T0 + 59_000).toISOString(),
            detail: 'level: 999 is outside the plausible range 0..100',
            observed: 999,
          },
          metadata: { actor: 'svc:dataops', role: 'service', correlationId: crashedIssueId, causationId: null, traceparent: null, schemaVersion: 1 },
        },
      ]);
    });

    it('after the restart, shows the open issues and raises nothing again while the tags stay bad', async () => {
      const before = await raised();
      const a = await startApp();
      const open = (assetPath: string) =>
        a.qualityReport({ assetPath }).tags.flatMap((t) => t.activeIssues.map((i) => ({ tag: t.tag, rule: i.rule, raisedAt: i.raisedAt })));
      expect(before.map((r) => r.issueId)).toContain(crashedIssueId);
      const expected = before.map((r) => ({ tag: r.tag, rule: r.kind, raisedAt: Date.parse(r.detectedAt) }));
      const shown = () => [...open(MILL), ...open(PUMP)].sort((x, y) => x.tag.localeCompare(y.tag));
      expect(shown()).toEqual(expected.sort((x, y) => x.tag.localeCompare(y.tag)));
      for (const t of a.qualityReport().tags) expect(t.score).toBeLessThan(1);

      // Still bad: pressure flat, temp and level out of range, the pump silent.
      for (let b = 60; b < 100; b++) await second(a, b, { temp: 150, pressure: flat, level: 999, pump: false });
      expect(await raised()).toEqual(before);
      expect(await cleared()).toEqual([]);
      expect(shown()).toEqual(expected);
    });

    it('after a second restart, clears each recovered issue under its original id', async () => {
      await stopApp();
      const before = await raised();
      const a = await startApp();
      for (let b = 100; b < 160; b++) await second(a, b, { temp: 50, pressure: varying, level: 50, pump: true });
      expect(await raised()).toEqual(before);
      expect((await cleared()).sort()).toEqual(before.map((r) => r.issueId).sort()); // the crashed process's issue among them
      for (const t of a.qualityReport().tags) expect(t.activeIssues).toEqual([]);
      await stopApp();
      // The read model agrees with the events: nothing open.
      const reopened = await backing.open();
      try {
        expect((await reopened.meta.loadQualityIssues()).issues).toEqual([]);
      } finally {
        await reopened.close();
      }
    });
  });
}
