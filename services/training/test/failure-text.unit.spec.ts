// What a failed run records and GetRun shows callers (TrainingRunFailed.error): a typed error's
// message, a system error's code and call without its message (which names server paths),
// one line, bounded.
import { describe, expect, it } from 'vitest';
import { TrainingError } from '../src/domain/errors.ts';
import { failureText } from '../src/features/execution.ts';

describe('failureText', () => {
  it('keeps a typed error message', () => {
    expect(failureText(new TrainingError('FAILED_PRECONDITION', 'sha256', `artifact sha256/${'a'.repeat(64)} is corrupt`))).toBe(
      `TrainingError: artifact sha256/${'a'.repeat(64)} is corrupt`,
    );
  });
  it('records a system error by code and call, never its path', () => {
    const e = Object.assign(new Error("EACCES: permission denied, open '/srv/secret/artifacts/sha256/abc.tmp'"), {
      code: 'EACCES',
      syscall: 'open',
      path: '/srv/secret',
    });
    const text = failureText(e);
    expect(text).toBe('Error: EACCES (open)');
    expect(text).not.toContain('/srv');
  });
  it('is one line of at most 500 characters, control and override characters replaced', () => {
    const text = failureText(new Error(`bad\u0000\n\u202e${'x'.repeat(5000)}`));
    expect(text.length).toBeLessThanOrEqual(500);
    expect(text).toMatch(/^Error: bad x+…$/);
  });
  it('names no value for a thrown non-error', () => {
    expect(failureText('/etc/passwd')).toBe('training failed');
  });
});
