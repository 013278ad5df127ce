// Dataops' historian ingest for SREs (issue 20): the historian ingest lag — from the OPC UA server's
// timestamp of a batch's newest sample to its commit in the historian — as a histogram in seconds
// (`dataops.historian.ingest.lag`), and the samples written (`dataops.historian.samples.written`,
// redeliveries that changed nothing counted apart as `duplicate`). Read on the metrics endpoint.
import type { UnsSampleBatch } from '@industrial/contracts';
import { metrics, ValueType } from '@industrial/telemetry/api';

export interface IngestMetrics {
  /** After a batch committed (or was found a duplicate). */
  written(batch: UnsSampleBatch, duplicate: boolean): void;
}

export function ingestMetrics(now: () => number = Date.now): IngestMetrics {
  const meter = metrics.getMeter('industrial.dataops');
  const lag = meter.createHistogram('dataops.historian.ingest.lag', {
    description: "From the server timestamp of a batch's newest sample to its commit in the historian",
    unit: 's',
    advice: { explicitBucketBoundaries: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] },
  });
  const samples = meter.createCounter('dataops.historian.samples.written', { description: 'Samples written to the historian', valueType: ValueType.INT });
  return {
    written(batch, duplicate) {
      samples.add(batch.samples.length, { duplicate });
      if (duplicate) return;
      let newest = -Infinity;
      for (const s of batch.samples) newest = Math.max(newest, Date.parse(s.serverTimestamp));
      const seconds = (now() - newest) / 1000;
      // A simulated plant whose clock runs ahead of wall time gives negative lags: not a lag, not recorded.
      if (Number.isFinite(seconds) && seconds >= 0) lag.record(seconds, { 'messaging.destination.name': 'UNS' });
    },
  };
}
