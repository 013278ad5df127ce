import { describe, expect, it } from 'vitest';
import { createTelemetryErrorReporter, pinoDiagLogger } from '../src/diagnostics.ts';
import { createLogger } from '../src/logger.ts';
import { memoryDestination } from './support.ts';

describe('the telemetry error reporter', () => {
  describe('when the collector keeps failing', () => {
    it('logs once per interval and reports how many failures it suppressed', () => {
      const destination = memoryDestination();
      let now = 0;
      const report = createTelemetryErrorReporter(createLogger('telemetry', { level: 'warn', destination }), {
        intervalMillis: 60_000,
        now: () => now,
      });

      report(new Error('connect ECONNREFUSED'));
      now = 5_000;
      report(new Error('connect ECONNREFUSED'));
      now = 10_000;
      report(new Error('connect ECONNREFUSED'));
      now = 61_000;
      report(new Error('connect ECONNREFUSED'));

      const records = destination.records();
      expect(records).toHaveLength(2);
      expect(records.map((record) => record['suppressedSinceLastReport'])).toEqual([0, 2]);
      expect(records[0]).toMatchObject({ level: 40, err: { message: 'connect ECONNREFUSED' } });
    });
  });
});

describe('pinoDiagLogger', () => {
  it('forwards SDK diagnostics with their arguments', () => {
    const destination = memoryDestination();
    pinoDiagLogger(createLogger('telemetry', { level: 'warn', destination })).warn('dropped spans', 12);

    expect(destination.records()[0]).toMatchObject({ level: 40, otel: 'diag', args: [12], msg: 'dropped spans' });
  });
});
