// The lint rules of `npm run lint` reject what they must and pass what they must: ESLint (the root
// eslint.config.js) on the fixtures under ./fixtures, and scripts/check-structure.mjs on a tiny
// import circle and an oversized file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(here, '../..');
const fixtures = join(here, 'fixtures');

describe('eslint boundary rules', () => {
  // file (relative to fixtures/) → its messages, "rule: message"
  let results: Map<string, string[]>;

  beforeAll(async () => {
    // ESLint 9 resolves the config's `files` globs against cwd when the config file is given
    // explicitly, so `services/shop/...` under fixtures/ plays a service of the repository.
    const eslint = new ESLint({ cwd: fixtures, overrideConfigFile: join(repo, 'eslint.config.js') });
    const linted = await eslint.lintFiles(['services/**/*.ts', 'scripts/**/*.ts']);
    results = new Map(linted.map((r) => [relative(fixtures, r.filePath), r.messages.map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`)]));
  }, 60_000);

  const messagesOf = (file: string): string[] => {
    const messages = results.get(file);
    if (messages === undefined) throw new Error(`${file} was not linted (linted: ${[...results.keys()].join(', ')})`);
    return messages;
  };
  const expectRejected = (file: string, expected: Array<[rule: string, fragment: string]>): void => {
    const messages = messagesOf(file);
    for (const [rule, fragment] of expected) {
      expect(
        messages.some((m) => m.startsWith(`${rule}: `) && m.includes(fragment)),
        `${file} should report ${rule} "${fragment}"; got:\n${messages.join('\n')}`,
      ).toBe(true);
    }
    expect(messages).toHaveLength(expected.length);
  };

  it('lints every fixture', () => {
    expect([...results.keys()].sort()).toEqual([
      'scripts/bad-seed.ts',
      'services/shop/src/adapters/bad-append.ts',
      'services/shop/src/adapters/bad-cross-service.ts',
      'services/shop/src/adapters/ok-db.ts',
      'services/shop/src/domain/bad.ts',
      'services/shop/src/domain/money.ts',
      'services/shop/src/domain/ok-wiring.spec.ts',
      'services/shop/src/domain/ok.ts',
      'services/shop/src/domain/sub/bad-nested.ts',
      'services/shop/src/domain/sub/ok-nested.ts',
      'services/shop/src/features/bad.ts',
      'services/shop/src/features/ok.ts',
      'services/shop/src/ports.ts',
    ]);
  });

  it('passes the clean fixtures (ok-*, the domain/ports files, a spec that wires an adapter)', () => {
    for (const [file, messages] of results) if (!/(^|\/)bad[-.]/.test(file)) expect(messages, file).toEqual([]);
  });

  it('rejects a domain that imports an adapter, a node built-in or a library', () => {
    expectRejected('services/shop/src/domain/bad.ts', [
      ['no-restricted-imports', "'node:fs' import is restricted"],
      ['no-restricted-imports', "'pg' import is restricted"],
      ['no-restricted-imports', 'domain/ imports only itself: this relative import leaves domain/'],
    ]);
    expect(messagesOf('services/shop/src/domain/bad.ts').filter((m) => m.includes('domain/ imports only itself, @industrial/contracts and zod'))).toHaveLength(
      2,
    );
  });

  it('rejects a nested domain file whose relative import climbs out of domain/', () => {
    expectRejected('services/shop/src/domain/sub/bad-nested.ts', [['no-restricted-imports', "'../../ports.ts' import is restricted"]]);
  });

  it('rejects a feature that imports an adapter, a library or the composition root', () => {
    expectRejected('services/shop/src/features/bad.ts', [
      ['no-restricted-imports', 'features/ must not import an adapter'],
      ['no-restricted-imports', 'features/ must not import the composition root'],
      ['no-restricted-imports', "'pg' import is restricted"],
    ]);
  });

  it("rejects imports of another service's internals, by package subpath and by relative path", () => {
    expectRejected('services/shop/src/adapters/bad-cross-service.ts', [
      ['no-restricted-imports', "import another service through its package entry ('@industrial/<service>'), never its internals"],
      ['no-restricted-imports', 'never its src/ folder'],
      ['no-restricted-imports', 'a relative import must not leave its service folder'],
    ]);
  });

  it('rejects store.append outside the kernel, in services and in scripts', () => {
    const append = 'only @industrial/kernel appends to the event store';
    expectRejected('services/shop/src/adapters/bad-append.ts', [
      ['no-restricted-syntax', append],
      ['no-restricted-syntax', append],
    ]);
    expectRejected('scripts/bad-seed.ts', [['no-restricted-syntax', append]]);
  });
});

describe('scripts/check-structure.mjs', () => {
  const run = (...args: string[]): { code: number; output: string } => {
    try {
      const out = execFileSync(process.execPath, [join(repo, 'scripts/check-structure.mjs'), ...args], { encoding: 'utf8', stdio: 'pipe' });
      return { code: 0, output: out };
    } catch (err) {
      const e = err as { status: number; stdout: string; stderr: string };
      return { code: e.status, output: `${e.stdout}${e.stderr}` };
    }
  };

  it('finds the import circle a → b → c → a and prints it', () => {
    const { code, output } = run('--root', join(fixtures, 'structure'));
    expect(code).toBe(1);
    expect(output).toContain('1 import circle(s)');
    expect(output).toContain('cycle/a.ts → cycle/b.ts → cycle/c.ts → cycle/a.ts');
    expect(output).not.toContain('clean/');
  });

  it('passes files without a circle (a commented-out import is no edge)', () => {
    const { code, output } = run('--root', join(fixtures, 'structure', 'clean'));
    expect(output).toContain('check-structure: ok');
    expect(code).toBe(0);
  });

  describe('file length', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'check-structure-'));
      const lines = (n: number): string => Array.from({ length: n }, (_, i) => `export const v${i} = ${i};\n`).join('');
      writeFileSync(join(dir, 'long.ts'), lines(501));
      writeFileSync(join(dir, 'limit.ts'), lines(500));
      writeFileSync(join(dir, 'generated.ts'), `// Code generated by a tool. DO NOT EDIT.\n${lines(900)}`);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('rejects a hand-written file over 500 lines, not one of exactly 500 nor a generated one', () => {
      const { code, output } = run('--root', dir);
      expect(code).toBe(1);
      expect(output).toContain('1 hand-written source file(s) over 500 lines');
      expect(output).toContain('long.ts: 501 lines');
      expect(output).not.toContain('limit.ts');
      expect(output).not.toContain('generated.ts');
    });
  });
});
