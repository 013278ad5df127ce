// The engineer CLI (promote / rollback) as a person runs it: a child process on the SQLite event
// store file a running inference app follows, with the access key directory and ledger key on
// disk and a bearer token in INFERENCE_TOKEN. The app must pick each promotion and rollback up and
// score with that version: v1 alarms on every window (threshold ~0), v2 on none (threshold ~1), so
// who scored is visible in the prompts and in each scored window. Also once on PostgreSQL (private schema).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventExamples, eventValidator } from '@industrial/contracts';
import { ledgerKeyFromPem, openPostgresEventStore, type EventStore, type RecordedEvent } from '@industrial/eventstore';
import { createRng } from '@industrial/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoredWindow } from '../src/features/scoring.ts';
import { asGovernance, startHarness, USE_CASE, type Harness } from './fixture.ts';
import { buildPumpModel, pumpStream, sampleBatch, type PumpSample } from './pump-data.ts';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const entry = resolve(root, 'services/inference/src/cli.ts');
const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let h: Harness;
let env: Record<string, string>;
let v1: string;
let v2: string;
let stream: PumpSample[];
let fed = 0;
const scored: ScoredWindow[] = [];
const asset = () => `${h.enterprise}.plant-1.utilities.cooling-water.pump-7`;

function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    // Only what the CLI reads: nothing leaks in from the environment of the test run.
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const asRole = async (role: 'quality_lead' | 'engineer' | 'operator') => ({ INFERENCE_TOKEN: await h.token(role) });
const correlationOf = (stdout: string) => /correlation ([0-9a-f-]{36})/.exec(stdout)?.[1];
const all = async (store: EventStore = h.store): Promise<RecordedEvent[]> => store.readAll({ fromPosition: 1, maxCount: 100_000 });
const ofType = async (type: string, store?: EventStore) => (await all(store)).filter((e) => e.type === type);

/** Feeds the next `minutes` of the pump's stream straight into the app (ingest scores synchronously). */
async function feed(minutes: number): Promise<ScoredWindow[]> {
  const from = scored.length;
  for (const end = fed + minutes; fed < end; fed++) await h.app.ingest(sampleBatch(asset(), stream[fed]!));
  return scored.slice(from);
}

