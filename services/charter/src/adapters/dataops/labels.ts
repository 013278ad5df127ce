// Label windows for the charter's failure history — the one read that does NOT go through dataops'
// gRPC API, because DataOpsService has no label query (no ListLabels RPC; see the README). Until it
// has one, the charter reads dataops' LabelRecorded events of one asset from the event store
// (stream `label-<assetPath>`, named by the contracts), typed and upcast by the kernel. It reads
// dataops' public event contract only: no dataops code, no dataops database.
import { streamFor } from '@industrial/contracts';
import type { Kernel } from '@industrial/kernel';
import type { Label } from './reader.ts';

/** Label windows overlapping [from, to) of one asset, from dataops' LabelRecorded events. */
export function labelsFromEvents(kernel: Pick<Kernel, 'read'>): (q: { assetPath: string; from: number; to: number }) => Promise<Label[]> {
  return async ({ assetPath, from, to }) => {
    const labels = new Map<string, Label>();
    for (const e of await kernel.read(streamFor('LabelRecorded', assetPath))) {
      if (e.type !== 'LabelRecorded') continue;
      const d = e.data;
      const label = {
        labelId: d.labelId,
        assetPath: d.assetPath,
        label: d.label,
        from: Date.parse(d.window.from),
        to: Date.parse(d.window.to),
        note: d.note ?? null,
      };
      // A label id recorded again is the same label (dataops records it once; the first wins, as in its read model).
      if (label.assetPath === assetPath && label.from < to && label.to > from && !labels.has(label.labelId)) labels.set(label.labelId, label);
    }
    return [...labels.values()];
  };
}
