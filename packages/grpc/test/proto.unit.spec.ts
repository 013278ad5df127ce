// The proto module stays lint-clean and wire-compatible with the released baseline, and the
// committed generated code is what scripts/generate.sh produces from it today.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const buf = join(root, 'node_modules/.bin/buf');
const temps: string[] = [];
const temp = (prefix: string): string => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

function run(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(buf, args, { cwd: root, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

describe('proto/ module', () => {
  it('passes buf lint (STANDARD)', () => {
    const r = run(['lint', 'proto']);
    expect(r.out).toBe('');
    expect(r.status).toBe(0);
  });

  it('has no breaking change against the committed baseline (FILE)', () => {
    const r = run(['breaking', 'proto', '--against', 'proto/baseline.binpb']);
    expect(r.out).toBe('');
    expect(r.status).toBe(0);
  });

  describe('when a field is renumbered and another removed', () => {
    it('fails the breaking check and names the change', () => {
      const dir = temp('proto-breaking-');
      cpSync(join(root, 'proto'), dir, { recursive: true });
      const file = join(dir, 'industrial/governance/v1/audit.proto');
      const src = readFileSync(file, 'utf8');
      const changed = src.replace('uint32 max_count = 2;', 'uint32 max_count = 12;').replace(/\n\s*string detail = 8;/, '\n');
      expect(changed).not.toBe(src);
      writeFileSync(file, changed);
      const r = run(['breaking', dir, '--against', 'proto/baseline.binpb']);
      expect(r.status).not.toBe(0);
      expect(r.out).toMatch(/Previously present field "2" with name "max_count" on message "ReadAllRequest" was deleted/);
      expect(r.out).toMatch(/"8" with name "detail" on message "VerifyIntegrityResponse" was deleted/);
    });
  });
});

describe('generated code in packages/grpc/src/gen', () => {
  it('is up to date with proto/ (run packages/grpc/scripts/generate.sh)', () => {
    const out = temp('proto-gen-');
    execFileSync(join(root, 'packages/grpc/scripts/generate.sh'), [out], { cwd: root, stdio: 'pipe' });
    const committed = join(root, 'packages/grpc/src/gen');
    expect(files(out)).toEqual(files(committed));
    for (const f of files(out)) {
      expect(
        readFileSync(join(out, f)).equals(readFileSync(join(committed, f))),
        `${relative(root, join(committed, f))} is stale: run packages/grpc/scripts/generate.sh`,
      ).toBe(true);
    }
  }, 60_000);
});
