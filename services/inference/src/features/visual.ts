// Use case "inspect every part image" (#22, visual-inspection use cases): connectivity's
// ImageCaptured events are followed from the store; for each visual use case serving the station
// the board is read by hash from the image store and scored tile by tile by the use case's
// promoted model (production) and its shadow candidate, both loaded through governance's
// deployment events like every model. Flagged regions give one BoardInspected per board and
// model: production (shown), suppressed (the station or its line is in manual mode) or shadow
// (logged only). An operator's verdict on a region is recorded as BoardVerdictGiven; dataops turns
// it into the image label. Tile brightness/contrast of the last boards is compared with the
// model's training reference (image-statistics drift → DriftDetected). Images captured while
// inference was down are not scored afterwards (the boards have moved on).
import { streamFor, type EventData } from '@industrial/contracts';
import { uuidFromKey, uuidv7 } from '@industrial/contracts/ids';
import { serviceCause, type Cause, type Kernel } from '@industrial/kernel';
import { effectiveMode, type Modes } from '../domain/mode.ts';
import { boardMessage, IMAGE_DRIFT_FEATURES, imageDrift, isVisual, placeOf, servesStation, stationPath, type FlaggedBox } from '../domain/visual.ts';
import type { UseCaseSpec } from '../domain/usecase.ts';
import type { ModelHost } from './models.ts';
import type { LoadedModel, Log, Scorer } from './ports.ts';

export type BoardInspectedData = EventData<'BoardInspected'>;
export type BoardVerdictData = EventData<'BoardVerdictGiven'>;

/** The image store as visual scoring reads it (adapters/vision/images.ts). */
export interface BoardImages {
  score(
    sha256: string,
    model: { readonly modelVersionId: string; readonly scorer: Scorer; readonly threshold: number },
    statistics: readonly string[],
  ): Promise<{ width: number; height: number; regions: FlaggedBox[]; statistics: Record<string, Float64Array> }>;
  /** The stored image as PNG for the operator's screen; null when the store does not hold it. */
  png(sha256: string): Promise<Uint8Array | null>;
}

export interface InspectionView extends BoardInspectedData {
  /** Per region (same order): the verdict given, or null. */
  readonly verdicts: readonly (BoardVerdictData['verdict'] | null)[];
}

export class InspectionError extends Error {
  override readonly name = 'InspectionError';
  constructor(
    readonly code: 'not-found' | 'invalid-argument' | 'failed-precondition',
    message: string,
  ) {
    super(message);
  }
}

export interface VisualDeps {
  readonly kernel: Kernel;
  readonly useCases: () => readonly UseCaseSpec[];
  readonly models: ModelHost;
  readonly modes: () => Modes;
  readonly images: BoardImages;
  readonly now: () => number;
  readonly log: Log;
  /** Image drift is checked every this many boards of a use case (default 10) over the last `driftBoards` (default 20). */
  readonly driftEvery?: number;
  readonly driftBoards?: number;
}

export interface VisualInspection {
  /** Folds the recorded inspections, then scores every part image captured from now on. */
  start(): Promise<void>;
  /** Resolves once everything up to the store's current head is handled. */
  settle(): Promise<void>;
  stop(): Promise<void>;
  /** Production inspections, newest first (`open`: those with a region still without a verdict). */
  list(options?: { open?: boolean; limit?: number }): InspectionView[];
  get(recommendationId: string): InspectionView | undefined;
  /** An operator's verdict on one region of a production inspection. */
  verdict(
    input: { recommendationId: string; region: number; verdict: BoardVerdictData['verdict']; defectType?: BoardVerdictData['defectType'] },
    cause: Cause,
  ): Promise<BoardVerdictData>;
  png(sha256: string): Promise<Uint8Array | null>;
  /** Called with every production inspection and verdict as it is recorded (the live feed). */
  subscribe(listener: (item: { type: 'BoardInspected' | 'BoardVerdictGiven'; recommendationId: string }) => void): () => void;
  counters(): { boardsScored: number; inspections: number; verdicts: number; errors: number };
}

const iso = (ms: number) => new Date(ms).toISOString();

