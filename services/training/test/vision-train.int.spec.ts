// `npm run train:vision` (#22) end to end on a few DeepPCB boards read from ../shared (never copied):
// the command trains the texture-feature tile tier and its region stage, writes the ONNX file, the
// model JSON with `regionStage`, the reference and the model card to the artifact store, records
// the run in `training-run-<id>` and registers the version through governance's
// RegisterModelVersion over gRPC (a governance app on loopback over the same SQLite store) with
// training's service token; a quality lead then approves it and it is promoted. Bad input is
// refused naming the option, with nothing registered and no run recorded.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKeySet, importKeySet, importSigningKey, issueToken, type Role } from '@industrial/access';
import { Service, UseCaseServingSpec } from '@industrial/contracts';
import { createGovernanceApp, createModelRegistry, type GovernanceApp } from '@industrial/governance';
import { createKernel, serviceCause, type Cause } from '@industrial/kernel';
import { parseModel } from '@industrial/ml';
import { FEATURE_NAMES, parseRegionStage } from '@industrial/vision';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVisionTraining, VISION_TRAIN_HELP } from '../src/vision-train.ts';
import { AUDIENCE, ISSUER, silent, sqliteStore, type StoreFixture } from './fixture.ts';

const DEEPPCB = resolve(import.meta.dirname, '../../../../shared/datasets/deeppcb');
const USECASES = resolve(import.meta.dirname, '../../../usecases');
const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
const readUri = (uri: string): Buffer => readFileSync(fileURLToPath(uri));

