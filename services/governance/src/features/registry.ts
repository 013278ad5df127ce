// The model registry's use cases: list a use case's versions, register a trained version (for
// training), request approval, approve (four eyes) or reject, promote, roll back, and the
// break-glass promotion. Each command is one kernel `execute` on `model-<useCase>` (read → fold →
// decide → append at that revision, bounded retry on a concurrent append); the rules are in
// domain/registry.ts. Refusals recorded by inference in its `serving-<useCase>` stream are folded in
// position order with the model stream (read-only: governance, the auditor, reads them to show why a
// version cannot serve, and to refuse serving it).
import { streamFor } from '@industrial/contracts';
import { uuidv7 } from '@industrial/contracts/ids';
import type { Aggregate, Cause, Kernel, TypedEvent } from '@industrial/kernel';
import {
  decideApprove,
  decideBreakGlassPromote,
  decidePromote,
  decideRegister,
  decideReject,
  decideRequestApproval,
  decideRollback,
  emptyRegistry,
  evolveRegistry,
  holderOf,
  registrationOfRun,
  type BreakGlassPromoteCommand,
  type DeploymentStage,
  type Decision,
  type RegisterCommand,
  type RegisteredVersion,
  type RegistryState,
  type RequestApprovalCommand,
  type RollbackCommand,
  RegistryError,
} from '../domain/registry.ts';
import type { GateResult, GateSettings } from '../domain/gates.ts';
import { assertGatesPass, gateResultsFor } from '../domain/production-gates.ts';
import type { GateFeatures } from './gates.ts';

export const modelStream = (useCaseId: string): string => streamFor('ModelPromoted', useCaseId);
export const servingStream = (useCaseId: string): string => streamFor('ModelRefused', useCaseId);

const MODEL_TYPES = [
  'ModelVersionRegistered',
  'ModelApprovalRequested',
  'ModelApproved',
  'ModelRejected',
  'ModelPromoted',
  'ModelRolledBack',
  'ModelGatesSet',
  'ModelRollbackProposed',
  'ModelRefused',
] as const;
type ModelType = (typeof MODEL_TYPES)[number];

/** The registry while folding: refusals from the serving stream wait until the model stream passes their position. */
interface Folding {
  readonly registry: RegistryState;
  readonly pending: readonly TypedEvent[];
}

const step = (s: RegistryState, e: TypedEvent): RegistryState =>
  evolveRegistry(s, { type: e.type, data: e.data, actor: e.metadata.actor, recordedAt: e.metadata.recordedAt });

function drain(f: Folding, before: number): Folding {
  let registry = f.registry;
  let i = 0;
  while (i < f.pending.length && f.pending[i]!.position < before) registry = step(registry, f.pending[i++]!);
  return i === 0 ? f : { registry, pending: f.pending.slice(i) };
}
/** Everything folded (the refusals recorded after the model stream's last event too). */
const settled = (f: Folding): RegistryState => drain(f, Number.POSITIVE_INFINITY).registry;

function registryAggregate(refusals: readonly TypedEvent[]): Aggregate<Folding, ModelType> {
  return {
    types: MODEL_TYPES,
    initial: () => ({ registry: emptyRegistry(), pending: refusals }),
    evolve: (f, e) => {
      const d = drain(f, e.position);
      return { registry: step(d.registry, e), pending: d.pending };
    },
  };
}

export interface RegistryFeaturesDeps {
  readonly kernel: Kernel;
  /** Approval request ids (default uuidv7). */
  readonly newId?: () => string;
  /** The gates before production (features/gates.ts); absent: none checked (tools and tests that want the bare workflow). */
  readonly gates?: GateFeatures;
}

export interface Registered {
  readonly state: RegistryState;
  readonly registered: RegisteredVersion;
  /** True when the run's registration already existed (nothing appended). */
  readonly alreadyRegistered: boolean;
}

