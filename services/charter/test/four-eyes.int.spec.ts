// Four eyes on ApproveUseCase compares authenticated subjects: the actor recorded on the
// UseCaseDrafted event (from the drafter's token) against the approver's principal subject, not
// the free-text owner, and not case-sensitively — `Alice` cannot approve what `alice` drafted.
// A refusal writes nothing. Events are recorded through the charter's kernel on an embedded store.
import { randomUUID } from 'node:crypto';
import { eventExamples } from '@industrial/contracts';
import { createKernel, type Cause, type Kernel } from '@industrial/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sameSubject } from '../src/domain/usecase.ts';
import { approveUseCase } from '../src/features/approve-use-case.ts';
import type { CharterContext } from '../src/features/context.ts';
import { sqliteStore, type StoreFixture } from './fixture.ts';

const NOW = Date.parse('2025-03-01T08:00:00Z');
const cause = (actor: string, role = 'quality_lead'): Cause => ({ actor, role, correlationId: randomUUID(), causationId: null, traceparent: null });

let fx: StoreFixture;
let kernel: Kernel;
let ctx: CharterContext;

/** A use case ready for approval, drafted by `drafter` with the free-text `owner`. */
async function readyUseCase(drafter: string, owner: string): Promise<string> {
  const useCaseId = randomUUID();
  const stream = `usecase-${useCaseId}`;
  await kernel.append(stream, [{ type: 'UseCaseDrafted', data: { ...eventExamples.UseCaseDrafted, useCaseId, owner } }], cause(drafter, 'engineer'));
  await kernel.append(
    stream,
    [
      { type: 'ObjectiveSet', data: { ...eventExamples.ObjectiveSet, useCaseId } },
      { type: 'CostModelSet', data: { ...eventExamples.CostModelSet, useCaseId } },
      { type: 'FeasibilityAssessed', data: { ...eventExamples.FeasibilityAssessed, useCaseId } },
    ],
    cause('erik@plant1', 'engineer'),
  );
  return useCaseId;
}

async function refusalOf(p: Promise<unknown>): Promise<{ code?: string; message?: string } | null> {
  return p.then(
    () => null,
    (e: unknown) => e as { code?: string; message?: string },
  );
}

beforeAll(async () => {
  fx = await sqliteStore();
  kernel = createKernel({ service: 'charter', store: fx.store });
  ctx = { kernel, historian: null, catalog: null, outcomes: null, now: () => NOW, newId: randomUUID, timeZone: 'UTC' };
});
afterAll(async () => fx?.cleanup());

describe('four eyes on approving a use case', () => {
  it('refuses the drafter as approver even when the free-text owner names someone else, and writes nothing', async () => {
    const id = await readyUseCase('alice', 'bob@plant1');
    const refused = await refusalOf(approveUseCase(ctx, { useCaseId: id }, cause('alice')));
    expect(refused).toMatchObject({ code: 'FOUR_EYES_VIOLATION' });
    expect(refused?.message).toMatch(/alice drafted this use case/);
    expect((await fx.store.readStream(`usecase-${id}`)).map((e) => e.type)).not.toContain('UseCaseApproved');
  });

  it('refuses a subject that differs from the drafter only in case, spaces or Unicode form', async () => {
    const id = await readyUseCase('alice', 'bob@plant1');
    for (const approver of ['Alice', ' alice ', 'ＡＬＩＣＥ', 'user:alice']) {
      expect(await refusalOf(approveUseCase(ctx, { useCaseId: id }, cause(approver))), approver).toMatchObject({ code: 'FOUR_EYES_VIOLATION' });
    }
    expect(await fx.store.readStream(`usecase-${id}`)).toHaveLength(4);
  });

  it('still refuses the owner named in the draft, in any case', async () => {
    const id = await readyUseCase('erik@plant1', 'alice');
    expect(await refusalOf(approveUseCase(ctx, { useCaseId: id }, cause('Alice')))).toMatchObject({ code: 'FOUR_EYES_VIOLATION' });
  });

  it('lets another person approve, recording the approver as the actor', async () => {
    const id = await readyUseCase('alice', 'alice');
    expect(await approveUseCase(ctx, { useCaseId: id }, cause('qa@plant1'))).toEqual({ revision: 4 });
    const approved = (await fx.store.readStream(`usecase-${id}`)).at(-1)!;
    expect(approved).toMatchObject({ type: 'UseCaseApproved', metadata: { actor: 'qa@plant1' } });
  });

  it('compares subjects, not prefixes of them', () => {
    expect(sameSubject('alice', 'alice2')).toBe(false);
    expect(sameSubject('svc:alice', 'alice')).toBe(false);
    expect(sameSubject('Ａlice', 'user:ALICE ')).toBe(true);
  });
});
