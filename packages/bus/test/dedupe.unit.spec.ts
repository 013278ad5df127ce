import { describe, expect, it } from 'vitest';
import { Deduper } from '../src/dedupe.ts';

describe('Deduper', () => {
  it('reports an id as new once, then as a duplicate', () => {
    const d = new Deduper(10);
    expect(d.firstSeen('e1')).toBe(true);
    expect(d.firstSeen('e1')).toBe(false);
  });

  it('forgets the least recently seen id beyond its capacity', () => {
    const d = new Deduper(2);
    d.add('a');
    d.add('b');
    expect(d.has('a')).toBe(true); // a is now the most recent
    d.add('c'); // evicts b
    expect(d.has('b')).toBe(false);
    expect(d.has('a')).toBe(true);
    expect(d.size).toBe(2);
  });
});
