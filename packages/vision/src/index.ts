// Public surface of @industrial/vision. Import from here only.
export { decodeImage, encodePgm, ImageDecodeError, DEFAULT_MAX_IMAGE_BYTES } from './image.ts';
export type { GreyImage, ImageErrorKind, ImageLimits } from './image.ts';
export { decodeJpeg, isJpeg } from './jpeg.ts';
export { tileGrid, tileBox, tileLabels, overlaps, splitBoards, shuffled, DEFAULT_TILE, DEFAULT_STRIDE } from './tiles.ts';
export type { Box, Defect, TileGrid, BoardSplit } from './tiles.ts';
export { tileFeatures, lbpCodes, gradientMaps, FEATURE_NAMES, FEATURE_COUNT, LBP_RADII, LBP_MARGIN } from './features.ts';
export { boardTiles, cropInto } from './pixels.ts';
export { initCnn, cnnForward, cnnBackward, cnnScores, cnnWork, cnnLayout, sigmoid, DEFAULT_CNN_SHAPE } from './cnn.ts';
export type { Cnn, CnnShape, CnnLayout } from './cnn.ts';
export { trainCnn, augmentInto } from './cnn-train.ts';
export type { CnnTrainSet, CnnValidationSet, CnnTrainOptions, CnnTrainResult } from './cnn-train.ts';
export { exportCnnOnnx, CNN_ONNX_OPSET } from './onnx-cnn.ts';
export { fitTileGbdt, tileGbdtScores, exportTileGbdtOnnx } from './tree.ts';
export type { TileRows } from './tree.ts';
export { openSession, runCnnOnnx, runGbdtOnnx } from './onnx-run.ts';
export type { OnnxSession } from './onnx-run.ts';
export { regionsOf, evaluateBoard, placeWords, boardPrompt, DEFECT_TYPES } from './defect-map.ts';
export type { Region, BoardEvaluation } from './defect-map.ts';
export { chooseThreshold, boardMetrics } from './threshold.ts';
export type { VisionCost, ScoredBoard, BoardMetrics } from './threshold.ts';
export { readDeepPcb, parseAnnotations } from './deeppcb.ts';
export type { BoardRecord } from './deeppcb.ts';
export { ImageStore, sha256Of } from './store.ts';
export type { StoredImage } from './store.ts';
export { boardScorer } from './board.ts';
export type { BoardScorerOptions, BoardScore } from './board.ts';
export { trainSmallTileModel } from './small-model.ts';
export type { SmallTileModel } from './small-model.ts';
export {
  applyRegionStage,
  modelJsonWithStage,
  parseRegionStage,
  regionCandidates,
  fitRegionStage,
  regionStageScores,
  regionMetrics,
  chooseKeep,
  outOfFold,
  regionLabels,
  REGION_FEATURES,
} from './region-stage.ts';
export type { RegionCandidates, RegionBoard, RegionStage } from './region-stage.ts';
