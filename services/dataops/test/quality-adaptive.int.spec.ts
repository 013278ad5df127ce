// Adaptive (rolling) limits as a live data-quality rule per tag, on the real ingest path (the app
// over SQLite and over PostgreSQL, issues through the kernel into the event store): a tag with a
// rule (DATAOPS_QUALITY_ADAPTIVE's shape) raises an out-of-range issue when it leaves mean ± k·σ
// of its own last minute for the hold time, and clears it once back inside (here: once the limits
// have followed it); the same shift on a tag without a rule, or on an asset outside the rule's
// prefix, raises nothing, and nothing is judged while the window warms up. The config is refused
// naming the bad field.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcBus } from '@industrial/bus';
import { createKeySet, importKeySet } from '@industrial/access';
import type { EventStore } from '@industrial/eventstore';
import { createDataopsApp, DEFAULT_CONFIG, type DataopsApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { DataopsStore } from '../src/ports.ts';
import { SOURCE, postgresStore, silentLogger, sqliteStore, testEventStore, unsBatch, type StoreFactory, type StoreHarness } from './harness.ts';

const T0 = Date.parse('2025-04-01T08:00:00Z');
const MILL = 'acme.plant1.milling.line-1.mill-3';
const PUMP = 'acme.plant1.utilities.line-1.pump-3';

type Raised = { issueId: string; assetPath: string; tag: string; kind: string; severity: string; detail: string; detectedAt: string };

for (const [name, factory] of [
  ['node:sqlite', sqliteStore],
  ['postgres', postgresStore],
] as const satisfies ReadonlyArray<readonly [string, StoreFactory]>) {
  describe(`adaptive limits as a live quality rule (${name})`, () => {
    let h: StoreHarness;
    let events: EventStore;
    let app: DataopsApp;
    let dir: string;

    beforeAll(async () => {
      h = await factory(1000);
      events = await testEventStore();
      dir = mkdtempSync(join(tmpdir(), 'dataops-adaptive-'));
      app = createDataopsApp({
        store: events,
        data: h.store as DataopsStore,
        bus: createInProcBus(),
        keySet: await importKeySet((await createKeySet({ now: new Date() })).keySet),
        logger: silentLogger,
        config: {
          ...DEFAULT_CONFIG,
          uns: { ...DEFAULT_CONFIG.uns, stream: `UNS_${randomUUID().slice(0, 8)}` },
          events: null,
          snapshotDir: dir,
          qualityAdaptive: [
            { tag: 'pressure', assetPath: 'acme.plant1.milling', windowMs: 60_000, k: 4, minPoints: 20, raiseAfterMs: 2000, clearAfterMs: 5000 },
          ],
        },
      });
      await app.start();
    }, 60_000);
    afterAll(async () => {
      await app?.stop();
      await events?.close();
      await h?.cleanup();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });

    const quality = async () => (await events.readStream(`quality-${SOURCE}`).catch(() => [])).filter((e) => e.type.startsWith('DataQualityIssue'));

    it('raises an issue when a tag leaves its rolling limits and clears it when back inside', async () => {
      let seed = 9;
      const noise = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 0.1;
      // 10 s of warm-up with a jump (fewer than minPoints samples: not judged), 110 s steady, then +1 for 20 s.
      for (let b = 0; b < 140; b++) {
        const ts = T0 + b * 1000;
        const shift = (b >= 3 && b < 6) || b >= 120 ? 1 : 0;
        const value = 5 + noise() + shift;
        await app.ingestBatch(
          unsBatch(
            [
              { tag: 'pressure', ts, value },
              { tag: 'temp', ts, value: 40 + noise() + shift },
            ],
            { assetPath: MILL, plantTime: ts + 1 },
          ),
        );
        await app.ingestBatch(unsBatch([{ tag: 'pressure', ts, value }], { assetPath: PUMP, plantTime: ts + 1 }));
        if (b === 124) {
          const open = app.qualityReport({ assetPath: MILL }).tags.find((t) => t.tag === 'pressure')!;
          expect(open.activeIssues.map((i) => i.rule)).toEqual(['adaptive-limits']);
        }
      }
      const evs = await quality();
      const raised = evs.filter((e) => e.type === 'DataQualityIssueRaised').map((e) => e.data as Raised);
      expect(raised.map((r) => `${r.assetPath}/${r.tag}:${r.kind}:${r.severity}`)).toEqual([`${MILL}/pressure:out-of-range:warning`]);
      expect(raised[0]!.detail).toMatch(/^pressure: 6\.\d+ is outside its adaptive limits 4\.\d+\.\.5\.\d+ \(mean ± 4σ of the last 1\.0 min\)$/);
      expect(Date.parse(raised[0]!.detectedAt)).toBe(T0 + 122_000); // outside from 120 s, held 2 s
      const cleared = evs.filter((e) => e.type === 'DataQualityIssueCleared').map((e) => e.data as { issueId: string });
      expect(cleared.map((c) => c.issueId)).toEqual([raised[0]!.issueId]);
      const report = app.qualityReport({ assetPath: MILL }).tags.find((t) => t.tag === 'pressure')!;
      expect(report.activeIssues).toEqual([]);
    }, 120_000);
  });
}

describe('DATAOPS_QUALITY_ADAPTIVE', () => {
  const base = { LEDGER_KEY_FILE: '/keys/ledger.pem', ACCESS_KEYS_DIR: '/keys/access' };
  it('reads rules and refuses a bad one naming the field', () => {
    const ok = loadConfig({ ...base, DATAOPS_QUALITY_ADAPTIVE: '[{"tag":"pressure","windowMs":86400000,"k":4}]' });
    expect(ok.ok && ok.config.app.qualityAdaptive).toEqual([{ tag: 'pressure', windowMs: 86_400_000, k: 4 }]);
    const bad = loadConfig({ ...base, DATAOPS_QUALITY_ADAPTIVE: '[{"tag":"pressure","windowMs":0,"k":4}]' });
    expect(bad.ok).toBe(false);
    expect(JSON.stringify(bad)).toMatch(/DATAOPS_QUALITY_ADAPTIVE.*rule 0\.windowMs: windowMs: must be > 0 ms/);
    const notJson = loadConfig({ ...base, DATAOPS_QUALITY_ADAPTIVE: '[{' });
    expect(JSON.stringify(notJson)).toMatch(/DATAOPS_QUALITY_ADAPTIVE.*is not JSON/);
  });
});
