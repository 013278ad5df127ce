import { describe, expect, it } from 'vitest';
import { uuidFromKey, uuidv5, uuidv7 } from '../src/ids.ts';

describe('ids', () => {
  it('uuidv7: version 7, RFC variant, the timestamp in the first 48 bits, ordered by time', () => {
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_001);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(a.replace(/-/g, '').slice(0, 12), 16)).toBe(1_700_000_000_000);
    expect(a < b).toBe(true);
  });

  it('uuidFromKey: the same key gives the same id, pinned (ids already recorded by the services must not change)', () => {
    expect(uuidFromKey('snapshot:abc')).toBe('c53c33a8-3fe5-8971-9247-3be2a98c4404');
    expect(uuidFromKey(['FaultLabelled', 'f-1', '2025-01-06T00:00:00Z'].join('\u0000'))).toBe('0a4b907d-89ad-84c6-b903-9cf398822ea9');
    expect(uuidFromKey('snapshot:abd')).not.toBe(uuidFromKey('snapshot:abc'));
  });

  it('uuidv5: RFC 9562 name-based, pinned', () => {
    expect(uuidv5('0190a0b0-0000-7000-8000-000000000001', 'e.s.a.l.x#1')).toBe('08c498c2-3030-5be0-95bf-374cb8b1d5f5');
  });
});
