// Integration fixture: SQLite event store, the REAL NATS at 127.0.0.1:4222 (a unique UNS
// enterprise per test keeps runs apart), access keys and tokens, model bundles on disk and the
// registry events (ModelVersionRegistered + ModelPromoted) governance records, written here through
// a kernel acting as governance (the `model-` streams' only writer); each replica's projection
// checkpoint is a node:sqlite file in the run's directory.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKeySet, importKeySet, importSigningKey, issueToken, writeKeyMaterial, type Role } from '@industrial/access';
import { createNatsBus, type Bus } from '@industrial/bus';
import { eventExamples, eventValidator, unsAssetSubject, parseUnsAssetPath, type UnsSampleBatch } from '@industrial/contracts';
import { MemoryAnchorSink, generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import { createKernel, type Draft } from '@industrial/kernel';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { sha256Of, writeModelBundle, type ModelBundle } from '../src/adapters/artifacts/files.ts';
import { sqliteProjectionCheckpoints } from '../src/adapters/checkpoint/sqlite.ts';
import type { MembershipSource } from '../src/adapters/nats/membership.ts';
import { natsUnsReplay, UNS_STREAM, type UnsReplaySource } from '../src/adapters/nats/uns.ts';
import { createInferenceApp, type InferenceApp, type InferenceAppConfig } from '../src/app.ts';
import { PUMP_BEARING_USE_CASE, defineAsCharter } from './usecases.ts';
import type { ProjectionCheckpoints } from '../src/features/ports.ts';
import type { ScoredWindow } from '../src/features/scoring.ts';
import { sampleBatch, type PumpSample } from './pump-data.ts';

export const ISSUER = 'industrial-access';
export const AUDIENCE = 'industrial-platform';
export const USE_CASE = PUMP_BEARING_USE_CASE.useCaseId;
const engineer = { actor: 'erin', role: 'engineer' };

/** Records registry events as governance does (ModelVersionRegistered, ModelPromoted, ModelRolledBack in `model-<useCase>`). */
export function asGovernance(store: EventStore) {
  const kernel = createKernel({ service: 'governance', store });
  return async (draft: Draft, who: { actor: string; role: string } = engineer) => {
    const useCaseId = (draft.data as { useCaseId: string }).useCaseId;
    await kernel.append(`model-${useCaseId}`, [draft], { ...who, correlationId: randomUUID(), causationId: null, traceparent: null });
  };
}

export async function until(pred: () => boolean | Promise<boolean>, ms = 30_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export interface Harness {
  dir: string;
  store: EventStore;
  bus: Bus;
  nc: NatsConnection;
  app: InferenceApp;
  httpUrl: string;
  grpcAddress: string;
  enterprise: string;
  /** The ledger key (PEM) and the access key directory, for processes sharing the store (the CLI). */
  ledgerKeyPem: string;
  keysDir: string;
  token(role: Role): Promise<string>;
  register(bundle: ModelBundle, opts?: { threshold: number; corruptFile?: boolean; version?: number }): Promise<string>;
  /** Registers a bundle already on disk (e.g. written by training's savePumpModel) under the recorded sha256. */
  registerArtifact(a: {
    artifactUri: string;
    artifactHash: string;
    threshold: number | null;
    inputs: readonly { name: string; unit?: string }[];
    windowSeconds: number;
  }): Promise<string>;
  promote(modelVersionId: string, stage: 'production' | 'shadow'): Promise<void>;
  rollback(from: string, to: string | null): Promise<void>;
  publish(batch: UnsSampleBatch): Promise<void>;
  /**
   * Until the UNS consumer (default: the first app's) has handled and acknowledged every batch stored for it.
   * `pipeline.counters().batches` counts a batch when its scoring starts: the last one may still be scored
   * (its prompts, drift and metrics not yet recorded) when the count is reached.
   */
  drained(durable?: string): Promise<void>;
  events(type: string): Promise<{ type: string; stream: string; data: Record<string, unknown>; metadata: { actor: string } }[]>;
  /** Starts another replica on the same store, bus and UNS subjects (no gRPC/HTTP), with its own durable; stopped by close(). */
  replica(config: Pick<InferenceAppConfig, 'replicaId' | 'replicas'> & { unsDurable?: string }, options?: AppOptions): Promise<InferenceApp>;
  close(): Promise<void>;
}

/** `replay` wraps the app's real JetStream window rebuild (natsUnsReplay), e.g. to act before it reads. */
export interface ReplayOptions {
  replay?: (real: UnsReplaySource) => UnsReplaySource;
}

/** …and a live membership (natsMembership) the app joins in start() and leaves in stop(). */
export interface AppOptions extends ReplayOptions {
  membership?: MembershipSource;
  /** The replica's projection checkpoint (default: `checkpoint-<replicaId>.db` in the run's directory; null: none). */
  checkpoints?: ProjectionCheckpoints | null;
}

export async function startHarness(config: Partial<InferenceAppConfig> = {}, options: AppOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'inference-'));
  const ledgerKeyPem = generateLedgerKeyPem().privateKeyPem;
  const store = await openSqliteEventStore({
    path: join(dir, 'events.db'),
    ledgerKey: ledgerKeyFromPem(ledgerKeyPem),
    anchorSink: new MemoryAnchorSink(),
    validator: eventValidator,
  });
  const nc = await connect({ servers: '127.0.0.1:4222', name: 'inference-test' });
  const bus = await createNatsBus(nc, { ownsConnection: true });
  const material = await createKeySet({ now: new Date() });
  const keysDir = join(dir, 'keys');
  await writeKeyMaterial(keysDir, material);
  const keySet = await importKeySet(material.keySet);
  const signingKey = await importSigningKey(material.signingKey);
  const enterprise = `it${randomUUID().slice(0, 8)}`;
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const durables: string[] = [];
  const openCheckpoints: ProjectionCheckpoints[] = [];
  const governance = asGovernance(store);
  // The pump bearing use case, defined as the charter records it (usecases/pump-bearing.json).
  await defineAsCharter(store, 'pump-bearing');
  const apps: InferenceApp[] = [];
  const newApp = (c: Partial<InferenceAppConfig>, o: AppOptions) => {
    const full: InferenceAppConfig = {
      grpc: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      access: { issuer: ISSUER, audience: AUDIENCE },
      replicaId: 'r1',
      replicas: ['r1'],
      unsDurable: `inference-${enterprise}`,
      unsSubject: `uns.v1.${enterprise}.>`,
      shutdownGraceMs: 1000,
      ...c,
    };
    if (full.unsSubject !== null) durables.push(full.unsDurable!);
    const unsReplay = (o.replay ?? ((real) => real))(natsUnsReplay(nc));
    const checkpoints = o.checkpoints === undefined ? sqliteProjectionCheckpoints(join(dir, `checkpoint-${full.replicaId}.db`)) : o.checkpoints;
    if (checkpoints !== null) openCheckpoints.push(checkpoints);
    const created = createInferenceApp({ store, bus, keySet, logger: silent, unsReplay, config: full, membership: o.membership ?? null, checkpoints });
    apps.push(created);
    return created;
  };
  const app = newApp(config, options);
  const { grpcPort, httpPort } = await app.start();
  let version = 0;
  return {
    dir,
    store,
    bus,
    nc,
    app,
    enterprise,
    ledgerKeyPem,
    keysDir,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    token: (role) =>
      issueToken(signingKey, {
        subject: `${role}-1`,
        roles: [role],
        scopes: ['*'],
        tokenId: randomUUID(),
        issuer: ISSUER,
        audience: AUDIENCE,
        now: new Date(),
        ttlSeconds: 3600,
      }),
    async register(bundle, opts = { threshold: 0.5 }) {
      const modelVersionId = randomUUID();
      version = opts.version ?? version + 1;
      const { artifactUri, artifactHash } = await writeModelBundle(
        join(dir, 'models'),
        `pump-${modelVersionId}`,
        opts.corruptFile ? { ...bundle, onnx: Uint8Array.from(bundle.onnx, (b, i) => (i === 100 ? b ^ 0xff : b)) } : bundle,
      );
      await governance({
        type: 'ModelVersionRegistered',
        data: {
          ...eventExamples.ModelVersionRegistered,
          modelVersionId,
          useCaseId: USE_CASE,
          runId: randomUUID(),
          version,
          artifactUri,
          // a corrupted file keeps the hash recorded for the good bytes
          artifactHash: opts.corruptFile ? sha256Of(bundle.onnx) : artifactHash,
          inputs: bundle.reference.inputs.map((name) => ({ name })),
          windowSeconds: 1800,
          outputs: [{ name: 'probabilities' }],
          decisionThreshold: opts.threshold,
        },
      });
      return modelVersionId;
    },
    async registerArtifact(a) {
      const modelVersionId = randomUUID();
      version += 1;
      await governance({
        type: 'ModelVersionRegistered',
        data: {
          ...eventExamples.ModelVersionRegistered,
          modelVersionId,
          useCaseId: USE_CASE,
          runId: randomUUID(),
          version,
          artifactUri: a.artifactUri,
          artifactHash: a.artifactHash,
          inputs: a.inputs.map((i) => ({ ...i })),
          windowSeconds: a.windowSeconds,
          outputs: [{ name: 'probabilities' }],
          decisionThreshold: a.threshold,
        },
      });
      return modelVersionId;
    },
    async promote(modelVersionId, stage) {
      await governance({
        type: 'ModelPromoted',
        data: { useCaseId: USE_CASE, modelVersionId, stage, approvalRequestId: randomUUID(), previousModelVersionId: null },
      });
      await app.settle();
    },
    async rollback(from, to) {
      await governance({
        type: 'ModelRolledBack',
        data: { useCaseId: USE_CASE, fromModelVersionId: from, toModelVersionId: to, trigger: 'manual', reason: 'test: model unavailable' },
      });
      await app.settle();
    },
    async publish(batch) {
      await bus.publish(unsAssetSubject(parseUnsAssetPath(batch.assetPath)), batch, { msgId: batch.batchId });
    },
    async drained(durable = durables[0]) {
      if (durable === undefined) throw new Error('no UNS consumer to wait for');
      const jsm = await jetstreamManager(nc);
      await until(
        async () => {
          const info = await jsm.consumers.info(UNS_STREAM, durable);
          return info.num_pending === 0 && info.num_ack_pending === 0;
        },
        60_000,
        `${durable} to have acknowledged every batch`,
      );
    },
    async events(type) {
      const all = await store.readAll({ fromPosition: 1, maxCount: 100_000 });
      return all.filter((e) => e.type === type) as never;
    },
    async replica(c, o = {}) {
      // Its own durable, unless given one (a restarted replica resumes the durable it had).
      const replica = newApp({ ...c, grpc: null, http: null, unsDurable: c.unsDurable ?? `inference-${enterprise}-${c.replicaId}` }, o);
      await replica.start();
      return replica;
    },
    async close() {
      for (const a of apps) await a.stop();
      for (const c of openCheckpoints) c.close();
      // This run's durables and UNS messages go; the shared stream stays.
      const jsm = await jetstreamManager(nc);
      for (const d of durables) await jsm.consumers.delete(UNS_STREAM, d).catch(() => undefined);
      await jsm.streams.purge(UNS_STREAM, { filter: `uns.v1.${enterprise}.>` }).catch(() => undefined);
      await bus.drain().catch(() => undefined);
      await store.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Replicas sharing one pump fleet: publishes the pumps' streams minute by minute, records every app's scored windows. */
export interface Fleet {
  readonly apps: Map<string, InferenceApp>;
  /** Every scored window, by app id. */
  readonly scored: Map<string, ScoredWindow[]>;
  assets: string[];
  streams: Map<string, PumpSample[]>;
  track(id: string, app: InferenceApp): void;
  /** Publishes minutes [from, to) of every pump's stream. */
  publishMinutes(from: number, to: number): Promise<void>;
  /** Waits until these apps' consumers have handled every batch published so far. */
  consumed(ids: readonly string[]): Promise<void>;
}

export function createFleet(h: Harness): Fleet {
  let published = 0;
  const fleet: Fleet = {
    apps: new Map(),
    scored: new Map(),
    assets: [],
    streams: new Map(),
    track(id, app) {
      fleet.apps.set(id, app);
      fleet.scored.set(id, []);
      app.pipeline.onScored((s) => fleet.scored.get(id)!.push(s));
    },
    async publishMinutes(from, to) {
      for (let m = from; m < to; m++) {
        for (const a of fleet.assets) {
          await h.publish(sampleBatch(a, fleet.streams.get(a)![m]!));
          published++;
        }
      }
    },
    consumed: (ids) =>
      until(() => ids.every((id) => fleet.apps.get(id)!.pipeline.counters().batches >= published), 60_000, `batches consumed by ${ids.join(', ')}`),
  };
  return fleet;
}
