// Free text from callers (notes, reasons, comments, names) refuses control characters and
// bidirectional embeddings, overrides and isolates, naming the character and its position;
// multi-line text keeps line feeds and tabs.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { lineText, multilineText, unsafeTextProblem } from '../src/index.ts';

const schema = z.object({ name: z.string().superRefine(lineText), note: z.string().superRefine(multilineText) });
const issues = (input: { name: string; note: string }) => schema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

describe('free text', () => {
  it('takes ordinary text in any script, and line feeds and tabs where multi-line text is legitimate', () => {
    expect(issues({ name: 'Ölpumpe 4 — Lager', note: 'first line\n\tsecond line: שלום مرحبا 你好 🙂' })).toEqual([]);
  });

  it.each([
    ['NUL', '\u0000', 'a control character: U+0000'],
    ['ESC', '\u001b[31m', 'a control character: U+001B'],
    ['DEL', '\u007f', 'a control character: U+007F'],
    ['a C1 control', '\u0085', 'a control character: U+0085'],
    ['carriage return', '\r', 'a control character: U+000D'],
    ['LRE', '\u202a', 'a bidirectional override character: U+202A'],
    ['RLO', '\u202e', 'a bidirectional override character: U+202E'],
    ['LRI', '\u2066', 'a bidirectional override character: U+2066'],
    ['PDI', '\u2069', 'a bidirectional override character: U+2069'],
  ])('refuses %s, naming the field, the character and its position', (_what, ch, message) => {
    expect(issues({ name: `ab${ch}`, note: `x${ch}` })).toEqual([
      `name: must not contain ${message} at position 2`,
      expect.stringMatching(`^note: must not contain ${message.replace('+', '\\+')} at position 1`),
    ]);
  });

  it('refuses line feeds and tabs in single-line text', () => {
    expect(unsafeTextProblem('a\nb')).toBe('must not contain a control character: U+000A at position 1');
    expect(unsafeTextProblem('a\tb')).toMatch(/U\+0009/);
    expect(unsafeTextProblem('a\nb', { multiline: true })).toBeNull();
  });
});
