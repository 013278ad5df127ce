// Use case "draft a use case" (DraftUseCase): the problem, scope, assets, owner, questions,
// stakeholders, failure modes and required tags. Assets are checked against the catalog when one
// is connected; the id is the caller's (idempotent retries refuse as ALREADY_EXISTS) or a new one.
import type { Cause } from '@industrial/kernel';
import type { Drafted } from '../domain/usecase.ts';
import type { CharterContext } from './context.ts';
import { knownAssets } from './facts.ts';
import { runCommand } from './use-case-stream.ts';

export interface DraftUseCaseInput {
  /** Omitted: a new id. */
  readonly useCaseId?: string | undefined;
  readonly useCase: Omit<Drafted, 'useCaseId'>;
}

export async function draftUseCase(ctx: CharterContext, input: DraftUseCaseInput, cause: Cause): Promise<{ useCaseId: string; revision: number }> {
  const useCaseId = input.useCaseId ?? ctx.newId();
  const data: Drafted = { ...input.useCase, useCaseId };
  const known = ctx.catalog === null ? null : await knownAssets(ctx.catalog, data.assetPaths);
  const out = await runCommand(ctx.kernel, useCaseId, { type: 'DraftUseCase', data, knownAssets: known }, cause, { fieldPrefix: ['useCase'] });
  return { useCaseId, revision: out.revision };
}
