// The charter's use cases write only through the kernel: a command decided on a stream another
// service's kernel would write is refused with a typed OwnershipError and nothing is written;
// writes that race on one use case are re-read and decided again (no caller sees a conflict);
// a stale expected revision is a typed ConcurrencyConflictError, nothing written.
import { randomUUID } from 'node:crypto';
import { Service } from '@industrial/contracts';
import { ConcurrencyConflictError, OwnershipError, createKernel, serviceCause } from '@industrial/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Drafted } from '../src/domain/usecase.ts';
import { runCommand } from '../src/features/use-case-stream.ts';
import { postgresStore, sqliteStore, type StoreFactory, type StoreFixture } from './fixture.ts';

const draft = (useCaseId: string): Drafted => ({
  useCaseId,
  title: 'Predict filler nozzle clogging',
  problem: 'Filler 3 nozzles clog about twice a week.',
  scope: { enterprise: 'acme', site: 'plant1' },
  assetPaths: ['acme.plant1.packaging.line-1.filler-3'],
  owner: 'erik@plant1',
  kind: 'predictive-maintenance',
  questions: { whatAreWeImproving: 'Stops.', whyDoesItMatter: 'Output.', howWillWeKnow: 'Downtime halves.' },
  stakeholders: [],
  failureModes: [{ assetType: 'filler', code: 'nozzle-clog', description: 'Residue clogs the nozzles.' }],
  requiredTags: [],
});
const costModel = (falseAlarmCost: number) => ({
  currency: 'EUR',
  falseAlarmCost,
  missedEventCost: 1800,
  interventionCost: 60,
  downtimeCostPerHour: 2400,
  downtimeHoursPerFailure: 0.67,
  investment: 40_000,
  runningCostPerYear: 6000,
  assumptions: 'Line 1.',
});

describe.each<[string, StoreFactory]>([
  ['SQLite', sqliteStore],
  ['PostgreSQL', postgresStore],
])('the charter kernel on %s', (_name, factory) => {
  let fx: StoreFixture;
  const cause = serviceCause(Service.Charter, randomUUID());
  beforeAll(async () => {
    fx = await factory();
  });
  afterAll(async () => {
    await fx?.cleanup();
  });

  it('refuses a use-case command under another service with a typed OwnershipError, and writes nothing', async () => {
    const id = randomUUID();
    const foreign = createKernel({ service: Service.DataOps, store: fx.store });
    const error = await runCommand(foreign, id, { type: 'DraftUseCase', data: draft(id), knownAssets: null }, cause).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OwnershipError);
    expect(error).toMatchObject({ stream: `usecase-${id}`, type: 'UseCaseDrafted', owner: Service.Charter, service: Service.DataOps });
    expect(await createKernel({ service: Service.Charter, store: fx.store }).read(`usecase-${id}`)).toEqual([]);
  });

  it('decides racing writes again instead of failing them, and refuses a stale expected revision', async () => {
    const id = randomUUID();
    const kernel = createKernel({ service: Service.Charter, store: fx.store });
    await runCommand(kernel, id, { type: 'DraftUseCase', data: draft(id), knownAssets: null }, cause);
    const results = await Promise.all([1, 2, 3, 4].map((n) => runCommand(kernel, id, { type: 'SetCostModel', data: costModel(n) }, cause)));
    expect(results.map((r) => r.revision).sort()).toEqual([1, 2, 3, 4]);
    const stale = await runCommand(kernel, id, { type: 'SetCostModel', data: costModel(9) }, cause, { expectedRevision: 2 }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ConcurrencyConflictError);
    expect(await kernel.read(`usecase-${id}`)).toHaveLength(5);
  });
});
