// Scoring one board for serving: grey image → tile scores by the exported model (onnxruntime)
// → defect map regions at the chosen threshold → the operator's prompt. The same tile
// features / tile pixels as training (tileFeatures, boardTiles), so serving cannot drift
// from training by construction.

import { boardPrompt, regionsOf, type Region } from './defect-map.ts';
import { tileFeatures } from './features.ts';
import type { GreyImage } from './image.ts';
import { runCnnOnnx, runGbdtOnnx, type OnnxSession } from './onnx-run.ts';
import { boardTiles } from './pixels.ts';
import { tileGrid, type TileGrid } from './tiles.ts';

export interface BoardScorerOptions {
  readonly kind: 'features-gbdt' | 'cnn';
  readonly session: OnnxSession;
  readonly threshold: number;
  readonly tile?: number;
  readonly stride?: number;
}

export interface BoardScore {
  readonly grid: TileGrid;
  readonly scores: Float32Array;
  readonly regions: Region[];
  readonly prompt: string;
}

export function boardScorer(o: BoardScorerOptions): (img: GreyImage, boardId: string, station: string) => Promise<BoardScore> {
  return async (img, boardId, station) => {
    const grid = tileGrid(img.width, img.height, o.tile ?? 32, o.stride ?? 16);
    const scores =
      o.kind === 'cnn'
        ? await runCnnOnnx(o.session, boardTiles(img, grid), grid.cols * grid.rows, grid.tile)
        : await runGbdtOnnx(o.session, tileFeatures(img, grid));
    const regions = regionsOf(grid, scores, o.threshold);
    return { grid, scores, regions, prompt: boardPrompt(boardId, station, regions, img.width, img.height) };
  };
}
