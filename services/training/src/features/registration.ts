// Registering a trained model: training decides (domain/run.ts: once, only a running run) and asks
// governance's model registry (the ModelRegistry port) to record ModelVersionRegistered; governance
// assigns the version number and is the only writer of `model-<useCase>`. The registry's answer is
// folded into training's projection (the run view shows the model version). After a restart the
// registrations of training's runs are looked up the same way.
import type { Cause } from '@industrial/kernel';
import type { RunProjection } from '../domain/projection.ts';
import type { RegisteredData } from '../domain/run.ts';
import type { ModelRegistry } from '../ports.ts';
import type { RunsLogger } from './context.ts';

/** Registers through governance; the registration (with its version number) as recorded. */
export async function registerModel(registry: ModelRegistry, projection: RunProjection, decided: RegisteredData, cause: Cause): Promise<RegisteredData> {
  const { version: _decidedLater, ...registration } = decided;
  const { registered } = await registry.register(registration, cause);
  projection.registered(registered);
  return registered;
}

/**
 * Fills in the registrations of runs the projection rebuilt from training's own streams (the
 * registration is governance's event): one ListModelVersions per use case. Best effort: a registry
 * that does not answer leaves the run views without their model version until the next start.
 */
export async function backfillRegistrations(registry: ModelRegistry, projection: RunProjection, cause: Cause, logger: RunsLogger): Promise<void> {
  const useCases = new Set(
    projection
      .list()
      .filter((r) => r.registered === null && r.status === 'completed')
      .map((r) => r.started!.useCaseId),
  );
  for (const useCaseId of useCases) {
    try {
      for (const v of await registry.registrations(useCaseId, cause)) projection.registered(v);
    } catch (error) {
      logger.warn({ err: error, useCaseId }, 'could not read the registrations of finished runs from the model registry');
    }
  }
}
