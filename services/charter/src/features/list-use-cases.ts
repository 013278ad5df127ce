// Use case "list the use cases" (ListUseCases): every use case the charter holds, most recently
// drafted first, each folded from its `usecase-<id>` stream. Which use cases exist is learnt from
// the store's global log (UseCaseDrafted events), read on from where the last call stopped.
import type { Kernel } from '@industrial/kernel';
import type { Drafted } from '../domain/usecase.ts';
import type { CharterContext } from './context.ts';
import { loadUseCase } from './use-case-stream.ts';

const PAGE = 1000;

export interface UseCaseSummaryView {
  readonly draft: Drafted;
  readonly status: 'draft' | 'approved';
  readonly revision: number;
  readonly servingSpecVersion: number;
}

export interface UseCaseLister {
  list(ctx: CharterContext, max: number): Promise<UseCaseSummaryView[]>;
}

/** Remembers the use case ids seen in the global log (in drafting order) between calls. */
export function createUseCaseLister(): UseCaseLister {
  const ids: string[] = [];
  const seen = new Set<string>();
  let position = 0;
  async function catchUp(kernel: Pick<Kernel, 'reader'>): Promise<void> {
    for (;;) {
      const page = await kernel.reader.readAll({ fromPosition: position + 1, maxCount: PAGE });
      for (const e of page) {
        position = e.position;
        if (e.type !== 'UseCaseDrafted' || !e.stream.startsWith('usecase-')) continue;
        const id = e.stream.slice('usecase-'.length);
        if (!seen.has(id)) {
          seen.add(id);
          ids.push(id);
        }
      }
      if (page.length < PAGE) return;
    }
  }
  let catching: Promise<void> | null = null;
  return {
    async list(ctx, max) {
      catching ??= catchUp(ctx.kernel).finally(() => (catching = null));
      await catching;
      const newest = ids.slice(-max).reverse();
      const loaded = await Promise.all(newest.map((id) => loadUseCase(ctx.kernel, id)));
      return loaded.flatMap(({ state, revision }) =>
        state.draft === null
          ? []
          : [
              {
                draft: state.draft,
                status: state.approval === null ? ('draft' as const) : ('approved' as const),
                revision: revision ?? -1,
                servingSpecVersion: state.serving?.specVersion ?? 0,
              },
            ],
      );
    },
  };
}
