// Live monitoring rules (domain/live.ts) as tables: live precision and recall against the gates once
// enough outcomes are recorded, KPIs against baseline and (past the deadline) target, and proposals
// recorded once while they stand, only for the version still in production.
import { eventExamples } from '@industrial/contracts';
import { describe, expect, it } from 'vitest';
import { decideProposals, kpiBreaches, liveBreaches, type Breach, type KpiTrack } from '../../src/domain/live.ts';
import { emptyRegistry, evolveRegistry, type RegistryState } from '../../src/domain/registry-state.ts';

const policy = { minMetrics: { precision: 0.6, recall: 0.5 }, minLiveOutcomes: 10 };

describe('live precision and recall', () => {
  it.each<[string, { confirmed: number; falseAlarms: number; missed: number }, string[]]>([
    ['all fine', { confirmed: 8, falseAlarms: 2, missed: 2 }, []],
    ['too few outcomes to judge', { confirmed: 1, falseAlarms: 8, missed: 0 }, []],
    ['precision below its gate', { confirmed: 5, falseAlarms: 6, missed: 0 }, ['precision 0.455 / 0.6 on 11']],
    ['recall below its gate', { confirmed: 4, falseAlarms: 0, missed: 6 }, ['recall 0.400 / 0.5 on 10']],
    ['both', { confirmed: 5, falseAlarms: 10, missed: 10 }, ['precision 0.333 / 0.6 on 15', 'recall 0.333 / 0.5 on 15']],
  ])('%s', (_name, counts, expected) => {
    const found = liveBreaches(policy, counts).map((b) => `${b.measure} ${b.value.toFixed(3)} / ${b.limit} on ${b.basis}`);
    expect(found).toEqual(expected);
  });

  it('checks only the metrics the gates name', () => {
    expect(liveBreaches({ minMetrics: { f1: 0.9 }, minLiveOutcomes: 1 }, { confirmed: 0, falseAlarms: 50, missed: 50 })).toEqual([]);
  });
});

describe('KPIs', () => {
  const kpi = (values: number[], deadline = '2030-01-01T00:00:00Z'): KpiTrack => ({
    name: 'unplanned downtime',
    direction: 'decrease',
    baseline: 10,
    target: 6,
    deadline,
    measurements: values.map((value, i) => ({ value, periodEnd: `2026-0${i + 1}-01T00:00:00Z` })),
  });
  it.each<[string, KpiTrack, string[]]>([
    ['no measurement', kpi([]), []],
    ['better than baseline, before the deadline', kpi([9, 8]), []],
    ['worse than baseline (latest counts)', kpi([8, 11]), ['11 vs 10 (2)']],
    ['short of target past the deadline', kpi([8], '2025-12-31T00:00:00Z'), ['8 vs 6 (1)']],
    ['target met past the deadline', kpi([5], '2025-12-31T00:00:00Z'), []],
  ])('%s', (_name, track, expected) => {
    expect(kpiBreaches([track]).map((b) => `${b.value} vs ${b.limit} (${b.basis})`)).toEqual(expected);
  });
});

describe('proposals', () => {
  const U = eventExamples.ModelVersionRegistered.useCaseId;
  const [V1, V2] = ['0190a1b2-0000-7000-8000-000000000001', '0190a1b2-0000-7000-8000-000000000002'];
  const ev = (type: string, data: object): Parameters<typeof evolveRegistry>[1] => ({ type, data, actor: 'quinn', recordedAt: '2026-01-01T00:00:00Z' });
  let s: RegistryState = emptyRegistry();
  for (const [i, id] of [V1, V2].entries())
    s = evolveRegistry(s, ev('ModelVersionRegistered', { ...eventExamples.ModelVersionRegistered, modelVersionId: id, version: i + 1 }));
  const promote = (st: RegistryState, id: string, previous: string | null) =>
    evolveRegistry(st, ev('ModelPromoted', { useCaseId: U, modelVersionId: id, stage: 'production', approvalRequestId: id, previousModelVersionId: previous }));
  s = promote(promote(s, V1, null), V2, V1);
  const breach: Breach = { trigger: 'gate-breach', measure: 'precision', value: 0.3, limit: 0.6, basis: 12, reason: 'live precision low' };
  let n = 0;
  const command = (modelVersionId: string, breaches: Breach[] = [breach]) => ({ useCaseId: U, modelVersionId, scope: null, breaches, newId: () => `p${++n}` });

  it('proposes rolling back to the version it replaced, once while it stands', () => {
    const [d] = decideProposals(s, command(V2));
    expect(d!.data).toMatchObject({
      proposalId: 'p1',
      modelVersionId: V2,
      toModelVersionId: V1,
      trigger: 'gate-breach',
      reason: 'live precision low; proposed: roll back to version 1',
    });
    const after = evolveRegistry(s, ev(d!.type, d!.data));
    expect(decideProposals(after, command(V2))).toEqual([]);
    // Another measure is another proposal.
    expect(decideProposals(after, command(V2, [{ ...breach, measure: 'recall' }]))).toHaveLength(1);
    // Once V2 leaves production, its proposal no longer stands.
    const back = evolveRegistry(
      after,
      ev('ModelRolledBack', { useCaseId: U, fromModelVersionId: V2, toModelVersionId: V1, trigger: 'gate-breach', reason: 'x' }),
    );
    expect([...back.proposals.values()][0]!.standing).toBe(false);
  });

  it('proposes nothing for a version not in production there', () => {
    expect(decideProposals(s, command(V1))).toEqual([]);
    expect(decideProposals(s, { ...command(V2), scope: 'acme.plant-1' })).toEqual([]);
  });
});