describe.skipIf(!existsSync(DEEPPCB))('train:vision — a visual model trained, carded, recorded and registered through governance', () => {
  let fx: StoreFixture;
  let governance: GovernanceApp;
  let dir: string;
  let tokenFile: string;
  let address: string;
  let visualId: string, pumpId: string;
  const charter = (): Cause => serviceCause(Service.Charter, randomUUID());

  const define = async (file: string): Promise<string> => {
    const u = JSON.parse(readFileSync(file, 'utf8')) as { useCaseId: string; serving: unknown };
    await createKernel({ service: Service.Charter, store: fx.store }).append(
      `usecase-${u.useCaseId}`,
      [{ type: 'UseCaseServingSpecDefined', data: { useCaseId: u.useCaseId, specVersion: 1, spec: UseCaseServingSpec.parse(u.serving) } }],
      charter(),
    );
    return u.useCaseId;
  };
  const cli = async (args: string[]): Promise<{ code: number; out: string[]; err: string[] }> => {
    const out: string[] = [],
      err: string[] = [];
    const code = await runVisionTraining(args, { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env: {}, store: fx.store });
    return { code, out, err };
  };
  const common = () => ['--governance', address, '--token-file', tokenFile, '--artifacts', join(dir, 'artifacts')];

  beforeAll(async () => {
    fx = await sqliteStore();
    dir = mkdtempSync(join(tmpdir(), 'train-vision-'));
    const material = await createKeySet({ now: new Date() });
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
        ttlSeconds: 600,
      });
    tokenFile = join(dir, 'svc-training.token');
    writeFileSync(tokenFile, await token('svc:training', 'service'));
    governance = createGovernanceApp({
      store: fx.store,
      keySet: await importKeySet(material.keySet),
      logger: silent,
      config: { grpc: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 }, access: { issuer: ISSUER, audience: AUDIENCE } },
    });
    address = `127.0.0.1:${(await governance.start()).grpcPort}`;
    visualId = await define(join(USECASES, 'visual/board-line-inspection.json'));
    pumpId = await define(join(USECASES, 'pump-bearing.json'));
  }, 60_000);
  afterAll(async () => {
    await governance?.stop();
    await fx?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('trains on 18 boards (split by board 8/6/4), registers the version with its card, sha256 and region stage; the run is recorded; a quality lead approves it', async () => {
    const r = await cli([
      '--boards',
      DEEPPCB,
      '--limit',
      '18',
      '--split',
      '0.45,0.35',
      '--use-case',
      visualId,
      '--recall',
      '0.85',
      '--max-iter',
      '30',
      ...common(),
    ]);
    expect(r.err.filter((l) => l.includes('failed'))).toEqual([]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out.at(-1)!) as { runId: string; modelVersionId: string; version: number; metrics: Record<string, number> };
    expect(summary.version).toBe(1);

    // governance's record of the version
    const registry = createModelRegistry(fx.store);
    const v = (await registry.list(visualId)).deployments.registered.get(summary.modelVersionId)!;
    expect(v).toMatchObject({ useCaseId: visualId, runId: summary.runId, stage: 'candidate', format: 'onnx', version: 1, windowSeconds: null });
    expect(v.inputs.map((i) => i.name)).toEqual([...FEATURE_NAMES]);
    expect(v.spec).toMatchObject({
      target: 'tile_defect',
      modelType: 'gbdt',
      costModel: { source: 'charter', missedFailure: 20, falseAlarm: 0, inspection: 1 },
    });
    // every artifact is the bytes its sha256 names
    expect(sha256(readUri(v.artifactUri))).toBe(v.artifactHash);
    for (const ref of [v.modelCard.markdown, v.modelCard.json, v.explainer, v.reference!]) expect(sha256(readUri(ref.uri))).toBe(ref.sha256);
    // the model JSON carries the region stage, readable as inference's loader reads it
    const model = parseModel(readUri(v.explainer.uri).toString('utf8')) as { regionStage?: unknown };
    const stage = parseRegionStage(model.regionStage);
    expect(stage.tileThreshold).toBeGreaterThan(0);
    expect(stage.keep).toBeGreaterThanOrEqual(0);
    expect(v.decisionThreshold).toBeGreaterThan(0);
    // the card: test-board metrics, the threshold rule with the charter's costs (20 : 1)
    const card = JSON.parse(readUri(v.modelCard.json.uri).toString('utf8')) as Record<string, any>;
    expect(card.data.boards).toEqual({ train: 8, validation: 6, test: 4 });
    expect(card.threshold.cost).toEqual({ missedDefect: 20, falseReject: 1, source: 'charter' });
    expect(card.regionStage).toMatchObject({ tileThreshold: stage.tileThreshold, keep: stage.keep });
    expect(card.artifacts.onnx.sha256).toBe(v.artifactHash);
    expect(Object.keys(v.metrics).sort()).toEqual(
      [
        'boards_test',
        'cost_per_board',
        'defect_recall',
        'false_regions_per_board',
        'tile_auroc',
        'tile_threshold_defect_recall',
        'tile_threshold_false_regions_per_board',
      ].sort(),
    );
    expect(v.metrics.tile_auroc).toBeGreaterThan(0.8);
    expect(v.metrics.defect_recall).toBeGreaterThan(0);
    expect(v.metrics.boards_test).toBe(4);
    const markdown = readUri(v.modelCard.markdown.uri).toString('utf8');
    expect(markdown).toContain('## Test boards (4, untouched)');
    expect(markdown).toContain('with the region stage (served)');
    expect(markdown).toContain("the use case's charter cost model: a missed defect 20, a false region 1");

    // the run, recorded as training's runs are
    const events = await fx.store.readStream(`training-run-${summary.runId}`);
    expect(events.map((e) => e.type)).toEqual([
      'TrainingRunStarted',
      'TrainingRunProgressed',
      'TrainingRunProgressed',
      'TrainingRunProgressed',
      'TrainingRunProgressed',
      'TrainingRunProgressed',
      'TrainingRunCompleted',
    ]);
    expect(events[0]!.data).toMatchObject({ useCaseId: visualId, snapshotHash: v.snapshotHash, snapshotId: v.snapshotId, seed: 22 });
    expect(events.at(-1)!.data).toMatchObject({ artifactHash: v.artifactHash, metrics: v.metrics });

    // a quality lead can approve it and it is promoted like every model
    const engineer: Cause = { actor: 'engineer-1', role: 'engineer', correlationId: randomUUID(), causationId: null, traceparent: null };
    const { requestId } = await registry.requestApproval(
      { useCaseId: visualId, modelVersionId: v.modelVersionId, targetStage: 'production', justification: 'first board-line model', scope: null },
      engineer,
    );
    await registry.approve({ useCaseId: visualId, requestId, conditions: [], comment: null }, { ...engineer, actor: 'quality-lead-1', role: 'quality_lead' });
    await registry.promote({ useCaseId: visualId, requestId }, engineer);
    expect((await registry.list(visualId)).deployments.production.get(visualId)).toBe(v.modelVersionId);
  }, 300_000);

  it('refuses bad input naming the option, with nothing registered and no run recorded', async () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    const runs = async () => (await fx.store.readAll()).filter((e) => e.type === 'TrainingRunStarted').length;
    const before = await runs();
    const versions = async () => (await createModelRegistry(fx.store).list(visualId)).deployments.registered.size;
    const registeredBefore = await versions();
    const cases: [string[], string][] = [
      [['--boards', empty, '--use-case', visualId, ...common()], '--boards'],
      [['--boards', DEEPPCB, '--limit', '0', '--use-case', visualId, ...common()], '--boards'],
      [['--boards', DEEPPCB, '--limit', '6', '--use-case', visualId, ...common()], '--boards'],
      [['--boards', DEEPPCB, '--limit', '18', '--use-case', pumpId, ...common()], '--use-case'],
      [['--boards', DEEPPCB, '--limit', '18', '--use-case', randomUUID(), ...common()], '--use-case'],
      [['--boards', DEEPPCB, ...common()], '--use-case'],
      [['--use-case', visualId, ...common()], '--boards'],
      [['--boards', DEEPPCB, '--use-case', visualId, '--recall', '1.5', ...common()], '--recall'],
      [['--boards', DEEPPCB, '--use-case', visualId, '--split', '0.8,0.3', ...common()], '--split'],
      [['--boards', DEEPPCB, '--use-case', visualId, '--artifacts', dir], '--governance'],
      [
        ['--boards', DEEPPCB, '--limit', '18', '--use-case', pumpId, '--usecase-file', join(USECASES, 'visual/board-line-inspection.json'), ...common()],
        '--use-case',
      ],
      [['--boards', DEEPPCB, '--limit', '18', '--use-case', visualId, '--usecase-file', join(dir, 'missing.json'), ...common()], '--usecase-file'],
    ];
    for (const [args, flag] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.join('\n'), args.join(' ')).toContain(`${flag}:`);
    }
    const pump = await cli(['--boards', DEEPPCB, '--limit', '18', '--use-case', pumpId, ...common()]);
    expect(pump.err.join('\n')).toContain('is a classification use case, not visual-inspection');
    expect((await createModelRegistry(fx.store).list(pumpId)).deployments.registered.size).toBe(0);
    expect(await runs()).toBe(before);
    expect(await versions()).toBe(registeredBefore);
  }, 120_000);

  it('--help lists every option', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--boards',
      '--limit',
      '--split',
      '--use-case',
      '--usecase-file',
      '--seed',
      '--max-iter',
      '--recall',
      '--candidate-recall',
      '--artifacts',
      '--governance',
      '--token-file',
      '--help',
    ])
      expect(VISION_TRAIN_HELP).toContain(flag);
  });
});
