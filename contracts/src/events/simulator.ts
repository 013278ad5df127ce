// Simulator events (owner: simulator): injected faults and their ground truth, in `fault-<id>` streams.
// Times named *At here are on the plant clock (the simulator may run faster than wall time);
// `plantTime` is the plant clock when the event was emitted.
import { z } from 'zod';
import { Service, StreamFamily, defineContract } from '../contract.ts';
import { IsoDateTime, Ratio, UnsAssetPath, UnsToken, Uuid } from '../primitives.ts';

export const faultInjected = defineContract({
  service: Service.Simulator,
  streamFamily: StreamFamily.Fault,
  description: 'The plant simulator started a fault on an asset (hidden from models; for tests and demos).',
  versions: [
    z.strictObject({
      faultId: Uuid,
      assetPath: UnsAssetPath,
      /** e.g. `bearing-wear`, `nozzle-clog`, `sensor-drift`. */
      faultType: UnsToken,
      /** 0 = barely visible, 1 = fastest progression. */
      severity: Ratio,
      /** Tags the fault acts on directly; empty when it acts on the asset as a whole (e.g. bearing wear). */
      affectedTags: z.array(UnsToken),
      /** Plant minutes over which the fault develops to full severity (0 = at once). */
      developMinutes: z.number().nonnegative().max(525_600),
      startedAt: IsoDateTime,
      plantTime: IsoDateTime,
      /** How it was injected: OPC UA method, HTTP, scenario file. */
      source: z.string().min(1).max(64),
      /** Simulator seed, so the same fault reproduces. */
      seed: z.int().nonnegative(),
    }),
  ],
  upcasters: [],
});

export const faultLabelled = defineContract({
  service: Service.Simulator,
  streamFamily: StreamFamily.Fault,
  description: 'Ground truth for a simulated fault: which asset, what fault, when it began and failed.',
  versions: [
    z
      .strictObject({
        faultId: Uuid,
        assetPath: UnsAssetPath,
        faultType: UnsToken,
        /** injected by a person or scenario, emergent from the physics (e.g. AI4I rules), or replayed from a file. */
        cause: z.enum(['injected', 'emergent', 'replay']),
        startedAt: IsoDateTime,
        /** When the asset failed; absent if the fault was cleared before failure. Equal to startedAt for instantaneous failures. */
        failureAt: IsoDateTime.optional(),
        plantTime: IsoDateTime,
      })
      .refine((f) => f.failureAt === undefined || Date.parse(f.failureAt) >= Date.parse(f.startedAt), {
        message: 'must not be before startedAt',
        path: ['failureAt'],
      }),
  ],
  upcasters: [],
});
