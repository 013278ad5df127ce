// `npm run train:vision` (#22): a visual model of a visual-inspection use case trained from a
// DeepPCB-layout board folder, carded, recorded as a training run and registered as a candidate
// through governance's RegisterModelVersion (gRPC), so a quality lead can approve and promote it.
//
//   npm run train:vision -- --boards ../shared/datasets/deeppcb --use-case 0193a1b2-7c00-7a10-8b00-0000000000d1 \
//     --usecase-file usecases/visual/board-line-inspection.json --governance 127.0.0.1:50070 --token-file svc-training.token
//
// Exit codes: 0 registered, 1 training or registration failed, 2 bad usage or input (the message names the option).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Service } from '@industrial/contracts';
import { uuidv7 } from '@industrial/contracts/ids';
import type { EventStore } from '@industrial/eventstore';
import { checkEventStoreEnv, eventStoreConfig, eventStoreEnv, openStoreFromConfig, parseEnv } from '@industrial/eventstore/config';
import { createKernel, serviceCause } from '@industrial/kernel';
import { z } from 'zod';
import { createFsArtifactStore } from './adapters/artifacts/fs.ts';
import { detectCodeVersion } from './adapters/code-version.ts';
import { createGrpcModelRegistry } from './adapters/registry/grpc.ts';
import { createDeepPcbVisionTrainer } from './adapters/vision/trainer.ts';
import { visualUseCasesFromFile, visualUseCasesFromStore } from './adapters/vision/usecases.ts';
import { VisionTrainingRefused } from './domain/vision.ts';
import { trainVisualModel, type VisionTrainingResult } from './features/vision-training.ts';
import type { ModelRegistry } from './ports.ts';

export const VISION_TRAIN_HELP = `train:vision — a visual model (texture-feature tile GBDT + region stage) of a visual-inspection use case,
trained on annotated boards, carded, recorded as a training run and registered as a candidate through governance.

Data and use case:
  --boards <folder>            DeepPCB-layout board folder (PCBData/trainval.txt, *_test.jpg, annotations), read in place. Required.
  --limit <n>                  use the first n boards in board-id order (default: all)
  --split <train,validation>   shares of the boards for training and validation, the rest test (default 0.6,0.2); split by board
  --use-case <uuid>            the visual-inspection use case (its serving spec's task kind must be visual-inspection). Required.
  --usecase-file <path>        read the use case (serving spec, cost model) from this file (e.g. usecases/visual/*.json)
                               instead of the charter's records in the event store

Model:
  --seed <n>                   seed of the tile sampling and the split-free parts of training (default 22)
  --max-iter <n>               trees of the tile GBDT (default 200; 60 gave 2.0 false regions per board against 1.0 on the full data set)
  --recall <r>                 defect-recall target on the validation boards for the threshold and the region stage (default 0.95)
  --candidate-recall <r>       validation recall the region stage's candidate regions are cut at, ≥ --recall (default 0.985)
  The threshold: the least cost per validation board among those reaching --recall, with the use case's cost model
  (a missed defect = a missed failure; a false region = inspection + false alarm), else 20 : 1.

Output and registration:
  --artifacts <dir>            content-addressed artifact store (ONNX, model JSON with regionStage, reference, card)
                               (default TRAINING_ARTIFACT_DIR or ./data/artifacts); inference must read the same path
  --governance <host:port>     governance's gRPC address (default TRAINING_GOVERNANCE_ADDRESS). Required.
  --token-file <file>          service-account token with model.register (default TRAINING_GOVERNANCE_TOKEN_FILE). Required.
  --help                       this text

The run is recorded (TrainingRunStarted … TrainingRunCompleted in training-run-<id>) when the event store is configured
as for the training service (LEDGER_KEY_FILE, EVENTSTORE, PG_URL, PG_SCHEMA, SQLITE_PATH); the use case is read from
there unless --usecase-file is given. The last stdout line is one JSON object: runId, modelVersionId, version, metrics.
Exit codes: 0 registered, 1 training or registration failed, 2 bad usage or input (the message names the option).`;

