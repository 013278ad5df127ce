// The engineer break-glass CLI (promote / rollback) as a person runs it: a child process that calls
// governance's gRPC registry (the one writer of the model stream) with a bearer token in
// INFERENCE_TOKEN; governance runs here over the store a running inference app follows. The app must
// pick each promotion and rollback up and score with that version: v1 alarms on every window
// (threshold ~0), v2 on none (threshold ~1), so who scored is visible in the prompts and in each
// scored window. A promotion by the CLI is on record as break glass (who and why).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKeySet } from '@industrial/access';
import type { EventStore, RecordedEvent } from '@industrial/eventstore';
import { createGovernanceApp, type GovernanceApp } from '@industrial/governance';
import { createRng } from '@industrial/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoredWindow } from '../src/features/scoring.ts';
import { AUDIENCE, ISSUER, startHarness, USE_CASE, type Harness } from './fixture.ts';
import { buildPumpModel, pumpStream, sampleBatch, type PumpSample } from './pump-data.ts';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const entry = resolve(root, 'services/inference/src/cli.ts');

let h: Harness;
let governance: GovernanceApp;
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
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '',
      stderr = '';
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
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  governance = createGovernanceApp({
    store: h.store,
    keySet: await loadKeySet(h.keysDir),
    logger: silent,
    config: { grpc: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 }, access: { issuer: ISSUER, audience: AUDIENCE } },
  });
  const { grpcPort } = await governance.start();
  env = { GOVERNANCE_ADDRESS: `127.0.0.1:${grpcPort}` };
  const model = buildPumpModel(5, 30, 10);
  v1 = await h.register(model.bundle, { threshold: 1e-9 });
  v2 = await h.register(model.bundle, { threshold: 0.999999 });
  await h.app.settle();
  stream = pumpStream(createRng(9), 120, { startMs: Date.now() - 3 * 3_600_000 });
  h.app.pipeline.onScored((s) => scored.push(s));
}, 120_000);

afterAll(async () => {
  await governance?.stop();
  await h?.close();
});

describe('promote and rollback by a quality lead through governance, followed by a running app', () => {
  it('promote records a break-glass promotion (who and why) with the caller and correlation id, and the app scores with that version', async () => {
    const reason = 'night shift: v1 is the only model that sees the new pump';
    const r = await cli(['promote', '--use-case', USE_CASE, '--model-version', v1, '--stage', 'production', '--reason', reason], await asRole('quality_lead'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ModelPromoted recorded by quality_lead-1 through governance \(break glass/);
    const [promoted] = await ofType('ModelPromoted');
    expect(promoted!.stream).toBe(`model-${USE_CASE}`);
    expect(promoted!.data).toMatchObject({ useCaseId: USE_CASE, modelVersionId: v1, stage: 'production', previousModelVersionId: null });
    expect(promoted!.metadata).toMatchObject({ actor: 'quality_lead-1', role: 'quality_lead', correlationId: correlationOf(r.stdout) });
    const [approved] = await ofType('ModelApproved');
    expect(approved!.data).toMatchObject({
      requestId: (promoted!.data as { approvalRequestId: string }).approvalRequestId,
      conditions: [expect.stringMatching(/^break-glass: .* by quality_lead-1$/)],
      comment: reason,
    });
    expect((await ofType('ModelApprovalRequested'))[0]!.data).toMatchObject({ justification: `BREAK GLASS: ${reason}` });
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
    const r = await cli(
      ['promote', '--use-case', USE_CASE, '--model-version', v2, '--stage', 'production', '--reason', 'v2 after the review'],
      await asRole('quality_lead'),
    );
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
      [
        ['promote', '--use-case', USE_CASE, '--model-version', randomUUID(), '--stage', 'shadow', '--reason', 'x'],
        /refused: model version \S+ is not a registered model version of use case/,
      ],
      [
        ['rollback', '--use-case', USE_CASE, '--from', v2, '--reason', 'x'],
        /refused: model version \S+ is not serving the use-case-wide deployment \(production: no model/,
      ],
      [
        ['promote', '--use-case', USE_CASE, '--model-version', v2, '--stage', 'production', '--reason', 'x', '--previous', v1],
        /refused: expected \S+ to hold production of the use-case-wide deployment, but no model/,
      ],
    ] as const) {
      const r = await cli([...args], await asRole('quality_lead'));
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    expect((await all()).length).toBe(before);
  });
});

describe('callers without model.break_glass / model.rollback', () => {
  it.each(['operator', 'engineer'] as const)(
    'refuses an %s token: exit 3, a clear message, AccessDenied recorded by governance, nothing promoted',
    async (role) => {
      const promotedBefore = (await ofType('ModelPromoted')).length;
      const r = await cli(['promote', '--use-case', USE_CASE, '--model-version', v2, '--stage', 'production', '--reason', 'x'], await asRole(role));
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`access denied: .*${role}-1 has role ${role}; model.break_glass needs role quality_lead`));
      expect(r.stdout).toBe('');
      const denied = (await ofType('AccessDenied')).find((e) => e.metadata.correlationId === correlationOf(r.stderr));
      expect(denied?.data).toMatchObject({ actor: `${role}-1`, role, permission: 'model.break_glass', service: 'governance', reason: 'missing-permission' });
      expect(await ofType('ModelPromoted')).toHaveLength(promotedBefore);
    },
  );

  it('refuses a rollback by an operator as model.rollback', async () => {
    const r = await cli(['rollback', '--use-case', USE_CASE, '--from', v1, '--reason', 'x'], await asRole('operator'));
    expect(r.code).toBe(3);
    const denied = (await ofType('AccessDenied')).find((e) => e.metadata.correlationId === correlationOf(r.stderr));
    expect(denied?.data).toMatchObject({ permission: 'model.rollback', method: '/industrial.governance.v1.ModelRegistryService/Rollback' });
  });

  it('refuses a token that is not a signed JWT as token-invalid', async () => {
    const r = await cli(['promote', '--use-case', USE_CASE, '--model-version', v2, '--stage', 'production', '--reason', 'x'], {
      INFERENCE_TOKEN: 'not-a-token',
    });
    expect(r.code).toBe(3);
    const denied = (await ofType('AccessDenied')).find((e) => e.metadata.correlationId === correlationOf(r.stderr));
    expect(denied?.data).toMatchObject({ actor: 'anonymous', reason: 'token-invalid' });
  });
});

