// Use case "approve a use case" (ApproveUseCase): a quality lead who is not its owner approves it
// once objectives, cost model and a feasible assessment are in, optionally with a review date.
import type { Cause } from '@industrial/kernel';
import type { CharterContext } from './context.ts';
import { runCommand } from './use-case-stream.ts';

export interface ApproveUseCaseInput {
  readonly useCaseId: string;
  readonly expectedRevision?: number | undefined;
  readonly comment?: string | undefined;
  readonly reviewBy?: string | undefined;
}

export async function approveUseCase(ctx: CharterContext, input: ApproveUseCaseInput, cause: Cause): Promise<{ revision: number }> {
  const out = await runCommand(
    ctx.kernel,
    input.useCaseId,
    {
      type: 'ApproveUseCase',
      approver: cause.actor,
      now: ctx.now(),
      ...(input.comment === undefined || input.comment.trim() === '' ? {} : { comment: input.comment }),
      ...(input.reviewBy === undefined ? {} : { reviewBy: input.reviewBy }),
    },
    cause,
    { expectedRevision: input.expectedRevision },
  );
  return { revision: out.revision };
}
