// Use case "source health" (GetSourceHealth): the link's state and counters, with the source's
// share of the store-and-forward buffer (what waits for NATS, what the overflow policy dropped).
import type { SampleBuffer, SourceHealth } from '../ports.ts';
import type { SourceLink } from './source-link.ts';

export function sourceHealth(link: SourceLink, buffer: SampleBuffer): SourceHealth {
  const { spec } = link;
  return {
    sourceId: spec.sourceId,
    name: spec.name,
    protocol: spec.protocol,
    endpoint: spec.endpoint,
    ...link.snapshot(),
    bufferedSamples: buffer.usedSamples(spec.sourceId),
    droppedSamples: buffer.droppedSamples(spec.sourceId),
    bufferCapacity: spec.bufferCapacity,
  };
}