beforeAll(async () => {
  h = await startHarness({ unsSubject: null, monitor: { minSamples: 1_000_000 } });
  const ledgerKeyFile = join(h.dir, 'ledger.pem');
  writeFileSync(ledgerKeyFile, h.ledgerKeyPem, { mode: 0o600 });
  env = { SQLITE_PATH: join(h.dir, 'events.db'), LEDGER_KEY_FILE: ledgerKeyFile, ACCESS_KEYS_DIR: h.keysDir };
  const model = buildPumpModel(5, 30, 10);
  v1 = await h.register(model.bundle, { threshold: 1e-9 });
  v2 = await h.register(model.bundle, { threshold: 0.999999 });
  await h.app.settle();
  stream = pumpStream(createRng(9), 120, { startMs: Date.now() - 3 * 3_600_000 });
  h.app.pipeline.onScored((s) => scored.push(s));
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('promote and rollback by a quality lead, followed by a running app', () => {
  it('promote records ModelPromoted with the caller and correlation id, and the app scores with that version', async () => {
    const r = await cli(['promote', '--use-case', USE_CASE, '--model-version', v1, '--stage', 'production'], await asRole('quality_lead'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ModelPromoted recorded by quality_lead-1 \(quality_lead\)/);
    const [promoted] = await ofType('ModelPromoted');
    expect(promoted!.stream).toBe(`model-${USE_CASE}`);
    expect(promoted!.data).toMatchObject({ useCaseId: USE_CASE, modelVersionId: v1, stage: 'production', previousModelVersionId: null });
    expect(promoted!.metadata).toMatchObject({ actor: 'quality_lead-1', role: 'quality_lead', correlationId: correlationOf(r.stdout) });
    await h.app.settle();
    expect(h.app.models.slots(USE_CASE).production?.registered.modelVersionId).toBe(v1);
    // 30-minute windows: the first full one ends at minute 29, then one per minute.
    const windows = await feed(35);
    expect(windows.length).toBeGreaterThanOrEqual(5);
    expect(windows.every((w) => w.source === 'model' && w.alarm)).toBe(true);
    const raised = await ofType('RecommendationRaised');
    expect(raised).toHaveLength(1);
    expect(raised[0]!.data).toMatchObject({ assetPath: asset(), source: 'model', modelVersionId: v1, threshold: 1e-9 });
  });

  it('a second promotion names the version it replaces, and scoring switches to it', async () => {
    const r = await cli(['promote', '--use-case', USE_CASE, '--model-version', v2, '--stage', 'production'], await asRole('quality_lead'));
    expect(r.code, r.stderr).toBe(0);
    expect((await ofType('ModelPromoted')).at(-1)!.data).toMatchObject({ modelVersionId: v2, previousModelVersionId: v1 });
    await h.app.settle();
    const windows = await feed(10);
    expect(windows.length).toBe(10);
    expect(windows.every((w) => w.source === 'model' && !w.alarm)).toBe(true);
    // v2 never alarms: no new prompt, and the standing one clears (hysteresis: 3 windows well below).
    expect(await ofType('RecommendationRaised')).toHaveLength(1);
    expect(h.app.pipeline.trackOf(USE_CASE, asset()).phase).toBe('idle');
  });

  it('rollback records ModelRolledBack with the reason, and the app scores with the version rolled back to', async () => {
    const reason = 'v2 misses developing bearing faults on line 2';
    const r = await cli(['rollback', '--use-case', USE_CASE, '--from', v2, '--to', v1, '--reason', reason], await asRole('quality_lead'));
    expect(r.code, r.stderr).toBe(0);
    const [rolledBack] = await ofType('ModelRolledBack');
    expect(rolledBack!.data).toEqual({ useCaseId: USE_CASE, fromModelVersionId: v2, toModelVersionId: v1, trigger: 'manual', reason });
    expect(rolledBack!.metadata).toMatchObject({ actor: 'quality_lead-1', role: 'quality_lead', correlationId: correlationOf(r.stdout) });
    await h.app.settle();
    expect(h.app.models.slots(USE_CASE).production?.registered.modelVersionId).toBe(v1);
    const windows = await feed(5);
    expect(windows.every((w) => w.source === 'model' && w.alarm)).toBe(true);
    const raised = (await ofType('RecommendationRaised')).map((e) => e.data as Record<string, unknown>);
    expect(raised).toHaveLength(2);
    expect(raised[1]).toMatchObject({ modelVersionId: v1, update: 0 });
    expect(raised[1]!.recommendationId).not.toBe(raised[0]!.recommendationId);
  });

  it('rollback without --to leaves the rule-based limits in charge', async () => {
    const r = await cli(['rollback', '--use-case', USE_CASE, '--from', v1, '--reason', 'model under review'], await asRole('quality_lead'));
    expect(r.code, r.stderr).toBe(0);
    expect((await ofType('ModelRolledBack')).at(-1)!.data).toMatchObject({ fromModelVersionId: v1, toModelVersionId: null });
    await h.app.settle();
    expect(h.app.models.slots(USE_CASE).production).toBeNull();
    const windows = await feed(3);
    expect(windows.length).toBe(3);
    expect(windows.every((w) => w.source === 'rules')).toBe(true);
  });

  it('refuses what would change nothing (exit 1, nothing recorded)', async () => {
    const before = (await all()).length;
    for (const [args, message] of [
      [['promote', '--use-case', USE_CASE, '--model-version', randomUUID(), '--stage', 'shadow'], /refused: --model-version \S+ is not a registered model version of use case/],
      [['rollback', '--use-case', USE_CASE, '--from', v2, '--reason', 'x'], /refused: --from \S+ is not serving use case .*production: no model/],
      [['promote', '--use-case', USE_CASE, '--model-version', v2, '--stage', 'production', '--previous', v1], new RegExp(`refused: --previous ${v1} does not hold production`)],
    ] as const) {
      const r = await cli([...args], await asRole('quality_lead'));
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    expect((await all()).length).toBe(before);
  });
});

describe('callers without model.promote / model.rollback', () => {
  it.each(['operator', 'engineer'] as const)('refuses an %s token: exit 3, a clear message, AccessDenied recorded, nothing promoted', async (role) => {
    const promotedBefore = (await ofType('ModelPromoted')).length;
    const r = await cli(['promote', '--use-case', USE_CASE, '--model-version', v2, '--stage', 'production'], await asRole(role));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`access denied: .*${role}-1 has role ${role}; model.promote needs role quality_lead`));
    expect(r.stdout).toBe('');
    const denied = (await ofType('AccessDenied')).find((e) => e.metadata.correlationId === correlationOf(r.stderr));
    expect(denied?.data).toMatchObject({ actor: `${role}-1`, role, permission: 'model.promote', service: 'inference', method: 'cli promote', reason: 'missing-permission' });
    expect(await ofType('ModelPromoted')).toHaveLength(promotedBefore);
  });

  it('refuses a rollback by an operator as model.rollback', async () => {
    const r = await cli(['rollback', '--use-case', USE_CASE, '--from', v1, '--reason', 'x'], await asRole('operator'));
    expect(r.code).toBe(3);
    const denied = (await ofType('AccessDenied')).find((e) => e.metadata.correlationId === correlationOf(r.stderr));
    expect(denied?.data).toMatchObject({ permission: 'model.rollback', method: 'cli rollback' });
  });

  it('refuses a token that is not a signed JWT as token-invalid', async () => {
    const r = await cli(['promote', '--use-case', USE_CASE, '--model-version', v2, '--stage', 'production'], { INFERENCE_TOKEN: 'not-a-token' });
    expect(r.code).toBe(3);
    const denied = (await ofType('AccessDenied')).find((e) => e.metadata.correlationId === correlationOf(r.stderr));
    expect(denied?.data).toMatchObject({ actor: 'anonymous', reason: 'token-invalid' });
  });
});

describe('bad command lines', () => {
  it.each<[string, string[], RegExp]>([
    ['no command', [], /a command is required/],
    ['an unknown command', ['deploy'], /unknown command "deploy"/],
    ['missing flags', ['promote', '--use-case', USE_CASE], /--model-version is required; --stage is required/],
    ['a rollback without a reason', ['rollback', '--use-case', USE_CASE, '--from', USE_CASE], /--reason is required/],
    ['an invalid use case UUID', ['promote', '--use-case', 'pump-4', '--model-version', USE_CASE, '--stage', 'shadow'], /--use-case must be a UUID \(got "pump-4"\)/],
    ['an invalid --to UUID', ['rollback', '--use-case', USE_CASE, '--from', USE_CASE, '--to', '42', '--reason', 'x'], /--to must be a UUID \(got "42"\)/],
    ['an unknown stage', ['promote', '--use-case', USE_CASE, '--model-version', USE_CASE, '--stage', 'prod'], /--stage must be production or shadow \(got "prod"\)/],
    ['a scope that is not a path prefix', ['promote', '--use-case', USE_CASE, '--model-version', USE_CASE, '--stage', 'shadow', '--scope', 'Plant 1/Line A'], /--scope must be an ISA-95 path prefix/],
    ['a flag of the other command', ['promote', '--use-case', USE_CASE, '--model-version', USE_CASE, '--stage', 'shadow', '--reason', 'x'], /--reason is not an option of promote/],
    ['an unknown flag', ['rollback', '--use-case', USE_CASE, '--from', USE_CASE, '--reason', 'x', '--force'], /--force is not an option of rollback/],
    ['a flag without its value', ['rollback', '--use-case', USE_CASE, '--reason', 'x', '--from'], /--from needs a value/],
    ['a blank reason', ['rollback', '--use-case', USE_CASE, '--from', USE_CASE, '--reason', '  '], /--reason must be 1–2000 characters/],
  ])('%s: usage on stderr, exit 2, no stack, nothing recorded', async (_name, args, message) => {
    const before = (await all()).length;
    const r = await cli(args, await asRole('quality_lead'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/usage: cli\.ts promote/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect((await all()).length).toBe(before);
  });

  it('names a missing environment variable (exit 2)', async () => {
    const r = await cli(['promote', '--use-case', USE_CASE, '--model-version', v1, '--stage', 'shadow'], { ACCESS_KEYS_DIR: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ACCESS_KEYS_DIR is required/);
    const t = await cli(['promote', '--use-case', USE_CASE, '--model-version', v1, '--stage', 'shadow']);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/INFERENCE_TOKEN is required .*model\.promote/);
  });
});

describe('on PostgreSQL (EVENTSTORE=postgres, a private schema)', () => {
  const schema = `inference_cli_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  let pgStore: (EventStore & { pool: { query(sql: string): Promise<unknown> } }) | null = null;

  afterAll(async () => {
    if (pgStore === null) return;
    await pgStore.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pgStore.close();
  });

  it('records the promotion in that schema', async () => {
    pgStore = await openPostgresEventStore({ connectionString: PG_URL, schema, ledgerKey: ledgerKeyFromPem(h.ledgerKeyPem), validator: eventValidator });
    const modelVersionId = randomUUID();
    await asGovernance(pgStore)({ type: 'ModelVersionRegistered', data: { ...eventExamples.ModelVersionRegistered, modelVersionId, useCaseId: USE_CASE } });
    const r = await cli(['promote', '--use-case', USE_CASE, '--model-version', modelVersionId, '--stage', 'shadow'], { ...(await asRole('quality_lead')), EVENTSTORE: 'postgres', PG_URL, PG_SCHEMA: schema });
    expect(r.code, r.stderr).toBe(0);
    const promoted = await ofType('ModelPromoted', pgStore);
    expect(promoted).toHaveLength(1);
    expect(promoted[0]!.data).toMatchObject({ modelVersionId, stage: 'shadow', previousModelVersionId: null });
    expect(promoted[0]!.metadata).toMatchObject({ actor: 'quality_lead-1', correlationId: correlationOf(r.stdout) });
  });
});
