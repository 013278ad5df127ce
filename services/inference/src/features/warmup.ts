// Use case "no silent cold start": the first time this replica sees an asset it scores (a start,
// a restart) and when it takes one over (replicas.ts), the asset's window is rebuilt before its
// live batches are scored — from the UNS stream (JetStream) when configured, else from the
// historian (dataops) — so scoring starts at the first live reading instead of a window later.
// The asset states see the replayed readings too; an asset nothing could fill stays `warming_up`
// with its reason, never silently cold.
import { parseUnsSubject, unsLevels, type UnsSampleBatch } from '@industrial/contracts';
import { inScope, type UseCaseSpec } from '../domain/usecase.ts';
import type { AssetStates } from './asset-states.ts';
import type { ModelHost } from './models.ts';
import type { HistorianSource, UnsReplaySource } from './ports.ts';

/** How far ahead of the wall clock the historian is asked for data (an accelerated plant's clock runs ahead). */
export const PLANT_CLOCK_AHEAD_MS = 30 * 86_400_000;

/** The tags an asset's use cases read: their rule windows and their serving models' windows. */
export function tagsOfAsset(useCases: readonly UseCaseSpec[], models: ModelHost, assetPath: string): string[] {
  const tags = new Set<string>();
  for (const spec of useCases) {
    if (!inScope(spec, assetPath)) continue;
    for (const f of spec.ruleWindow.features) tags.add(f.tag);
    const slots = models.slotsFor(spec.useCaseId, assetPath);
    for (const m of [slots.production, slots.shadow]) for (const f of m?.window.features ?? []) tags.add(f.tag);
  }
  return [...tags];
}

/** A replay source whose batches are also seen by the asset states (the window they fill counts). */
export function observedReplay(source: UnsReplaySource, states: AssetStates, now: () => number): UnsReplaySource {
  return {
    replay: (subject, startMs, onBatch) =>
      source.replay(subject, startMs, (b) => {
        states.observe(b, now());
        onBatch(b);
      }),
  };
}

/**
 * The historian as the replay source of a takeover (replicas.ts): the asset's newest readings,
 * those at or after `startMs` when the plant clock is the wall clock, else its newest window.
 */
export function historianReplay(deps: { historian: HistorianSource; tags: (assetPath: string) => readonly string[]; now: () => number }): UnsReplaySource {
  return {
    async replay(assetSubject, startMs, onBatch: (b: UnsSampleBatch) => void) {
      const address = parseUnsSubject(assetSubject);
      const assetPath = unsLevels.map((l) => address[l]).join('.');
      const found = await deps.historian.recent(assetPath, deps.tags(assetPath), Math.max(0, deps.now() - startMs), deps.now() + PLANT_CLOCK_AHEAD_MS);
      for (const b of found) onBatch(b);
      return found.length;
    },
  };
}
