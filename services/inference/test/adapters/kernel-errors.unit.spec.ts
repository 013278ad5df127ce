// The kernel's refusals at inference's edges: inference may not write governance's model stream
// (the kernel refuses before anything reaches the store), and the refusal reaches a caller as a
// typed InferenceError naming the stream, the type and the owner — not as an anonymous INTERNAL.
import { ConcurrencyConflictError, OwnershipError, assertMayAppend } from '@industrial/kernel';
import { describe, expect, it } from 'vitest';
import { InferenceError } from '../../src/domain/errors.ts';
import { kernelErrorAsInference, withKernelErrors } from '../../src/adapters/kernel-errors.ts';

const UC = '0193a1b2-7c00-7a10-8b00-0000000000b1';

describe('stream ownership for inference', () => {
  it('refuses ModelPromoted and anything in a model- stream, and allows its own streams', () => {
    expect(() => assertMayAppend('inference', `model-${UC}`, 'ModelPromoted', 1)).toThrow(OwnershipError);
    expect(() => assertMayAppend('inference', `model-${UC}`, 'ModelRefused', 1)).toThrow(OwnershipError);
    expect(() => assertMayAppend('inference', `serving-${UC}`, 'ModelRefused', 1)).not.toThrow();
    expect(() => assertMayAppend('inference', `drift-${UC}`, 'RetrainingRequested', 1)).not.toThrow();
  });
});

describe('kernel errors at the edge', () => {
  it('an ownership refusal becomes FAILED_PRECONDITION naming the stream, the type and the owner', () => {
    let refusal: unknown;
    try {
      assertMayAppend('inference', `model-${UC}`, 'ModelPromoted', 1);
    } catch (error) {
      refusal = error;
    }
    const e = kernelErrorAsInference(refusal) as InferenceError;
    expect(e).toBeInstanceOf(InferenceError);
    expect(e.code).toBe('FAILED_PRECONDITION');
    expect(e.message).toContain(`model-${UC}`);
    expect(e.message).toContain('ModelPromoted');
    expect(e.message).toContain('governance');
    expect(e.detail).toMatchObject({ stream: `model-${UC}`, type: 'ModelPromoted', kernelCode: 'OWNERSHIP' });
  });

  it('a conflict past the retries becomes ABORTED; other errors pass through untouched', async () => {
    const conflict = new ConcurrencyConflictError(`recommendation-${UC}`, ['RecommendationAccepted'], 5, 3);
    expect((kernelErrorAsInference(conflict) as InferenceError).code).toBe('ABORTED');
    const other = new Error('boom');
    expect(kernelErrorAsInference(other)).toBe(other);
    const commands = withKernelErrors({
      async act(): Promise<void> {
        throw conflict;
      },
      sync: () => 1,
    });
    await expect(commands.act()).rejects.toMatchObject({ code: 'ABORTED' });
    expect(commands.sync()).toBe(1);
  });
});
