// The OutcomeReader over the shared event store: inference's recommendation streams
// (`recommendation-<id>`), read (never written) through the charter's kernel. A projection kept
// in memory and brought up to date from the store's global log on each call: per prompt shown to
// operators (RecommendationRaised in `production` mode; shadow and suppressed ones were never
// shown), when it was raised (the end of its feature window, in plant time), what the operator
// decided (done or overridden → accepted, declined → rejected, nothing → open) and what was
// recorded afterwards (event prevented → failure avoided, no event → false alarm, event occurred →
// failure occurred).
import type { Kernel } from '@industrial/kernel';
import type { OutcomeReader, PromptOutcome } from '../../ports.ts';

const PAGE = 1000;
const PREFIX = 'recommendation-';

interface Prompt extends PromptOutcome {
  useCaseId: string;
}

const OUTCOME: Record<string, PromptOutcome['outcome']> = {
  'event-prevented': 'failure-avoided',
  'event-occurred': 'failure-occurred',
  'no-event': 'false-alarm',
  unknown: 'unknown',
};

export function createRecordedOutcomes(kernel: Pick<Kernel, 'reader' | 'parse'>): OutcomeReader {
  const prompts = new Map<string, Prompt>();
  let position = 0;
  let refreshing: Promise<void> | null = null;

  function apply(e: ReturnType<Kernel['parse']>): void {
    switch (e.type) {
      case 'RecommendationRaised': {
        const d = e.data;
        if (d.mode !== 'production' || prompts.has(d.recommendationId)) return;
        prompts.set(d.recommendationId, {
          recommendationId: d.recommendationId,
          useCaseId: d.useCaseId,
          assetPath: d.assetPath,
          at: Date.parse(d.featureWindow.to),
          modelVersionId: d.modelVersionId,
          decision: 'open',
          outcome: 'unknown',
        });
        return;
      }
      case 'RecommendationAccepted':
      case 'RecommendationOverridden':
      case 'RecommendationRejected': {
        const p = prompts.get(e.data.recommendationId);
        if (p !== undefined) p.decision = e.type === 'RecommendationRejected' ? 'rejected' : 'accepted';
        return;
      }
      case 'OutcomeRecorded': {
        const p = prompts.get(e.data.recommendationId);
        if (p !== undefined) p.outcome = OUTCOME[e.data.outcome] ?? 'unknown';
        return;
      }
      default:
        return;
    }
  }

  async function readNew(): Promise<void> {
    const head = await kernel.reader.headPosition();
    while (position < head) {
      const page = await kernel.reader.readAll({ fromPosition: position + 1, maxCount: PAGE });
      if (page.length === 0) return;
      for (const e of page) {
        position = e.position;
        if (e.stream.startsWith(PREFIX)) apply(kernel.parse(e));
      }
    }
  }

  async function refresh(): Promise<void> {
    // One reader at a time; a caller arriving meanwhile waits for it and then reads what came after.
    while (refreshing !== null) await refreshing;
    refreshing = readNew().finally(() => (refreshing = null));
    await refreshing;
  }

  return {
    async outcomes(useCaseId, from, to) {
      await refresh();
      const out: PromptOutcome[] = [];
      for (const { useCaseId: id, ...p } of prompts.values()) if (id === useCaseId && p.at >= from && p.at < to) out.push({ ...p });
      return out.sort((a, b) => a.at - b.at);
    },
  };
}
