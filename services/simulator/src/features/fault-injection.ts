// Fault injection: one fault (OPC UA method, HTTP, API) or a scenario (a list, all or nothing),
// validated by the domain against the plant's assets; each injection is announced as a
// FaultInjected ground-truth label, naming the authenticated user who asked (if any).
import type { FaultSource } from '../domain/faults.ts';
import type { FaultActor } from '../domain/labels.ts';
import type { Plant } from '../domain/plant.ts';
import type { LabelFeed } from './label-feed.ts';
import type { FieldError } from './ports.ts';

export type InjectResult = { ok: true; faultId: string; startAt: string } | FieldError;
export type ScenarioResult = { ok: true; faultIds: string[] } | FieldError;

export class SimulatorNotStartedError extends Error {
  readonly code = 'SIMULATOR_NOT_STARTED';
  constructor() {
    super('simulator not started');
    this.name = 'SimulatorNotStartedError';
  }
}

export interface FaultInjection {
  injectFault(request: unknown, source?: FaultSource, actor?: FaultActor): InjectResult;
  loadScenario(scenario: unknown, actor?: FaultActor): ScenarioResult;
}

/** `plant()` is null until the run has built the plant. */
export function createFaultInjection(plant: () => Plant | null, labels: LabelFeed): FaultInjection {
  const requirePlant = (): Plant => {
    const p = plant();
    if (!p) throw new SimulatorNotStartedError();
    return p;
  };
  return {
    injectFault(request, source = 'api', actor) {
      const r = requirePlant().inject(request, source);
      if (!r.ok) return { ok: false, field: r.error.field, error: r.error.error };
      const label = r.value.label;
      labels.emit([actor && label.type === 'FaultInjected' ? { ...label, actor } : label]);
      return { ok: true, faultId: r.value.fault.id, startAt: new Date(r.value.fault.startMs).toISOString() };
    },
    loadScenario(scenario, actor) {
      const r = requirePlant().injectScenario(scenario);
      if (!r.ok) return { ok: false, field: r.error.field, error: r.error.error };
      labels.emit(actor ? r.value.labels.map((l) => (l.type === 'FaultInjected' ? { ...l, actor } : l)) : r.value.labels);
      return { ok: true, faultIds: r.value.faults.map((f) => f.id) };
    },
  };
}
