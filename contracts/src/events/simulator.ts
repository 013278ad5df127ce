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
      affectedTags: z.array(UnsToken).min(1),
      startedAt: IsoDateTime,
      plantTime: IsoDateTime,
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
        startedAt: IsoDateTime,
        /** When the asset failed; absent if the fault was cleared before failure. */
        failureAt: IsoDateTime.optional(),
        plantTime: IsoDateTime,
      })
      .refine((f) => f.failureAt === undefined || Date.parse(f.failureAt) > Date.parse(f.startedAt), {
        message: 'must be after startedAt',
        path: ['failureAt'],
      }),
  ],
  upcasters: [],
});
