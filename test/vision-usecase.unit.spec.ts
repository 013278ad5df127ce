// The board line's visual-inspection use case (#22) is data like every use case: its file in
// usecases/visual/ (kept out of the launchers' usecases/*.json until the demo plant has a board
// line) holds a serving spec the contract accepts, with the visual-inspection task kind.
import { UseCaseServingSpec } from '@industrial/contracts';
import { describe, expect, it } from 'vitest';
import { readUseCaseFile } from '../scripts/platform/usecases.ts';

describe('usecases/visual/board-line-inspection.json', () => {
  it('is a serving spec with the visual-inspection task', () => {
    const f = readUseCaseFile('board-line-inspection', `${import.meta.dirname}/../usecases/visual`);
    expect(f.serving.task).toEqual({ kind: 'visual-inspection', failureMode: 'copper-defect', stationPrefix: 'aoi-', partWords: 'Board' });
    expect(f.serving.failureModes[0]!.action.text).toBe('check before soldering');
  });

  it('refuses a visual task without its station prefix, naming the field', () => {
    const f = readUseCaseFile('board-line-inspection', `${import.meta.dirname}/../usecases/visual`);
    const bad = UseCaseServingSpec.safeParse({ ...f.serving, task: { kind: 'visual-inspection', failureMode: 'copper-defect', partWords: 'Board' } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['task', 'stationPrefix']);
  });
});