export function createVisualInspection(deps: VisualDeps): VisualInspection {
  const { kernel } = deps;
  const inspections = new Map<string, { data: BoardInspectedData; verdicts: (BoardVerdictData['verdict'] | null)[] }>();
  const order: string[] = [];
  const tiles = new Map<string, Record<string, Float64Array[]>>(); // model version → statistic → last boards' tiles
  const boardsSeen = new Map<string, number>();
  const driftState = new Map<string, 'none' | 'warning' | 'critical'>();
  let startHead = 0;
  let handledTo = 0;
  let subscription: { stop(): Promise<void> } | null = null;
  let following: Promise<void> | null = null;
  let chain: Promise<void> = Promise.resolve();
  const counts = { boardsScored: 0, inspections: 0, verdicts: 0, errors: 0 };
  const listeners = new Set<(item: { type: 'BoardInspected' | 'BoardVerdictGiven'; recommendationId: string }) => void>();
  const tell = (type: 'BoardInspected' | 'BoardVerdictGiven', recommendationId: string) => {
    for (const l of listeners) l({ type, recommendationId });
  };

  function fold(type: string, data: unknown): void {
    if (type === 'BoardInspected') {
      const d = data as BoardInspectedData;
      if (inspections.has(d.recommendationId)) return;
      inspections.set(d.recommendationId, { data: d, verdicts: d.regions.map(() => null) });
      order.push(d.recommendationId);
      counts.inspections++;
      if (d.mode === 'production') tell('BoardInspected', d.recommendationId);
    } else if (type === 'BoardVerdictGiven') {
      const d = data as BoardVerdictData;
      const i = inspections.get(d.recommendationId);
      const k = i?.data.regions.findIndex((r) => r.x1 === d.region.x1 && r.y1 === d.region.y1 && r.x2 === d.region.x2 && r.y2 === d.region.y2) ?? -1;
      if (i && k >= 0) i.verdicts[k] = d.verdict;
      counts.verdicts++;
      tell('BoardVerdictGiven', d.recommendationId);
    }
  }

  async function driftCheck(spec: UseCaseSpec, model: LoadedModel, stats: Record<string, Float64Array>, at: number): Promise<void> {
    const id = model.registered.modelVersionId;
    const kept = tiles.get(id) ?? {};
    tiles.set(id, kept);
    for (const f of IMAGE_DRIFT_FEATURES) {
      (kept[f] ??= []).push(stats[f]!);
      if (kept[f].length > (deps.driftBoards ?? 20)) kept[f].shift();
    }
    const n = (boardsSeen.get(id) ?? 0) + 1;
    boardsSeen.set(id, n);
    if (n % (deps.driftEvery ?? 10) !== 0) return;
    for (const f of IMAGE_DRIFT_FEATURES) {
      const j = model.inputs.indexOf(f);
      const ref = model.referenceSorted[j];
      if (j < 0 || ref === undefined || ref.length === 0) continue;
      const current = Float64Array.from(kept[f]!.flatMap((c) => Array.from(c)));
      const d = imageDrift(f, ref, current);
      const key = `${id}|${f}`;
      const before = driftState.get(key) ?? 'none';
      driftState.set(key, d.severity);
      if (d.severity === 'none' || d.severity === before) continue;
      const driftId = uuidv7();
      await kernel.append(
        streamFor('DriftDetected', id),
        [
          {
            type: 'DriftDetected',
            data: {
              driftId,
              useCaseId: spec.useCaseId,
              modelVersionId: id,
              kind: 'data',
              feature: f,
              statistic: 'psi',
              value: d.psi,
              threshold: d.severity === 'critical' ? 0.25 : 0.1,
              window: { from: iso(at - 1000 * Math.max(1, kept[f]!.length)), to: iso(at) },
              severity: d.severity,
            },
          },
        ],
        serviceCause('inference', driftId),
      );
      deps.log.warn({ useCase: spec.useCaseId, model: id, feature: f, psi: d.psi }, 'part images drifted from the training images');
    }
  }

  async function inspect(eventId: string, image: EventData<'ImageCaptured'>): Promise<void> {
    for (const spec of deps.useCases()) {
      if (!isVisual(spec) || !servesStation(spec, image.stationId)) continue;
      const slots = deps.models.slots(spec.useCaseId);
      for (const [stage, model] of [
        ['production', slots.production],
        ['shadow', slots.shadow],
      ] as const) {
        if (model === null) continue;
        const at = deps.now();
        const board = await deps.images.score(
          image.sha256,
          { modelVersionId: model.registered.modelVersionId, scorer: model.scorer, threshold: model.threshold },
          IMAGE_DRIFT_FEATURES,
        );
        counts.boardsScored++;
        if (stage === 'production') await driftCheck(spec, model, board.statistics, at);
        if (board.regions.length === 0) continue;
        const regions = board.regions.slice(0, 100);
        const path = stationPath(spec, image.stationId);
        const manual = path !== null && (effectiveMode(deps.modes(), path)?.mode ?? 'auto') !== 'auto';
        const recommendationId = uuidFromKey(`board|${spec.useCaseId}|${model.registered.modelVersionId}|${eventId}`);
        const data: BoardInspectedData = {
          recommendationId,
          useCaseId: spec.useCaseId,
          modelVersionId: model.registered.modelVersionId,
          stationId: image.stationId,
          partId: image.partId,
          sha256: image.sha256,
          width: board.width,
          height: board.height,
          regions: regions.map((r) => ({ ...r, place: placeOf(r, board.width, board.height) })),
          message: boardMessage(spec, image.partId, image.stationId, regions, board.width, board.height),
          mode: stage === 'shadow' ? 'shadow' : manual ? 'suppressed' : 'production',
          threshold: Math.min(1, Math.max(0, model.threshold)),
          capturedAt: image.capturedAt,
          inspectedAt: iso(at),
        };
        await kernel.append(
          streamFor('BoardInspected', recommendationId),
          [{ id: recommendationId, type: 'BoardInspected', data }],
          serviceCause('inference', recommendationId, { causationId: eventId }),
        );
      }
    }
  }

  async function follow(): Promise<void> {
    const pages = kernel.reader.subscribeToAllPages({ checkpoint: 0, batchSize: 500 });
    subscription = pages;
    try {
      for await (const page of pages) {
        for (const e of page) {
          if (e.type === 'BoardInspected' || e.type === 'BoardVerdictGiven') fold(e.type, kernel.parse(e).data);
          else if (e.type === 'ImageCaptured' && e.position > startHead) {
            const parsed = kernel.parse(e);
            chain = chain.then(() =>
              inspect(parsed.id, parsed.data as EventData<'ImageCaptured'>).catch((error: unknown) => {
                counts.errors++;
                deps.log.error({ err: error, image: (parsed.data as { sha256: string }).sha256 }, 'part image could not be inspected; the next is');
              }),
            );
          }
          handledTo = e.position;
        }
      }
    } catch (error) {
      deps.log.error({ err: error }, 'visual inspection stopped following the store');
    }
  }

  const view = (id: string): InspectionView | undefined => {
    const i = inspections.get(id);
    return i && { ...i.data, verdicts: [...i.verdicts] };
  };

  return {
    async start() {
      startHead = await kernel.reader.headPosition();
      following = follow();
    },
    async settle() {
      const head = await kernel.reader.headPosition();
      for (let i = 0; i < 600 && handledTo < head; i++) await new Promise((r) => setTimeout(r, 50));
      await chain;
    },
    async stop() {
      await subscription?.stop();
      await following;
      await chain;
    },
    list(options = {}) {
      const out: InspectionView[] = [];
      for (let k = order.length - 1; k >= 0 && out.length < (options.limit ?? 50); k--) {
        const v = view(order[k]!)!;
        if (v.mode !== 'production') continue;
        if (options.open && v.verdicts.every((x) => x !== null)) continue;
        out.push(v);
      }
      return out;
    },
    get: view,
    async verdict(input, cause) {
      const i = inspections.get(input.recommendationId);
      if (i === undefined || i.data.mode !== 'production') throw new InspectionError('not-found', `no board prompt ${input.recommendationId}`);
      const r = i.data.regions[input.region];
      if (r === undefined) throw new InspectionError('invalid-argument', `region: the board has regions 0–${i.data.regions.length - 1}`);
      if (i.verdicts[input.region] != null)
        throw new InspectionError('failed-precondition', `region ${input.region} already has a verdict (${i.verdicts[input.region]})`);
      const data: BoardVerdictData = {
        recommendationId: i.data.recommendationId,
        useCaseId: i.data.useCaseId,
        sha256: i.data.sha256,
        stationId: i.data.stationId,
        partId: i.data.partId,
        region: { x1: r.x1, y1: r.y1, x2: r.x2, y2: r.y2 },
        verdict: input.verdict,
        defectType: input.verdict === 'no-defect' ? 'none' : (input.defectType ?? 'other'),
        decidedBy: cause.actor,
        decidedAt: iso(deps.now()),
      };
      await kernel.append(streamFor('BoardVerdictGiven', i.data.recommendationId), [{ type: 'BoardVerdictGiven', data }], cause);
      i.verdicts[input.region] = input.verdict;
      return data;
    },
    png: (sha) => deps.images.png(sha),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    counters: () => ({ ...counts }),
  };
}
