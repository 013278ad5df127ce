// Use case "define how a use case is served" (DefineServingSpec): the serving spec (ADR 0016) is
// checked with itself and, when a catalog is connected, against the catalogued tags under its
// prefix (dataops' gRPC API); then recorded as UseCaseServingSpecDefined with the next spec
// version. A refusal names the field and writes nothing; the same content again writes nothing.
import type { Cause } from '@industrial/kernel';
import type { CatalogEntry, ServingSpec } from '../domain/serving-spec.ts';
import type { CharterContext } from './context.ts';
import { runCommand } from './use-case-stream.ts';

export interface DefineServingSpecInput {
  readonly useCaseId: string;
  readonly expectedRevision?: number | undefined;
  readonly spec: ServingSpec;
}

export interface DefinedServingSpec {
  readonly revision: number;
  readonly specVersion: number;
  /** False when the spec was already the use case's (nothing recorded). */
  readonly changed: boolean;
}

export async function defineServingSpec(ctx: CharterContext, input: DefineServingSpecInput, cause: Cause): Promise<DefinedServingSpec> {
  const catalog: CatalogEntry[] | null = ctx.catalog === null ? null : await ctx.catalog.tags(input.spec.scope.pathPrefix);
  const out = await runCommand(ctx.kernel, input.useCaseId, { type: 'DefineServingSpec', spec: input.spec, catalog }, cause, {
    expectedRevision: input.expectedRevision,
  });
  return { revision: out.revision, specVersion: out.state.serving?.specVersion ?? 0, changed: out.events.length > 0 };
}
