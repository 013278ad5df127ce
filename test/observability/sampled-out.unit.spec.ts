// The one "head-sampled out" decision (issue 20), used by the bus's send/process spans and by
// inference's window span: a valid span context without the sampled flag is out; a sampled one, an
// invalid one or none is not.
import { ROOT_CONTEXT, sampledOut, trace } from '@industrial/telemetry/api';
import { describe, expect, it } from 'vitest';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const withParent = (traceId: string, spanId: string, traceFlags: number) => trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags, isRemote: true });

describe('sampledOut', () => {
  it('is true for a valid parent without the sampled flag', () => {
    expect(sampledOut(withParent(TRACE, SPAN, 0))).toBe(true);
  });

  it('is false for a sampled parent, an invalid one and no parent', () => {
    expect(sampledOut(withParent(TRACE, SPAN, 1))).toBe(false);
    expect(sampledOut(withParent('0'.repeat(32), SPAN, 0))).toBe(false);
    expect(sampledOut(withParent(TRACE, '0'.repeat(16), 0))).toBe(false);
    expect(sampledOut(ROOT_CONTEXT)).toBe(false);
  });
});
