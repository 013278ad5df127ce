// Use case "read a use case" (GetUseCase): everything the charter holds about it, folded from its
// stream, with its status and revision (for the next write's expected revision).
import type { Drafted, UseCaseState } from '../domain/usecase.ts';
import { mustExist, type CharterContext } from './context.ts';
import { loadUseCase } from './use-case-stream.ts';

export interface UseCaseView {
  readonly draft: Drafted;
  readonly state: UseCaseState;
  readonly status: 'draft' | 'approved';
  readonly revision: number;
}

export async function getUseCase(ctx: CharterContext, useCaseId: string): Promise<UseCaseView> {
  const { state, revision } = await loadUseCase(ctx.kernel, useCaseId);
  const draft = mustExist(state, useCaseId);
  return { draft, state, status: state.approval === null ? 'draft' : 'approved', revision: revision ?? -1 };
}
