// The demo use cases as the platform serves them: read from the data files at the repository root
// (usecases/*.json, the same files the launchers load through the charter's API) and turned into
// what scoring reads by the runtime's own useCaseSpecFrom. No use case is written in test code.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UseCaseServingSpec } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { createKernel } from '@industrial/kernel';
import { useCaseSpecFrom, type UseCaseSpec } from '../src/domain/usecase.ts';

export function useCaseFromFile(name: string, specVersion = 1): UseCaseSpec {
  const file = JSON.parse(readFileSync(new URL(`../../../usecases/${name}.json`, import.meta.url), 'utf8')) as { useCaseId: string; serving: unknown };
  return useCaseSpecFrom(file.useCaseId, specVersion, UseCaseServingSpec.parse(file.serving));
}

/** usecases/pump-bearing.json */
export const PUMP_BEARING_USE_CASE = useCaseFromFile('pump-bearing');

/**
 * Records a use case's serving spec as the charter does (UseCaseServingSpecDefined in
 * `usecase-<id>`, written by a kernel acting as the charter, the stream's only writer): the
 * runtime picks it up from the store like any charter event.
 */
export async function defineAsCharter(store: EventStore, name: string, change?: (spec: Record<string, unknown>) => void, specVersion = 1): Promise<string> {
  const file = JSON.parse(readFileSync(new URL(`../../../usecases/${name}.json`, import.meta.url), 'utf8')) as {
    useCaseId: string;
    serving: Record<string, unknown>;
  };
  change?.(file.serving);
  const kernel = createKernel({ service: 'charter', store });
  await kernel.append(
    `usecase-${file.useCaseId}`,
    [{ type: 'UseCaseServingSpecDefined', data: { useCaseId: file.useCaseId, specVersion, spec: UseCaseServingSpec.parse(file.serving) } }],
    { actor: 'svc:charter', role: 'service', correlationId: randomUUID(), causationId: null, traceparent: null },
  );
  return file.useCaseId;
}
