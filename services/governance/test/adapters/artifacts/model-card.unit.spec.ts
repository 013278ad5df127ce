// The model card reader: the stress results of a file:// card whose bytes are the registered ones;
// every other case says why it cannot give them (the stress gate then fails naming it).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileModelCards } from '../../../src/adapters/artifacts/model-card.ts';

const dir = mkdtempSync(join(tmpdir(), 'gov-card-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const STRESS = { metric: 'pr_auc', baseline: 0.8, noise: [{ sigma: 0.1, value: 0.7, drop: 0.1 }], dropped: [{ sensor: 'temp', value: 0.6, drop: 0.2 }] };
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return { uri: pathToFileURL(path).href, sha256: createHash('sha256').update(text).digest('hex') };
};

describe('the file model card reader', () => {
  const cards = createFileModelCards();
  it('reads the stress results of a card with the registered sha256', async () => {
    expect(await cards.stress(write('ok.json', JSON.stringify({ name: 'm', stress: STRESS })))).toEqual(STRESS);
  });
  it.each<[string, () => { uri: string; sha256: string }, RegExp]>([
    ['another scheme', () => ({ uri: 's3://models/card.json', sha256: 'a'.repeat(64) }), /is not a file:\/\/ artifact/],
    ['a missing file', () => ({ uri: pathToFileURL(join(dir, 'gone.json')).href, sha256: 'a'.repeat(64) }), /cannot be read \(ENOENT\)/],
    ['other bytes than registered', () => ({ ...write('changed.json', '{}'), sha256: 'b'.repeat(64) }), /has sha256 [0-9a-f]{64}, not the registered b{64}/],
    ['not JSON', () => write('bad.json', 'nope'), /is not JSON/],
    ['no stress section', () => write('nostress.json', JSON.stringify({ name: 'm' })), /has no stress results/],
  ])('says why for %s', async (_name, ref, why) => {
    const r = await cards.stress(ref());
    expect('unavailable' in r && r.unavailable).toMatch(why);
  });
});
