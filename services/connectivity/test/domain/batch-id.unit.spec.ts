import { describe, expect, it } from 'vitest';
import { uuidv5 } from '@industrial/contracts/ids';
import { batchIdOf } from '../../src/domain/batcher.ts';

describe('batch ids', () => {
  it('are RFC 9562 v5 UUIDs, stable for (source, asset, sequence)', () => {
    // Known vector: uuid v5 of "www.example.com" in the DNS namespace.
    expect(uuidv5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    const a = batchIdOf('0190a0b0-0000-7000-8000-000000000001', 'e.s.a.l.x', 1);
    expect(a).toBe(batchIdOf('0190a0b0-0000-7000-8000-000000000001', 'e.s.a.l.x', 1));
    expect(a).not.toBe(batchIdOf('0190a0b0-0000-7000-8000-000000000001', 'e.s.a.l.x', 2));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
