// Issue 14 item 2 and issue 16 item 6 — the launcher's model setup (scripts/platform/demo-models.ts,
// what `npm start` runs at first start): every demo use case of usecases/*.json gets a model trained
// from the simulated plant by the training service's recipe (small data here), with a progress line
// per use case; each goes to production through governance's gRPC API — registered by training's
// account, requested by an engineer, approved and promoted by a different quality-lead identity —
// and the events of `model-<use case>` show those actors. A second run reuses the cached bundles
// and records nothing new.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createKeySet, importKeySet, importSigningKey, issueToken, type Role } from '@industrial/access';
import { eventValidator } from '@industrial/contracts';
import { MemoryAnchorSink, generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import { createGovernanceApp, type GovernanceApp } from '@industrial/governance';
import type { ThresholdRule } from '@industrial/ml';
import { cachedDemoModels, registrationFor, WINDOW_COST, WINDOW_FALSE_ALARM_WEIGHTS, type PreparedModel } from '@industrial/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENGINEER, DEMO_QUALITY_LEAD, demoModels, type FrontDoor } from '../scripts/platform/demo-models.ts';
import { readUseCaseFiles } from '../scripts/platform/usecases.ts';

const ISSUER = 'industrial-access';
const AUDIENCE = 'industrial-platform';
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const useCases = readUseCaseFiles().map((f) => ({ useCaseId: f.useCaseId, serving: f.serving }));

let dir: string;
let store: EventStore;
let governance: GovernanceApp;
let door: FrontDoor;
let prepared: readonly PreparedModel[] = [];

/** A terminal stand-in that keeps what the progress display wrote. */
function terminal(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream: w as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

const modelEvents = async () => {
  const out: { type: string; actor: string; role: string; useCaseId: string }[] = [];
  for (const u of useCases)
    for (const e of await store.readStream(`model-${u.useCaseId}`))
      out.push({ type: e.type, actor: e.metadata.actor, role: e.metadata.role, useCaseId: u.useCaseId });
  return out;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'usecase-models-'));
  store = await openSqliteEventStore({
    path: join(dir, 'events.db'),
    ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
    anchorSink: new MemoryAnchorSink(),
    validator: eventValidator,
  });
  const material = await createKeySet({ now: new Date() });
  const keySet = await importKeySet(material.keySet);
  const signingKey = await importSigningKey(material.signingKey);
  const token = (subject: string, role: Role) =>
    issueToken(signingKey, {
      subject,
      roles: [role],
      scopes: ['*'],
      tokenId: randomUUID(),
      issuer: ISSUER,
      audience: AUDIENCE,
      now: new Date(),
      ttlSeconds: 3600,
    });
  governance = createGovernanceApp({
    store,
    keySet,
    logger: silent,
    config: { grpc: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 }, access: { issuer: ISSUER, audience: AUDIENCE }, rateLimit: null },
  });
  const { grpcPort } = await governance.start();
  door = {
    governance: `127.0.0.1:${grpcPort}`,
    tokens: {
      training: await token('svc:training', 'service'),
      engineer: await token(DEMO_ENGINEER, 'engineer'),
      qualityLead: await token(DEMO_QUALITY_LEAD, 'quality_lead'),
    },
  };
}, 60_000);

