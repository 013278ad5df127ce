// The consumer reads stream sequence and delivery count straight from the JetStream ack subject.

import { describe, expect, it } from 'vitest';
import { parseAckSubject } from '../../src/nats/nats-bus.ts';

describe('parseAckSubject', () => {
  it('reads the v1 form (no domain, no account hash)', () => {
    expect(parseAckSubject('$JS.ACK.EVT.worker.3.1042.77.1700000000000000000.12')).toEqual({ seq: 1042, deliveryCount: 3 });
  });

  it('reads the v2 form with domain and account hash, with or without the random token', () => {
    expect(parseAckSubject('$JS.ACK._.ACCHASH.EVT.worker.1.7.7.1700000000000000000.0')).toEqual({ seq: 7, deliveryCount: 1 });
    expect(parseAckSubject('$JS.ACK.hub.ACCHASH.EVT.worker.2.9.8.1700000000000000000.0.xyz')).toEqual({ seq: 9, deliveryCount: 2 });
  });

  it('returns undefined for anything else, so the caller falls back to the client parser', () => {
    expect(parseAckSubject('_INBOX.abc.1')).toBeUndefined();
    expect(parseAckSubject('$JS.ACK.EVT.worker.1.2')).toBeUndefined();
    expect(parseAckSubject('$JS.ACK.EVT.worker.x.2.3.4.5')).toBeUndefined();
  });
});
