// The event-store side of the ground truth: the simulator's own kernel over the platform event
// store (PostgreSQL or SQLite), so every append is checked as the simulator's (fault- streams only)
// and recorded with `svc:simulator` as the actor, whichever process embeds the simulator.
import { Service } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { createKernel, type Kernel } from '@industrial/kernel';
import { createGroundTruthRecorder, type GroundTruthRecorder } from '../features/ground-truth-labels.ts';
import type { Log } from '../features/ports.ts';

/** A store to open the simulator's kernel over, or a kernel already writing as the simulator. */
export type GroundTruthTarget = { readonly store: EventStore } | { readonly kernel: Kernel };

export function createEventStoreRecorder(target: GroundTruthTarget, seed: number, log: Log): GroundTruthRecorder {
  const kernel = 'kernel' in target ? target.kernel : createKernel({ service: Service.Simulator, store: target.store });
  return createGroundTruthRecorder({ kernel, seed, log });
}
