// The visual-inspection wording and checks of inference (#22): which stations a use case serves,
// the station's asset path for manual mode, the board prompt in plain words, and image drift.
import { describe, expect, it } from 'vitest';
import { boardMessage, imageDrift, placeOf, servesStation, stationPath } from '../../src/domain/visual.ts';
import { useCaseFromFile } from '../usecases.ts';

const spec = useCaseFromFile('visual/board-line-inspection');
const box = (x1: number, y1: number, x2: number, y2: number) => ({ x1, y1, x2, y2, score: 0.9 });

describe('visual inspection wording', () => {
  it('serves the stations of its prefix; the station path is under the use case line', () => {
    expect([servesStation(spec, 'aoi-1'), servesStation(spec, 'aoi-22'), servesStation(spec, 'press-1')]).toEqual([true, true, false]);
    expect(stationPath(spec, 'aoi-1')).toBe('acme.plant-1.electronics.board-line-1.aoi-1');
    expect(servesStation(useCaseFromFile('pump-bearing'), 'aoi-1')).toBe(false);
  });

  it('words the board prompt with the part, the station, the places and the action', () => {
    expect(placeOf(box(0, 0, 64, 64), 640, 640)).toBe('upper left');
    expect(placeOf(box(300, 300, 340, 340), 640, 640)).toBe('centre');
    expect(placeOf(box(600, 300, 640, 340), 640, 640)).toBe('middle right');
    expect(boardMessage(spec, '13000188', 'aoi-1', [box(0, 0, 64, 64)], 640, 640)).toBe(
      'Board 13000188 at aoi-1: possible defect near the upper left — check before soldering',
    );
    // two regions in one place are said once; past three places, the rest are counted
    const many = [box(0, 0, 32, 32), box(40, 40, 72, 72), box(600, 0, 640, 32), box(0, 600, 32, 640), box(600, 600, 640, 640), box(300, 300, 340, 340)];
    expect(boardMessage(spec, 'b1', 'aoi-1', many, 640, 640)).toBe(
      'Board b1 at aoi-1: possible defect near the upper left, the upper right, the lower left and 2 more places — check before soldering',
    );
  });

  it('reports image drift when the tiles seen differ from the training tiles', () => {
    const ref = Float64Array.from({ length: 500 }, (_, i) => (i % 100) / 100).sort();
    expect(
      imageDrift(
        'mean',
        ref,
        Array.from({ length: 300 }, (_, i) => (i % 100) / 100),
      ).severity,
    ).toBe('none');
    const shifted = imageDrift(
      'mean',
      ref,
      Array.from({ length: 300 }, (_, i) => 0.8 + (i % 20) / 100),
    );
    expect(shifted.severity).toBe('critical');
    expect(shifted.psi).toBeGreaterThan(0.25);
  });
});
