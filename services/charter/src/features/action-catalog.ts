// Use case "action catalog" (CatalogueAction, ListActions): what an operator is told to do for a
// failure mode of an asset type (label, instructions, manual mode, response time), and the lookup
// inference uses when it raises a prompt.
import type { Cause } from '@industrial/kernel';
import { actionFor, type CatalogAction } from '../domain/actions.ts';
import { mustExist, type CharterContext } from './context.ts';
import { CharterError } from './errors.ts';
import { loadUseCase, runCommand } from './use-case-stream.ts';

export interface CatalogueActionInput {
  readonly useCaseId: string;
  readonly expectedRevision?: number | undefined;
  /** Without an id: a new one. */
  readonly action: Omit<CatalogAction, 'actionId'> & { readonly actionId?: string | undefined };
}

export async function catalogueAction(ctx: CharterContext, input: CatalogueActionInput, cause: Cause): Promise<{ revision: number; action: CatalogAction }> {
  const { actionId, ...rest } = input.action;
  const action: CatalogAction = { ...rest, actionId: actionId ?? ctx.newId() };
  const out = await runCommand(ctx.kernel, input.useCaseId, { type: 'CatalogueAction', data: action }, cause, {
    expectedRevision: input.expectedRevision,
    fieldPrefix: ['action'],
  });
  return { revision: out.revision, action };
}

/** Every catalogued action, or the one for a failure mode of an asset type (NOT_FOUND when none is). */
export async function listActions(ctx: CharterContext, useCaseId: string, filter?: { assetType: string; failureMode: string }): Promise<CatalogAction[]> {
  const { state } = await loadUseCase(ctx.kernel, useCaseId);
  mustExist(state, useCaseId);
  if (filter === undefined) return state.actions;
  const action = actionFor(state.actions, filter.assetType, filter.failureMode);
  if (action === undefined) throw new CharterError('NOT_FOUND', ['failureMode'], `no action is catalogued for ${filter.failureMode} on ${filter.assetType}`);
  return [action];
}
