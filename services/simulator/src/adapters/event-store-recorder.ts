// The event-store side of the simulator: its own kernel over the platform event store (PostgreSQL
// or SQLite), so every append is checked as the simulator's (fault- streams for the ground truth,
// access- for the HTTP API's denials) whichever process embeds the simulator.
import { Service } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { createKernel, type Kernel } from '@industrial/kernel';

/** A store to open the simulator's kernel over, or a kernel already writing as the simulator. */
export type GroundTruthTarget = { readonly store: EventStore } | { readonly kernel: Kernel };

/** The simulator's kernel over the target: it records the ground truth and the HTTP API's AccessDenied events. */
export function simulatorKernel(target: GroundTruthTarget): Kernel {
  return 'kernel' in target ? target.kernel : createKernel({ service: Service.Simulator, store: target.store });
}
