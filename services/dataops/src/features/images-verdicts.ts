// Use case: an operator's verdict on a flagged board region becomes a label (#22). Inference
// records the decision (BoardVerdictGiven, its recommendation stream); dataops, the owner of
// labels, follows the store and records the same region as ImageRegionLabelled for the image
// (defect confirmed with its type, or no defect), so the next tile snapshot uses it. A verdict
// already labelled (same region, verdict and person) is not labelled twice — after a restart the
// store is read again from the start. A refused label (image gone, region outside) is logged.
import type { EventData } from '@industrial/contracts';
import { serviceCause, type Kernel } from '@industrial/kernel';
import { labelImageRegion, labelsOfImage, type ImageSizeLookup } from './images-labels.ts';

export interface VerdictLabelsDeps {
  readonly kernel: Kernel;
  readonly sizeOf: ImageSizeLookup;
  readonly now: () => string;
  readonly log: { warn(o: object, m: string): void; error(o: object, m: string): void };
}

export interface VerdictLabels {
  start(): void;
  /** Resolves once every verdict up to the store's current head is labelled (or refused). */
  settle(): Promise<void>;
  stop(): Promise<void>;
  counters(): { labelled: number; refused: number };
}

const same = (a: { x1: number; y1: number; x2: number; y2: number }, b: typeof a) => a.x1 === b.x1 && a.y1 === b.y1 && a.x2 === b.x2 && a.y2 === b.y2;

export function verdictLabels(deps: VerdictLabelsDeps): VerdictLabels {
  let subscription: { stop(): Promise<void> } | null = null;
  let following: Promise<void> | null = null;
  let handledTo = 0;
  let chain: Promise<void> = Promise.resolve();
  const counts = { labelled: 0, refused: 0 };

  async function label(eventId: string, correlationId: string, v: EventData<'BoardVerdictGiven'>): Promise<void> {
    const existing = await labelsOfImage(deps.kernel, v.sha256);
    if (existing.some((l) => same(l.region, v.region) && l.verdict === v.verdict && l.labelledBy === v.decidedBy)) return;
    try {
      await labelImageRegion(
        deps,
        { sha256: v.sha256, stationId: v.stationId, partId: v.partId, region: v.region, verdict: v.verdict, defectType: v.defectType, labelledBy: v.decidedBy },
        serviceCause('dataops', correlationId, { causationId: eventId }),
      );
      counts.labelled++;
    } catch (error) {
      counts.refused++;
      deps.log.warn({ err: error, image: v.sha256, part: v.partId }, 'an operator verdict could not become a label');
    }
  }

  async function follow(): Promise<void> {
    const pages = deps.kernel.reader.subscribeToAllPages({ checkpoint: 0, batchSize: 500 });
    subscription = pages;
    try {
      for await (const page of pages) {
        for (const e of page) {
          if (e.type === 'BoardVerdictGiven') {
            const parsed = deps.kernel.parse(e);
            const correlationId = (parsed.metadata as { correlationId?: string }).correlationId ?? parsed.id;
            chain = chain.then(() => label(parsed.id, correlationId, parsed.data as EventData<'BoardVerdictGiven'>));
          }
          handledTo = e.position;
        }
      }
    } catch (error) {
      deps.log.error({ err: error }, 'operator verdicts are no longer followed');
    }
  }

  return {
    start() {
      following ??= follow();
    },
    async settle() {
      const head = await deps.kernel.reader.headPosition();
      for (let i = 0; i < 600 && handledTo < head; i++) await new Promise((r) => setTimeout(r, 50));
      await chain;
    },
    async stop() {
      await subscription?.stop();
      await following;
      await chain;
    },
    counters: () => ({ ...counts }),
  };
}