export type RegistryFeatures = ReturnType<typeof createRegistryFeatures>;

export function createRegistryFeatures(deps: RegistryFeaturesDeps) {
  const { kernel } = deps;
  const newId = deps.newId ?? (() => uuidv7());

  const refusalsOf = async (useCaseId: string): Promise<TypedEvent[]> => (await kernel.read(servingStream(useCaseId))).filter((e) => e.type === 'ModelRefused');

  async function state(useCaseId: string): Promise<RegistryState> {
    return settled((await kernel.load(modelStream(useCaseId), registryAggregate(await refusalsOf(useCaseId)))).state);
  }

  /** One command on the use case's model stream; returns the state with what was appended folded in. */
  async function run(
    useCaseId: string,
    decide: (s: RegistryState) => readonly Decision[],
    cause: Cause,
  ): Promise<{ state: RegistryState; events: readonly Decision[] }> {
    const aggregate = registryAggregate(await refusalsOf(useCaseId));
    const done = await kernel.execute(modelStream(useCaseId), aggregate, (f) => decide(settled(f)), cause);
    // Read back what was appended: the views show the store's recordedAt of each event.
    const after = done.events.length === 0 ? settled(done.state) : await state(useCaseId);
    return { state: after, events: done.events as readonly Decision[] };
  }

  /**
   * The gate check of a request, evidence read now (outside the kernel's retry loop), run inside the
   * decision on the state it decides on. A no-op for shadow requests, unknown requests (the decision
   * names them) and without gates.
   */
  async function gateCheck(useCaseId: string, requestId: string): Promise<(s: RegistryState) => void> {
    const gates = deps.gates;
    if (gates === undefined) return () => undefined;
    const s0 = await state(useCaseId);
    const r0 = s0.requests.get(requestId);
    if (r0 === undefined || r0.targetStage !== 'production') return () => undefined;
    const { policy, charter } = await gates.policy(s0, useCaseId);
    const outside = await gates.evidence(s0, policy, charter, useCaseId, r0.modelVersionId, r0.scope);
    return (s) => {
      const r = s.requests.get(requestId);
      if (r !== undefined) assertGatesPass(s, useCaseId, r, policy, outside);
    };
  }

  return {
    /** The use case's registry: versions, stages, approval requests, deployments. */
    list: state,

    /** The scope of a stored approval request (null: use-case wide or unknown), for the edge's location check. */
    async requestScope(useCaseId: string, requestId: string): Promise<string | null> {
      return (await state(useCaseId)).requests.get(requestId)?.scope ?? null;
    },

    /** Registers a trained version as a candidate; governance assigns the version number. Idempotent per run. */
    async register(command: RegisterCommand, cause: Cause): Promise<Registered> {
      const { state: s, events } = await run(command.useCaseId, (st) => decideRegister(st, command), cause);
      const registered = registrationOfRun(s, command.useCaseId, command.runId);
      if (registered === undefined) throw new Error(`run ${command.runId}: registration not found after registering`);
      return { state: s, registered, alreadyRegistered: events.length === 0 };
    },

    async requestApproval(command: Omit<RequestApprovalCommand, 'requestId'>, cause: Cause): Promise<{ state: RegistryState; requestId: string }> {
      const requestId = newId();
      const { state: s } = await run(command.useCaseId, (st) => [decideRequestApproval(st, { ...command, requestId })], cause);
      return { state: s, requestId };
    },

    /** Approves (four eyes first); a request to production must pass every gate (GateError lists each failing one). */
    async approve(
      command: { useCaseId: string; requestId: string; conditions: readonly string[]; comment: string | null },
      cause: Cause,
    ): Promise<RegistryState> {
      const check = await gateCheck(command.useCaseId, command.requestId);
      return (
        await run(
          command.useCaseId,
          (st) => {
            const d = decideApprove(st, { ...command, approver: cause.actor });
            check(st);
            return [d];
          },
          cause,
        )
      ).state;
    },

    /** The gates of a request as they stand now (all of them, passed or not), without deciding anything. */
    async gateResults(useCaseId: string, requestId: string): Promise<GateResult[]> {
      const s = await state(useCaseId);
      const r = s.requests.get(requestId);
      if (r === undefined) throw new RegistryError('NOT_FOUND', `approval request ${requestId} does not exist for this use case`);
      if (deps.gates === undefined) return [];
      const { policy, charter } = await deps.gates.policy(s, useCaseId);
      return gateResultsFor(s, useCaseId, r, policy, await deps.gates.evidence(s, policy, charter, useCaseId, r.modelVersionId, r.scope));
    },

    /** The minimum metrics in force for a use case (the charter's and governance's, the stricter of two). */
    async minMetricsInForce(s: RegistryState, useCaseId: string): Promise<Readonly<Record<string, number>>> {
      return deps.gates === undefined ? {} : (await deps.gates.policy(s, useCaseId)).policy.minMetrics;
    },

    /** Records what a decision on the model stream returns (live monitoring's rollback proposals); the number appended. */
    async propose(useCaseId: string, decide: (s: RegistryState) => readonly Decision[], cause: Cause): Promise<number> {
      return (await run(useCaseId, decide, cause)).events.length;
    },

    /** Records the use case's gates (ModelGatesSet) after checking them against its task (GateDefinitionError). */
    async defineGates(useCaseId: string, settings: Partial<GateSettings>, cause: Cause): Promise<RegistryState> {
      if (deps.gates === undefined) throw new Error('gates are not configured in this registry');
      const full = await deps.gates.validate(await state(useCaseId), useCaseId, settings);
      return (await run(useCaseId, () => [{ type: 'ModelGatesSet', data: { useCaseId, ...full } }], cause)).state;
    },

    async reject(command: { useCaseId: string; requestId: string; reason: string }, cause: Cause): Promise<RegistryState> {
      return (await run(command.useCaseId, (st) => [decideReject(st, command)], cause)).state;
    },

    /** Promotes an approved request; a request to production is gated again (the evidence may have changed since approval). */
    async promote(command: { useCaseId: string; requestId: string }, cause: Cause): Promise<{ state: RegistryState; previousModelVersionId: string | null }> {
      let previous: string | null = null;
      const check = await gateCheck(command.useCaseId, command.requestId);
      const { state: s } = await run(
        command.useCaseId,
        (st) => {
          const d = decidePromote(st, command);
          check(st);
          previous = d.data.previousModelVersionId;
          return [d];
        },
        cause,
      );
      return { state: s, previousModelVersionId: previous };
    },

    async rollback(command: RollbackCommand, cause: Cause): Promise<{ state: RegistryState; stage: DeploymentStage; production: string | null }> {
      let stage: DeploymentStage = 'production';
      const { state: s } = await run(
        command.useCaseId,
        (st) => {
          const d = decideRollback(st, command);
          stage = d.stage;
          return [{ type: d.type, data: d.data }];
        },
        cause,
      );
      return { state: s, stage, production: holderOf(s, 'production', command.useCaseId, command.scope) };
    },

    /** Promotes without the approval workflow, recording that it was bypassed, by whom and why (domain: decideBreakGlassPromote). */
    async breakGlassPromote(
      command: Omit<BreakGlassPromoteCommand, 'requestId' | 'actor'>,
      cause: Cause,
    ): Promise<{ state: RegistryState; requestId: string; previousModelVersionId: string | null }> {
      const requestId = newId();
      let previous: string | null = null;
      const { state: s } = await run(
        command.useCaseId,
        (st) => {
          const events = decideBreakGlassPromote(st, { ...command, requestId, actor: cause.actor });
          previous = events[2].data.previousModelVersionId;
          return events;
        },
        cause,
      );
      return { state: s, requestId, previousModelVersionId: previous };
    },
  };
}
