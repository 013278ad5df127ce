// The operating threshold of tile scores, chosen on validation boards for a defect-recall
// target and the charter's costs: among thresholds whose board-level defect recall reaches
// the target, the one with the least expected cost per board (missed defects × cost of a
// missed defect + false regions × cost of a false reject); when none reaches the target,
// the one with the highest recall (cost breaks ties).

import { evaluateBoard, regionsOf } from './defect-map.ts';
import type { Box, TileGrid } from './tiles.ts';

export interface VisionCost {
  readonly missedDefect: number;
  readonly falseReject: number;
}

export interface ScoredBoard {
  readonly grid: TileGrid;
  readonly scores: ArrayLike<number>;
  readonly defects: readonly Box[];
}

export interface BoardMetrics {
  readonly threshold: number;
  readonly recall: number;
  readonly falseRegionsPerBoard: number;
  readonly costPerBoard: number;
}

export function boardMetrics(boards: readonly ScoredBoard[], threshold: number, cost: VisionCost): BoardMetrics {
  let defects = 0,
    found = 0,
    falseRegions = 0;
  for (const b of boards) {
    const e = evaluateBoard(regionsOf(b.grid, b.scores, threshold), b.defects);
    defects += e.defects;
    found += e.found;
    falseRegions += e.falseRegions;
  }
  const n = Math.max(1, boards.length);
  return {
    threshold,
    recall: defects ? found / defects : 1,
    falseRegionsPerBoard: falseRegions / n,
    costPerBoard: ((defects - found) * cost.missedDefect + falseRegions * cost.falseReject) / n,
  };
}

export function chooseThreshold(boards: readonly ScoredBoard[], cost: VisionCost, recallTarget: number, candidates = 60): BoardMetrics {
  const all: number[] = [];
  for (const b of boards) for (let i = 0; i < b.scores.length; i++) all.push(b.scores[i]!);
  all.sort((a, b) => a - b);
  if (all.length === 0) throw new Error('no scored tiles to choose a threshold on');
  // candidates from the top tail of the scores, where defects live (≈1 % of tiles flagged)
  const qs = new Set<number>();
  for (let k = 0; k < candidates; k++) {
    const q = 1 - 0.1 * Math.pow(0.001, k / (candidates - 1)); // 0.9 … 0.9999
    qs.add(all[Math.min(all.length - 1, Math.floor(q * all.length))]!);
  }
  let best: BoardMetrics | null = null;
  for (const t of qs) {
    const m = boardMetrics(boards, t, cost);
    if (!best) best = m;
    else {
      const ok = m.recall >= recallTarget,
        bestOk = best.recall >= recallTarget;
      if (ok && (!bestOk || m.costPerBoard < best.costPerBoard)) best = m;
      else if (!ok && !bestOk && (m.recall > best.recall || (m.recall === best.recall && m.costPerBoard < best.costPerBoard))) best = m;
    }
  }
  return best!;
}