afterAll(async () => {
  await governance?.stop();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the launcher trains and promotes a model for every demo use case (issue 14)', () => {
  it('trains every use case from the simulated plant with a progress line each, and promotes each through the front door', async () => {
    const term = terminal();
    const r = await demoModels(useCases, { artifactsDir: join(dir, 'models'), door, dataScale: 0.4, stream: term.stream, worker: false });
    prepared = r.prepared;
    expect(r.failed).toEqual([]);
    expect(useCases.length).toBeGreaterThanOrEqual(9);
    expect(r.prepared.map((p) => p.useCaseId).sort()).toEqual(useCases.map((u) => u.useCaseId).sort());
    expect(r.prepared.every((p) => !p.cached)).toBe(true);
    expect(r.promoted.every((p) => p.promoted && p.requestId !== null)).toBe(true);
    // every task kind of the demo: a failure within a horizon, remaining life, running unlike normal
    expect(new Set(r.prepared.map((p) => p.record.task))).toEqual(new Set(['classification', 'regression', 'anomaly']));
    const text = term.text();
    for (const u of useCases) expect(text).toMatch(new RegExp(`\\] ${u.serving.name}\\s+done\\s+100 %`));
    expect(text).toContain(`[${useCases.length}/${useCases.length}]`);
  }, 600_000);

  it('registers the cost model each threshold was chosen with, as its model card says', () => {
    for (const p of prepared) {
      const card = JSON.parse(readFileSync(join(p.dir, `${p.bundle}.model-card.json`), 'utf8')) as {
        threshold: { rule: ThresholdRule | null; value: number | null };
      };
      const spec = (registrationFor(p, 'test') as { spec: { costModel: Record<string, unknown> | null } }).spec;
      expect(card.threshold.rule).toEqual(p.record.thresholdRule);
      expect(card.threshold.value).toBe(p.record.threshold);
      if (p.record.task === 'regression') expect(card.threshold.rule).toBeNull();
      else expect(card.threshold.rule).not.toBeNull();
      if (card.threshold.rule?.kind === 'cost') {
        // a window cost (false windows weighing 4, 2 or 1 missed ones), recorded inline
        expect(WINDOW_FALSE_ALARM_WEIGHTS).toContain(card.threshold.rule.cost.falseAlarm);
        expect(card.threshold.rule.cost).toEqual({ ...WINDOW_COST, falseAlarm: card.threshold.rule.cost.falseAlarm });
        expect(spec.costModel).toEqual({ source: 'inline', useCaseId: null, ...card.threshold.rule.cost });
      } else {
        // the best F1 (null in the registration), or no threshold (remaining life)
        expect(spec.costModel).toBeNull();
      }
    }
    expect(prepared.filter((p) => p.record.thresholdRule?.kind === 'cost').length).toBeGreaterThan(0);
  });

  it('leaves an audit trail: training registers, the engineer asks, the quality lead approves and promotes; no break glass', async () => {
    const events = await modelEvents();
    for (const u of useCases) {
      const mine = events.filter((e) => e.useCaseId === u.useCaseId);
      expect(mine.map((e) => e.type)).toEqual(['ModelVersionRegistered', 'ModelApprovalRequested', 'ModelApproved', 'ModelPromoted']);
      expect(mine.map((e) => [e.actor, e.role])).toEqual([
        ['svc:training', 'service'],
        [DEMO_ENGINEER, 'engineer'],
        [DEMO_QUALITY_LEAD, 'quality_lead'],
        [DEMO_QUALITY_LEAD, 'quality_lead'],
      ]);
    }
    expect(DEMO_ENGINEER).not.toBe(DEMO_QUALITY_LEAD);
  });

  it('reuses the cached models on a second start and records nothing new', async () => {
    const before = (await modelEvents()).length;
    const term = terminal();
    const r = await demoModels(useCases, { artifactsDir: join(dir, 'models'), door, dataScale: 0.4, stream: term.stream, worker: false });
    expect(r.failed).toEqual([]);
    expect(r.prepared.every((p) => p.cached)).toBe(true);
    expect(r.promoted.every((p) => !p.promoted)).toBe(true);
    expect((await modelEvents()).length).toBe(before);
    expect(term.text()).toMatch(/reused \(cached\)/);
    expect(term.text()).not.toMatch(/training/);
    // everything cached: the launcher's worker is not even started (cachedDemoModels answers)
    const cached = cachedDemoModels({ useCases, artifactsDir: join(dir, 'models'), options: { dataScale: 0.4 } });
    expect(cached?.map((p) => [p.useCaseId, p.record.onnxSha256])).toEqual(r.prepared.map((p) => [p.useCaseId, p.record.onnxSha256]));
    expect(cachedDemoModels({ useCases, artifactsDir: join(dir, 'no-models'), options: { dataScale: 0.4 } })).toBeNull();
  }, 120_000);
});
