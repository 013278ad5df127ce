// What every charter use case works with: the kernel (the only way to read and write the
// `usecase-<id>` stream), the ports other services implement (null when none is connected), the
// clock, ids and the plant's time zone. app.ts builds one; the use cases take what they need.
import type { Kernel } from '@industrial/kernel';
import type { Drafted, UseCaseState } from '../domain/usecase.ts';
import type { CatalogReader, HistorianReader, OutcomeReader } from '../ports.ts';
import { CharterError } from './errors.ts';

export interface CharterContext {
  readonly kernel: Kernel;
  readonly historian: HistorianReader | null;
  readonly catalog: CatalogReader | null;
  readonly outcomes: OutcomeReader | null;
  /** Plant clock, epoch ms. */
  now(): number;
  newId(): string;
  /** IANA zone of the plant, for reports. */
  readonly timeZone: string;
}

/** The use case's draft, or NOT_FOUND naming `useCaseId`. */
export function mustExist(state: UseCaseState, useCaseId: string): Drafted {
  if (state.draft === null) throw new CharterError('NOT_FOUND', ['useCaseId'], `use case ${useCaseId} does not exist`);
  return state.draft;
}

/** A connected port, or FAILED_PRECONDITION saying which one is missing. */
export function needs<T>(port: T | null, what: string): T {
  if (port === null) throw new CharterError('FAILED_PRECONDITION', [], `no ${what} is connected to the charter service`);
  return port;
}

/** The asset a KPI call is about: the one named (it must be the use case's) or the use case's first. */
export function assetOf(draft: Drafted, assetPath: string | undefined): string {
  if (assetPath === undefined) return draft.assetPaths[0] as string;
  if (!draft.assetPaths.includes(assetPath)) throw new CharterError('INVALID_ARGUMENT', ['assetPath'], `"${assetPath}" is not one of the use case's assets`);
  return assetPath;
}
