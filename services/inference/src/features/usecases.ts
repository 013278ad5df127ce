// Use case "serve every use case the charter defines" (ADR 0016): the serving specs come from the
// charter's UseCaseServingSpecDefined events, followed from the store like the deployment events
// (following.ts hands them over and keeps them in the projection snapshot), so a new or revised use
// case is served while running, without a restart. `list` is one live array, changed in place:
// scoring, prompting, replicas and drift hold it and always see the current use cases.
import { useCaseSpecFrom, type UseCaseSpec } from '../domain/usecase.ts';
import type { Log } from './ports.ts';

/** Event types that define what is served (kept in the projection snapshot with the deployment events). */
export const USE_CASE_EVENT_TYPES: ReadonlySet<string> = new Set(['UseCaseServingSpecDefined']);

export interface UseCaseRegistry {
  /** The served use cases, changed in place (never replaced). */
  readonly list: readonly UseCaseSpec[];
  get(useCaseId: string): UseCaseSpec | undefined;
  /** Folds one UseCaseServingSpecDefined (an older or equal version than the one served is ignored). */
  apply(event: { readonly type: string; readonly data: unknown }): void;
  /** Called after a use case was added or revised. */
  onChange(listener: (spec: UseCaseSpec) => void): () => void;
}

export function createUseCaseRegistry(deps: { log: Log; initial?: readonly UseCaseSpec[] }): UseCaseRegistry {
  const list: UseCaseSpec[] = [...(deps.initial ?? [])];
  const listeners = new Set<(spec: UseCaseSpec) => void>();
  return {
    list,
    get: (id) => list.find((u) => u.useCaseId === id),
    apply(event) {
      if (!USE_CASE_EVENT_TYPES.has(event.type)) return;
      const d = event.data as { useCaseId: string; specVersion: number; spec: Parameters<typeof useCaseSpecFrom>[2] };
      const i = list.findIndex((u) => u.useCaseId === d.useCaseId);
      if (i >= 0 && list[i]!.specVersion >= d.specVersion) return;
      let spec: UseCaseSpec;
      try {
        spec = useCaseSpecFrom(d.useCaseId, d.specVersion, d.spec);
      } catch (error) {
        deps.log.error({ err: error, useCase: d.useCaseId, specVersion: d.specVersion }, 'serving spec not usable; the previous version (if any) stays served');
        return;
      }
      if (i >= 0) list[i] = spec;
      else list.push(spec);
      deps.log.info({ useCase: spec.useCaseId, specVersion: spec.specVersion, name: spec.name }, i >= 0 ? 'use case revised' : 'use case served');
      for (const l of listeners) l(spec);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
