// The model registry in process: governance's registry use cases (its public entry,
// `createModelRegistry`) over the same event store, written through governance's kernel. For the
// one-process launcher, the pump demo and tests; a cluster uses the gRPC adapter (grpc.ts).
import type { EventStore } from '@industrial/eventstore';
import { createModelRegistry, type RegisteredVersion } from '@industrial/governance';
import type { ModelRegistry, RegisteredModel } from '../../ports.ts';

const dataOf = (v: RegisteredVersion): RegisteredModel => {
  const { registeredAt: _at, ...data } = v;
  return data;
};

export function createInProcessModelRegistry(store: EventStore): ModelRegistry {
  const registry = createModelRegistry(store);
  return {
    async register(registration, cause) {
      const r = await registry.register(registration, cause);
      return { registered: dataOf(r.registered), alreadyRegistered: r.alreadyRegistered };
    },
    async registrationOf(useCaseId, runId) {
      const v = [...(await registry.list(useCaseId)).deployments.registered.values()].find((x) => x.runId === runId);
      return v === undefined ? null : dataOf(v);
    },
    async requestShadow(r, cause) {
      const { requestId } = await registry.requestApproval(
        { useCaseId: r.useCaseId, modelVersionId: r.modelVersionId, targetStage: 'shadow', justification: r.justification, scope: null },
        cause,
      );
      return requestId;
    },
    async registrations(useCaseId) {
      return [...(await registry.list(useCaseId)).deployments.registered.values()].map(dataOf).sort((a, b) => a.version - b.version);
    },
  };
}
