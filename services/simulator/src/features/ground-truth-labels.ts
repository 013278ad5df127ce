// Recording the ground truth: each FaultInjected / FaultLabelled label becomes a platform event
// in the fault's stream `fault-<faultId>`, appended through the kernel as the simulator (the owner
// of the `fault-` family; the kernel refuses it any other). Ids are name-based, so a retry, or a
// restart that replays the same run (same seed, plant start and scenario), appends nothing twice:
//   faultId        injected: (asset path, the plant's fault id, fault start, seed);
//                  emergent or replayed failure: (asset path, cause, mode, failure time, seed)
//   FaultInjected  (faultId)
//   FaultLabelled  injected: (faultId, mode, n-th failure of that mode) — not the failure time,
//                  which moves by a tick between real-time runs; emergent: (faultId)
// Appends run one at a time in label order (a fault's FaultInjected before its FaultLabelled),
// are retried a bounded number of times (a kernel refusal is not), and a label that still fails
// is logged, never thrown. A FaultInjected asked for by a user carries that user as the actor.
import { Service, streamFor } from '@industrial/contracts';
import { uuidFromKey } from '@industrial/contracts/ids';
import { KernelError, serviceCause, type Cause, type Draft, type Kernel } from '@industrial/kernel';
import type { LabelEvent } from '../domain/labels.ts';
import type { Log } from './ports.ts';

type FaultDraft = Extract<Draft, { type: 'FaultInjected' | 'FaultLabelled' }> & { readonly id: string };

export interface GroundTruthEvent {
  readonly stream: string;
  readonly faultId: string;
  readonly draft: FaultDraft;
}

const key = (...parts: (string | number)[]): string => uuidFromKey(parts.join('\u0000'));

/** A UNS token: lower case, [a-z0-9_-] (e.g. `TWF` → `twf`, `sensor_stuck` stays). */
const token = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64) || 'unknown';

/** `acme/plant-1/utilities/cooling-water/pump-4` → `acme.plant-1.utilities.cooling-water.pump-4`. */
export const assetPathOf = (unsPath: string): string => unsPath.split('/').map(token).join('.');

/**
 * The platform event of a label: its stream, fault id and a draft with a name-based id.
 * `occurrence`: for an injected fault's failure, which failure of that mode this is (1 = first;
 * a mill fault may fail several products).
 */
export function groundTruthEvent(label: LabelEvent, seed: number, occurrence = 1): GroundTruthEvent {
  const assetPath = assetPathOf(label.path);
  if (label.type === 'FaultInjected') {
    const faultId = key('fault', assetPath, label.faultId, label.startAt, seed);
    return {
      stream: streamFor('FaultInjected', faultId),
      faultId,
      draft: {
        id: key('FaultInjected', faultId),
        type: 'FaultInjected',
        data: {
          faultId,
          assetPath,
          faultType: token(label.fault),
          severity: label.severity,
          affectedTags: label.tag ? [token(label.tag)] : [],
          developMinutes: label.developMinutes,
          startedAt: label.startAt,
          plantTime: label.plantTime,
          source: label.source,
          seed,
        },
      },
    };
  }
  const injected = label.faultId !== null;
  const faultId =
    label.faultId !== null ? key('fault', assetPath, label.faultId, label.startedAt, seed) : key(label.cause, assetPath, label.fault, label.failureAt, seed);
  return {
    stream: streamFor('FaultLabelled', faultId),
    faultId,
    draft: {
      id: injected ? key('FaultLabelled', faultId, label.fault, occurrence) : key('FaultLabelled', faultId),
      type: 'FaultLabelled',
      data: {
        faultId,
        assetPath,
        faultType: token(label.fault),
        cause: label.cause,
        startedAt: label.startedAt,
        failureAt: label.failureAt,
        plantTime: label.plantTime,
      },
    },
  };
}

export interface GroundTruthStats {
  /** Events written. */
  recorded: number;
  /** Events already in the store (a replayed run, a retry): nothing written. */
  alreadyRecorded: number;
  /** Labels given up after the retries. */
  failed: number;
}

export interface GroundTruthRecorder {
  /** Queues a label for recording (never throws). */
  record(label: LabelEvent): void;
  /** Resolves once every label queued so far has been recorded or given up. */
  drain(): Promise<void>;
  stats(): GroundTruthStats;
}

export interface GroundTruthRecorderOptions {
  /** A kernel writing as the simulator. */
  readonly kernel: Kernel;
  readonly seed: number;
  readonly log: Log;
  /** Waits before each retry of a failed append (default 100, 500, 2000 ms). */
  readonly retryDelaysMs?: readonly number[];
  readonly sleep?: (ms: number) => Promise<void>;
}

export function createGroundTruthRecorder(options: GroundTruthRecorderOptions): GroundTruthRecorder {
  const { kernel, seed, log } = options;
  if (kernel.service !== Service.Simulator) throw new Error(`ground truth is recorded by the simulator, not by ${kernel.service}`);
  const delays = options.retryDelaysMs ?? [100, 500, 2000];
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const stats: GroundTruthStats = { recorded: 0, alreadyRecorded: 0, failed: 0 };
  let queue: Promise<void> = Promise.resolve();
  /** Failures so far per injected fault and mode (the n of its FaultLabelled id). */
  const failures = new Map<string, number>();

  const occurrenceOf = (label: LabelEvent): number => {
    if (label.type !== 'FaultLabelled' || label.faultId === null) return 1;
    const k = `${label.path}\u0000${label.faultId}\u0000${label.startedAt}\u0000${label.fault}`;
    const n = (failures.get(k) ?? 0) + 1;
    failures.set(k, n);
    return n;
  };

  async function append(label: LabelEvent, occurrence: number): Promise<void> {
    const { stream, faultId, draft } = groundTruthEvent(label, seed, occurrence);
    // One conversation per fault; a failure of an injected fault answers its injection.
    const causation = draft.type === 'FaultLabelled' && label.faultId !== null ? key('FaultInjected', faultId) : null;
    // An injection asked for by an authenticated user (OPC UA session, HTTP token) names that user
    // as the actor; the simulator's own faults, scenarios and every failure are svc:simulator's.
    const own = serviceCause(Service.Simulator, faultId, { causationId: causation });
    const cause: Cause = label.type === 'FaultInjected' && label.actor ? { ...own, actor: label.actor.subject, role: label.actor.role } : own;
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await kernel.append(stream, [draft], cause);
        if (result.written === 0) stats.alreadyRecorded += 1;
        else stats.recorded += 1;
        return;
      } catch (err) {
        // A refusal of the kernel (ownership, unknown type) is not transient: no retry.
        const delay = err instanceof KernelError ? undefined : delays[attempt];
        if (delay === undefined) {
          stats.failed += 1;
          log('error', 'could not record a ground-truth label', {
            stream,
            type: draft.type,
            eventId: draft.id,
            error: err instanceof Error ? err.message : String(err),
          });
          return;
        }
        await sleep(delay);
      }
    }
  }

  return {
    record(label) {
      const occurrence = occurrenceOf(label);
      queue = queue.then(() => append(label, occurrence));
    },
    drain: () => queue,
    stats: () => ({ ...stats }),
  };
}
