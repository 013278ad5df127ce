// The caller's address the guard aggregates anonymous denials by: grpc-js' peer without the port.
import { describe, expect, it } from 'vitest';
import { sourceOf } from '../src/index.ts';

describe('sourceOf', () => {
  it.each([
    ['ipv4:127.0.0.1:50123', '127.0.0.1'],
    ['ipv6:[::1]:50123', '::1'],
    ['ipv6:[2001:db8::7]:443', '2001:db8::7'],
    ['unix:/tmp/grpc.sock', 'unix:/tmp/grpc.sock'],
  ])('%s → %s', (peer, source) => {
    expect(sourceOf({ getPeer: () => peer })).toBe(source);
  });
  it('says unknown when the call has no peer', () => {
    expect(sourceOf({})).toBe('unknown');
    expect(
      sourceOf({
        getPeer: () => {
          throw new Error('closed');
        },
      }),
    ).toBe('unknown');
  });
});
