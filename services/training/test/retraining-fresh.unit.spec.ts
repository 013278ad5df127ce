// The pure part of retraining on fresh data: one retraining per trigger, the fresh snapshot defined
// like the base one over the rolling window, and the fresh-data check with its numbers.
import { describe, expect, it } from 'vitest';
import { freshDataShortfall, freshSnapshotPlan, positivesOf, retrainingIdOf, rollingWindow, type BaseSnapshot } from '../src/domain/retraining.ts';

const window = { format: 'industrial-ml/window-spec/v1', version: '1.0.0', windowMinutes: 60, gridMinutes: 5, features: [] } as unknown as NonNullable<
  BaseSnapshot['window']
>;
const base: BaseSnapshot = {
  snapshotId: 's-1',
  datasetId: 'd-1',
  featureSetVersion: '1.0.0',
  rowCount: 100,
  window,
  source: {
    kind: 'historian-windows',
    assetPaths: ['a.p.u.l.pump-1', 'a.p.u.l.pump-2'],
    strideMinutes: 30,
    target: { label: 'bearing_failure', horizonMinutes: 120, column: 't' },
  },
  splits: {
    kind: 'group',
    by: 'asset_path',
    train: { start: 0, end: 50 },
    validation: { start: 50, end: 75 },
    test: { start: 75, end: 100 },
    groups: { train: ['p1', 'p2'], validation: ['p3'], test: ['p4'] },
  },
};

describe('retraining on fresh data (pure part)', () => {
  it('derives one retraining id per trigger', () => {
    const drift = {
      kind: 'drift' as const,
      driftId: '0193a1b2-7c00-7a10-8b00-00000000000f',
      retrainingRequestId: null,
      scheduleTick: null,
      schedule: null,
      requestedBy: null,
    };
    expect(retrainingIdOf('u', drift, null)).toBe(retrainingIdOf('u', { ...drift, retrainingRequestId: '0193a1b2-7c00-7a10-8b00-000000000010' }, null));
    const tick = { ...drift, kind: 'schedule' as const, driftId: null, scheduleTick: '2025-03-03T05:00:00.000Z', schedule: 'weekly mon 06:00' };
    expect(retrainingIdOf('u', tick, null)).not.toBe(retrainingIdOf('v', tick, null));
    expect(retrainingIdOf('u', tick, null)).not.toBe(retrainingIdOf('u', { ...tick, scheduleTick: '2025-03-10T05:00:00.000Z' }, null));
  });

  it('defines the fresh snapshot like the base one over the rolling window', () => {
    const w = rollingWindow(Date.parse('2025-03-10T00:00:00Z'), 7);
    expect(w).toEqual({ from: '2025-03-03T00:00:00.000Z', to: '2025-03-10T00:00:00.000Z' });
    const plan = freshSnapshotPlan('u', base, w);
    expect(plan).toEqual({
      ok: true,
      request: {
        useCaseId: 'u',
        datasetId: 'd-1',
        assetPaths: ['a.p.u.l.pump-1', 'a.p.u.l.pump-2'],
        from: w.from,
        to: w.to,
        window,
        strideMinutes: 30,
        target: { label: 'bearing_failure', horizonMinutes: 120, column: 't' },
        split: { kind: 'group', by: 'asset_path', orderBy: 'time', trainFraction: 0.5, validationFraction: 0.25 },
        featureSetVersion: '1.0.0',
      },
    });
  });

  it('refuses to rebuild a snapshot that did not come from the historian, saying so', () => {
    const plan = freshSnapshotPlan('u', { ...base, source: { kind: 'import' } }, rollingWindow(0, 7));
    expect(plan).toMatchObject({ ok: false, reason: expect.stringMatching(/imported file; only snapshots of historian window features/) });
  });

  it('says how much fresh data is missing, with the numbers', () => {
    const limits = { minRows: 200, minPositives: 5 };
    expect(freshDataShortfall({ rowCount: 150, positives: 20, target: 't', windowDays: 7 }, limits)).toBe(
      'the fresh snapshot over the last 7 days holds 150 rows; at least 200 are needed to retrain',
    );
    expect(freshDataShortfall({ rowCount: 900, positives: 3, target: 't', windowDays: 7 }, limits)).toMatch(/holds 3 positive rows of t .*at least 5/);
    expect(freshDataShortfall({ rowCount: 900, positives: null, target: 't', windowDays: 7 }, limits)).toBeNull();
    expect(positivesOf(Float64Array.from([0, 1, 1, 0]), 'classification')).toBe(2);
    expect(positivesOf(Float64Array.from([0, 1, 1, 0]), 'regression')).toBeNull();
  });
});
