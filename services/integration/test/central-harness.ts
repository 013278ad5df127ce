// The centre of an edge ↔ central topology, for the edge test and the bench: on the hub's NATS,
// dataops (PostgreSQL historian in its own schema, its normal UNS consumers) and a central event
// store (SQLite file, contract-validated), and the integration's central sinks (samples → UNS →
// dataops; prompts/decisions/outcomes → the event store through a kernel of inference). Also
// builders of the records an edge makes: a UNS batch per sample, inference's events per prompt.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectNatsBus, type Bus } from '@industrial/bus';
import { eventExamples, eventValidator, type UnsSampleBatch } from '@industrial/contracts';
import { DEFAULT_CONFIG, createDataopsApp, openPostgresDataopsStore, type DataopsApp, type DataopsStore } from '@industrial/dataops';
import { generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore, type EventStore, type NewEvent } from '@industrial/eventstore';
import pg from 'pg';
import { openCentralSinks, ownerKernels, type EdgeEventData } from '../src/adapters/edge/central-sinks.ts';

export interface Centre {
  bus: Bus;
  dataops: DataopsApp;
  data: DataopsStore & { readonly pool: pg.Pool };
  events: EventStore;
  sinks: Awaited<ReturnType<typeof openCentralSinks>>;
  stop(): Promise<void>;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

export async function startCentre(hubUrl: string, pgUrl: string): Promise<Centre> {
  const tag = randomUUID().replaceAll('-', '').slice(0, 12);
  const dir = mkdtempSync(join(tmpdir(), 'integration-centre-'));
  const bus = await connectNatsBus({ servers: hubUrl, name: 'central' });
  const data = await openPostgresDataopsStore({ connectionString: pgUrl, schema: `itest_hist_${tag}`, refinedIntervalMs: 1000 });
  const events = await openSqliteEventStore({
    path: join(dir, 'events.db'),
    ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
    anchorEvery: 0,
    validator: eventValidator,
  });
  const dataops = createDataopsApp({
    store: events,
    data,
    bus,
    keySet: () => {
      throw new Error('dataops serves no API in this harness');
    },
    logger: silent,
    config: { ...DEFAULT_CONFIG, events: null, snapshotDir: join(dir, 'snapshots'), uns: { ...DEFAULT_CONFIG.uns } },
  });
  await dataops.start();
  const sinks = await openCentralSinks({ bus, kernelFor: ownerKernels(events), pgUrl, schema: `itest_cursor_${tag}` });
  return {
    bus,
    dataops,
    data,
    events,
    sinks,
    async stop() {
      await dataops.stop();
      await bus.drain().catch(() => undefined);
      await sinks.drop();
      await sinks.close();
      await data.close();
      await events.close();
      const admin = new pg.Client({ connectionString: pgUrl });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS itest_hist_${tag} CASCADE`);
      await admin.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const SOURCE = '0193a1b2-7c00-7a10-8b00-0000000000e1';

/** One UNS batch of an asset (path with 5 levels) as the edge's connectivity would publish it. */
export function sampleBatch(assetPath: string, i: number, at: Date): UnsSampleBatch {
  return {
    batchId: randomUUID(),
    sourceId: SOURCE,
    assetPath,
    plantTime: at.toISOString(),
    samples: ['temperature', 'vibration'].map((tag, k) => ({
      tag,
      value: Math.sin(i + k),
      quality: { severity: 'Good' as const, code: 0 },
      sourceTimestamp: new Date(at.getTime() - 10).toISOString(),
      serverTimestamp: at.toISOString(),
    })),
  };
}

/** A prompt as inference records it: RecommendationRaised in `recommendation-<id>` (the edge store's envelope). */
export function promptEvent(assetPath: string, recommendationId: string = randomUUID()): EdgeEventData {
  const event: NewEvent = {
    id: randomUUID(),
    type: 'RecommendationRaised',
    data: { ...eventExamples.RecommendationRaised, recommendationId, assetPath },
    metadata: { actor: 'svc:inference', role: 'service', correlationId: randomUUID(), causationId: null, traceparent: null, schemaVersion: 1 },
  };
  return { stream: `recommendation-${recommendationId}`, event };
}

/** The operator's acknowledge of that prompt at the edge. */
export function decisionEvent(assetPath: string, recommendationId: string): EdgeEventData {
  const context = { ...eventExamples.RecommendationAcknowledged.context, assetPath };
  const event: NewEvent = {
    id: randomUUID(),
    type: 'RecommendationAcknowledged',
    data: { ...eventExamples.RecommendationAcknowledged, recommendationId, context },
    metadata: { actor: 'olga', role: 'operator', correlationId: randomUUID(), causationId: null, traceparent: null, schemaVersion: 1 },
  };
  return { stream: `recommendation-${recommendationId}`, event };
}