const FLAG_OF: Readonly<Record<string, string>> = {
  use_case_id: '--use-case',
  boards: '--boards',
  recall_target: '--recall',
  candidate_recall: '--candidate-recall',
  usecase_file: '--usecase-file',
};

class UsageError extends Error {}

export interface VisionCliIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Tests: the event store to record in and read the use case from (instead of the environment's). */
  readonly store?: EventStore;
  /** Tests: a registry instead of the gRPC one built from --governance. */
  readonly registry?: ModelRegistry;
}

const num = (v: string | undefined, flag: string, fallback: number, check: (n: number) => boolean, what: string): number => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`${flag}: must be ${what}, is "${v}"`);
  return n;
};

export async function runVisionTraining(argv: readonly string[], io: VisionCliIo): Promise<number> {
  let closers: (() => Promise<void> | void)[] = [];
  try {
    const { values: v } = parseArgs({
      args: [...argv],
      options: {
        boards: { type: 'string' },
        limit: { type: 'string' },
        split: { type: 'string' },
        'use-case': { type: 'string' },
        'usecase-file': { type: 'string' },
        seed: { type: 'string' },
        'max-iter': { type: 'string' },
        recall: { type: 'string' },
        'candidate-recall': { type: 'string' },
        artifacts: { type: 'string' },
        governance: { type: 'string' },
        'token-file': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    });
    if (v.help) {
      io.stdout(VISION_TRAIN_HELP);
      return 0;
    }
    if (v.boards === undefined) throw new UsageError('--boards: required (a DeepPCB-layout board folder)');
    if (v['use-case'] === undefined) throw new UsageError('--use-case: required (the visual-inspection use case id)');
    const limit = v.limit === undefined ? undefined : num(v.limit, '--limit', 0, (n) => Number.isInteger(n) && n >= 0, 'a whole number ≥ 0');
    const shares = (v.split ?? '0.6,0.2').split(',').map(Number);
    if (shares.length !== 2 || shares.some((s) => !(s > 0)) || shares[0]! + shares[1]! >= 1)
      throw new UsageError(`--split: must be two shares > 0 (training, validation) leaving some for test, is "${v.split}"`);
    const seed = num(v.seed, '--seed', 22, (n) => Number.isInteger(n) && n >= 0, 'a whole number ≥ 0');
    const maxIter = num(v['max-iter'], '--max-iter', 200, (n) => Number.isInteger(n) && n >= 1 && n <= 2000, 'a whole number 1–2000');
    const recallTarget = num(v.recall, '--recall', 0.95, (n) => n > 0 && n <= 1, 'in (0, 1]');
    const candidateRecall = num(v['candidate-recall'], '--candidate-recall', Math.max(0.985, recallTarget), (n) => n > 0 && n <= 1, 'in (0, 1]');
    const governance = v.governance ?? io.env['TRAINING_GOVERNANCE_ADDRESS'];
    const tokenFile = v['token-file'] ?? io.env['TRAINING_GOVERNANCE_TOKEN_FILE'];
    if (io.registry === undefined && governance === undefined)
      throw new UsageError('--governance: required (governance gRPC host:port; or TRAINING_GOVERNANCE_ADDRESS)');
    if (io.registry === undefined && tokenFile === undefined)
      throw new UsageError('--token-file: required (a service-account token with model.register; or TRAINING_GOVERNANCE_TOKEN_FILE)');

    // the event store, configured as the training service's: the run is recorded there
    let store: EventStore | null = io.store ?? null;
    if (store === null && io.env['LEDGER_KEY_FILE'] !== undefined) {
      const parsed = parseEnv(z.object(eventStoreEnv).superRefine(checkEventStoreEnv), io.env);
      if (!parsed.ok) throw new UsageError(parsed.message);
      const opened = await openStoreFromConfig({ eventStore: eventStoreConfig(parsed.data), ledgerKeyFile: parsed.data.LEDGER_KEY_FILE });
      closers.push(() => opened.close());
      store = opened;
    }
    const kernel = store === null ? null : createKernel({ service: Service.Training, store });
    if (kernel === null && v['usecase-file'] === undefined)
      throw new UsageError('--usecase-file: required without the event store (set LEDGER_KEY_FILE and the store variables to read the charter records)');
    const useCases = v['usecase-file'] !== undefined ? visualUseCasesFromFile(v['usecase-file'], 'usecase_file') : visualUseCasesFromStore(kernel!);

    let registry = io.registry;
    if (registry === undefined) {
      const grpc = createGrpcModelRegistry({ address: governance!, token: () => readFileSync(tokenFile!, 'utf8').trim() });
      closers.push(() => grpc.close());
      registry = grpc;
    }
    const trainer = createDeepPcbVisionTrainer({ folder: v.boards, limit, fractions: { train: shares[0]!, validation: shares[1]! } });
    const artifacts = createFsArtifactStore(v.artifacts ?? io.env['TRAINING_ARTIFACT_DIR'] ?? './data/artifacts');
    io.stderr(`[train:vision] boards ${v.boards}${limit === undefined ? '' : ` (first ${limit})`}, use case ${v['use-case']}`);
    const result = await trainVisualModel(
      {
        useCases,
        trainer,
        artifacts,
        registry,
        kernel,
        codeVersion: detectCodeVersion(),
        now: () => new Date().toISOString(),
        newId: () => uuidv7(),
      },
      { useCaseId: v['use-case'], seed, maxIter, recallTarget, candidateRecall },
      serviceCause(Service.Training, randomUUID()),
    );
    report(result, io);
    return 0;
  } catch (error) {
    if (error instanceof VisionTrainingRefused) {
      io.stderr(`train:vision: ${FLAG_OF[error.field] ?? error.field}: ${error.message.slice(error.field.length + 2)}`);
      return 2;
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`train:vision: ${(error as Error).message}\n(--help lists every option)`);
      return 2;
    }
    io.stderr(`train:vision: failed: ${(error as Error).message}`);
    return 1;
  } finally {
    for (const close of closers.reverse()) await close();
    closers = [];
  }
}

