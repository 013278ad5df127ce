import { describe, expect, it } from 'vitest';
import { cnnBackward, cnnForward, cnnWork, initCnn } from '../src/index.ts';

describe('CNN backward pass', () => {
  it('matches numerical gradients of the logit (central differences)', () => {
    const net = initCnn({ size: 16, c1: 3, c2: 4, c3: 5 }, 11);
    let s = 9;
    const tile = Float32Array.from({ length: 256 }, () => ((s = (s * 69069 + 1) >>> 0) % 1000) / 1000);
    const work = cnnWork(net.shape);
    const grad = new Float64Array(net.params.length);
    cnnForward(net, tile, work);
    cnnBackward(net, tile, 1, grad, work);
    const eps = 1e-2;
    let worst = 0;
    for (let i = 0; i < net.params.length; i += 7) {
      const keep = net.params[i]!;
      net.params[i] = keep + eps;
      const up = cnnForward(net, tile, work);
      net.params[i] = keep - eps;
      const down = cnnForward(net, tile, work);
      net.params[i] = keep;
      const numeric = (up - down) / (2 * eps);
      worst = Math.max(worst, Math.abs(numeric - grad[i]!) / Math.max(1e-2, Math.abs(numeric) + Math.abs(grad[i]!)));
    }
    expect(worst).toBeLessThan(2e-2);
  });
});
