// ONNX parity of both tiers: the TypeScript forward pass / tree scores against
// onnxruntime-node on the exported graphs, to 1e-4. Also a short CNN training on worker
// threads that must learn a trivial pattern.
import { describe, expect, it } from 'vitest';
import {
  boardScorer,
  boardTiles,
  cnnScores,
  exportCnnOnnx,
  exportTileGbdtOnnx,
  FEATURE_COUNT,
  fitTileGbdt,
  initCnn,
  openSession,
  runCnnOnnx,
  runGbdtOnnx,
  tileGbdtScores,
  tileGrid,
  trainCnn,
} from '../src/index.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
}

describe('ONNX parity', () => {
  it('CNN: onnxruntime logits equal the TypeScript forward pass to 1e-4', async () => {
    const net = initCnn({ size: 32, c1: 8, c2: 16, c3: 16 }, 5);
    const r = rng(1);
    const n = 40;
    const tiles = Float32Array.from({ length: n * 32 * 32 }, () => (r() < 0.5 ? 0 : 1));
    const ts = cnnScores(net, tiles, n);
    const bytes = exportCnnOnnx(net, { threshold: '0' });
    const ops = new Set([...new TextDecoder('latin1').decode(bytes).matchAll(/(Conv|Relu|MaxPool|GlobalAveragePool|Gemm|Flatten|Sigmoid)/g)].map((m) => m[1]));
    expect(ops.size).toBe(7);
    const session = await openSession(bytes);
    const onnx = await runCnnOnnx(session, tiles, n, 32);
    await session.release();
    let maxDiff = 0;
    for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs(onnx[i]! - ts[i]!));
    expect(maxDiff).toBeLessThan(1e-4);
    expect(exportCnnOnnx(net, { threshold: '0' })).toEqual(bytes); // deterministic
  });

  it('tree model on tile features: onnxruntime probabilities equal the TypeScript scores to 1e-4', async () => {
    const r = rng(2);
    const n = 600;
    const x = Float32Array.from({ length: n * FEATURE_COUNT }, () => r());
    const y = Uint8Array.from({ length: n }, (_, i) => (x[i * FEATURE_COUNT + 3]! + 0.3 * x[i * FEATURE_COUNT + 60]! > 0.7 ? 1 : 0));
    const model = fitTileGbdt({ x, y }, null, { maxIter: 30 });
    const ts = tileGbdtScores(model, x);
    const session = await openSession(exportTileGbdtOnnx(model));
    const onnx = await runGbdtOnnx(session, x);
    await session.release();
    let maxDiff = 0;
    for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs(onnx[i]! - ts[i]!));
    expect(maxDiff).toBeLessThan(1e-4);
  });
});

describe('board scoring for serving', () => {
  it('scores every tile of a board through onnxruntime, draws regions and words the prompt', async () => {
    const net = initCnn({ size: 32, c1: 8, c2: 16, c3: 16 }, 9);
    const data = new Uint8Array(128 * 128).map((_, i) => (i % 13 === 0 ? 255 : 0));
    const img = { width: 128, height: 128, data };
    const grid = tileGrid(128, 128);
    const ts = cnnScores(net, boardTiles(img, grid), grid.cols * grid.rows);
    const session = await openSession(exportCnnOnnx(net));
    const threshold = [...ts].sort((a, b) => b - a)[2]! - 1e-3; // the top tiles flagged (ORT rounds differently)
    const result = await boardScorer({ kind: 'cnn', session, threshold })(img, '13000188', 'AOI 1');
    await session.release();
    for (let k = 0; k < ts.length; k++) expect(Math.abs(result.scores[k]! - ts[k]!)).toBeLessThan(1e-4);
    expect(result.regions.length).toBeGreaterThan(0);
    expect(result.prompt).toMatch(/^Board 13000188 at AOI 1: possible defect near the .+ — check before soldering\.$/);
  });
});

describe('CNN training on two worker threads', () => {
  it('learns to tell a white 4×4 square from a blank tile', async () => {
    const r = rng(3);
    const n = 240,
      pad = 2,
      C = 16 + 2 * pad;
    const crops = new Uint8Array(n * C * C);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < C * C; k++) crops[i * C * C + k] = r() < 0.05 ? 255 : 0; // noise
      if (i % 2 === 0) {
        labels[i] = 1;
        const x0 = 4 + Math.floor(r() * 8),
          y0 = 4 + Math.floor(r() * 8);
        for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) crops[i * C * C + (y0 + y) * C + x0 + x] = 255;
      }
    }
    // validation = the training crops' centres
    const tiles = new Float32Array(n * 256);
    for (let i = 0; i < n; i++)
      for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) tiles[i * 256 + y * 16 + x] = crops[i * C * C + (y + pad) * C + x + pad]! / 255;
    const result = await trainCnn(
      { crops, pad, labels },
      { tiles, labels },
      { shape: { size: 16, c1: 4, c2: 8, c3: 8 }, epochs: 8, batch: 16, learningRate: 0.01, workers: 2 },
    );
    expect(result.validationAuroc).toBeGreaterThan(0.95);
    expect(result.history.length).toBe(result.epochsRun);
  });
});