function report(r: VisionTrainingResult, io: VisionCliIo): void {
  const e = r.evaluation;
  const served = e.test.stage ?? e.test.tiles;
  io.stdout(`run ${r.runId}${r.recorded ? ' (recorded)' : ' (not recorded: no event store configured)'}`);
  io.stdout(
    `model version ${r.registered.modelVersionId} v${r.registered.version} registered as a candidate of use case ${r.registered.useCaseId}${r.alreadyRegistered ? ' (already registered)' : ''}`,
  );
  io.stdout(
    `boards ${e.boards.train}/${e.boards.validation}/${e.boards.test} (train/validation/test); threshold ${e.threshold.value.toPrecision(4)} (cost ${r.cost.source} ${r.cost.missedDefect}:${r.cost.falseReject})` +
      (e.stage === null ? '; no region stage' : `; region stage at ${e.stage.tileThreshold.toPrecision(4)}, keep ${e.stage.keep.toPrecision(4)}`),
  );
  io.stdout(
    `test boards: tile AUROC ${e.test.tileAuroc.toFixed(4)}, defect recall ${served.defectRecall.toFixed(3)}, ${served.falseRegionsPerBoard.toFixed(2)} false regions per board (tile threshold alone: ${e.test.tiles.defectRecall.toFixed(3)}, ${e.test.tiles.falseRegionsPerBoard.toFixed(2)})`,
  );
  io.stdout(`artifacts: ${r.files.onnx}; card ${r.files.cardMarkdown}`);
  io.stdout(JSON.stringify({ runId: r.runId, modelVersionId: r.registered.modelVersionId, version: r.registered.version, metrics: r.registered.metrics }));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runVisionTraining(process.argv.slice(2), {
    stdout: (l) => process.stdout.write(`${l}\n`),
    stderr: (l) => process.stderr.write(`${l}\n`),
    env: process.env,
  });
}