describe('bad command lines', () => {
  it.each<[string, string[], RegExp]>([
    ['no command', [], /a command is required/],
    ['an unknown command', ['deploy'], /unknown command "deploy"/],
    ['missing flags', ['promote', '--use-case', USE_CASE], /--model-version is required; --stage is required; --reason is required/],
    ['a rollback without a reason', ['rollback', '--use-case', USE_CASE, '--from', USE_CASE], /--reason is required/],
    [
      'an invalid use case UUID',
      ['promote', '--use-case', 'pump-4', '--model-version', USE_CASE, '--stage', 'shadow'],
      /--use-case must be a UUID \(got "pump-4"\)/,
    ],
    ['an invalid --to UUID', ['rollback', '--use-case', USE_CASE, '--from', USE_CASE, '--to', '42', '--reason', 'x'], /--to must be a UUID \(got "42"\)/],
    [
      'an unknown stage',
      ['promote', '--use-case', USE_CASE, '--model-version', USE_CASE, '--stage', 'prod'],
      /--stage must be production or shadow \(got "prod"\)/,
    ],
    [
      'a scope that is not a path prefix',
      ['promote', '--use-case', USE_CASE, '--model-version', USE_CASE, '--stage', 'shadow', '--scope', 'Plant 1/Line A'],
      /--scope must be an ISA-95 path prefix/,
    ],
    [
      'a flag of the other command',
      ['promote', '--use-case', USE_CASE, '--model-version', USE_CASE, '--stage', 'shadow', '--reason', 'x', '--from', USE_CASE],
      /--from is not an option of promote/,
    ],
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

  it('names a missing or bad environment variable (exit 2)', async () => {
    const r = await cli(['promote', '--use-case', USE_CASE, '--model-version', v1, '--stage', 'shadow', '--reason', 'x'], {
      ...(await asRole('quality_lead')),
      GOVERNANCE_ADDRESS: 'http://governance',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/GOVERNANCE_ADDRESS must be host:port/);
    const t = await cli(['promote', '--use-case', USE_CASE, '--model-version', v1, '--stage', 'shadow', '--reason', 'x']);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/INFERENCE_TOKEN is required .*model\.break_glass/);
  });

  it('says when governance cannot be reached (exit 1)', async () => {
    const r = await cli(['rollback', '--use-case', USE_CASE, '--from', v1, '--reason', 'x'], {
      ...(await asRole('quality_lead')),
      GOVERNANCE_ADDRESS: '127.0.0.1:1',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/governance is not reachable at 127\.0\.0\.1:1/);
  });
});
