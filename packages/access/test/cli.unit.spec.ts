// The token CLI end to end, as a separate Node process (node --import tsx src/cli.ts).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let dir: string;
let keys: string;
let privateD: string;
const outputs: string[] = [];
const record = (r: Run) => {
  outputs.push(r.stdout, r.stderr);
  return r;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'access-cli-'));
  keys = join(dir, 'keys');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Each case starts a Node process; allow for a loaded CI machine.
describe('the token CLI', { timeout: 60_000 }, () => {
  let token: string;

  it('keygen writes a key set and a 0600 signing key', async () => {
    const r = record(await run('keygen', '--out', keys));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('created key');
    if (process.platform !== 'win32') {
      expect((await stat(join(keys, 'signing-key.json'))).mode & 0o777).toBe(0o600);
    }
    const keySet = JSON.parse(await readFile(join(keys, 'keyset.json'), 'utf8')) as { keys: unknown[]; currentKid: string };
    expect(keySet.keys).toHaveLength(1);
    privateD = (JSON.parse(await readFile(join(keys, 'signing-key.json'), 'utf8')) as { d: string }).d;
    expect(privateD.length).toBeGreaterThan(20);
  });

  it('keygen refuses to overwrite an existing key set', async () => {
    const r = record(await run('keygen', '--out', keys));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('already exists');
  });

  it('issue prints a token on stdout and a plain summary on stderr', async () => {
    const r = record(await run('issue', '--keys', keys, '--sub', 'alice', '--role', 'operator', '--scope', 'line:plant1/packaging/line2', '--ttl', '8h'));
    expect(r.code, r.stderr).toBe(0);
    token = r.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    expect(r.stderr).toMatch(/issued token .* for alice: roles operator; scopes line:plant1\/packaging\/line2; key .*; expires /);
  });

  it('verify prints the principal of that token', async () => {
    const r = record(await run('verify', '--keys', keys, token));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ subject: 'alice', roles: ['operator'], scopes: ['line:plant1/packaging/line2'] });
  });

  it('verify prints the reason for a refused token and exits 1', async () => {
    const r = record(await run('verify', '--keys', keys, '--audience', 'elsewhere', token));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refused (wrong_audience)');
  });

  it('after rotate, the old token still verifies and new tokens use the new key', async () => {
    const before = JSON.parse(await readFile(join(keys, 'keyset.json'), 'utf8')) as { currentKid: string };
    const r = record(await run('rotate', '--keys', keys, '--retire-in', '24h'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`previous key ${before.currentKid} verifies until`);
    const after = JSON.parse(await readFile(join(keys, 'keyset.json'), 'utf8')) as { currentKid: string; keys: unknown[] };
    expect(after.currentKid).not.toBe(before.currentKid);
    expect(after.keys).toHaveLength(2);
    expect(record(await run('verify', '--keys', keys, token)).code).toBe(0);
    const issued = record(await run('issue', '--keys', keys, '--sub', 'bob', '--role', 'quality_lead,auditor', '--scope', '*'));
    expect(issued.code, issued.stderr).toBe(0);
    const verified = record(await run('verify', '--keys', join(keys, 'keyset.json'), issued.stdout.trim()));
    expect(JSON.parse(verified.stdout)).toMatchObject({ subject: 'bob', roles: ['quality_lead', 'auditor'], scopes: ['*'] });
  });

  it('after rotate with --retire-in 0s, the old token is refused as retired', async () => {
    const issued = record(await run('issue', '--keys', keys, '--sub', 'carol', '--role', 'engineer', '--scope', 'area:plant1/packaging'));
    expect(issued.code, issued.stderr).toBe(0);
    const r = record(await run('rotate', '--keys', keys, '--retire-in', '0s'));
    expect(r.code, r.stderr).toBe(0);
    const v = record(await run('verify', '--keys', keys, issued.stdout.trim()));
    expect(v.code).toBe(1);
    expect(v.stderr).toContain('refused (key_retired)');
  });

  it('names the flag at fault', async () => {
    const cases: [string[], string][] = [
      [['issue', '--keys', keys, '--sub', 'a', '--role', 'operator', '--scope', '*', '--bogus', 'x'], 'unknown flag --bogus'],
      [['issue', '--keys', keys, '--role', 'operator', '--scope', '*'], '--sub is required'],
      [['issue', '--keys', keys, '--sub', 'a', '--role', 'boss', '--scope', '*'], '--role "boss" is not a role'],
      [['issue', '--keys', keys, '--sub', 'a', '--role', 'operator', '--scope', 'area:plant1'], '--scope scope "area:plant1" needs 2 path segment(s)'],
      [['issue', '--keys', keys, '--sub', 'a', '--role', 'operator'], '--scope is required'],
      [['issue', '--keys', keys, '--sub', 'a', '--role', 'operator', '--scope', '*', '--ttl', 'forever'], '--ttl "forever" is not a duration'],
      [['issue', '--keys', keys, '--sub'], 'flag --sub needs a value'],
      [['keygen'], '--out is required'],
      [['rotate', '--keys', keys, '--retire-at', 'tomorrow'], '--retire-at "tomorrow" is not an ISO time'],
      [['frobnicate'], 'unknown command "frobnicate"'],
    ];
    const runs = await Promise.all(cases.map(([args]) => run(...args)));
    for (const [i, [args, message]] of cases.entries()) {
      const r = record(runs[i] as Run);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
      expect(r.stdout).toBe('');
    }
  });

  it('refuses a signing key file others can read', async () => {
    const { chmod } = await import('node:fs/promises');
    if (process.platform === 'win32') return;
    await chmod(join(keys, 'signing-key.json'), 0o644);
    const r = record(await run('issue', '--keys', keys, '--sub', 'a', '--role', 'operator', '--scope', '*'));
    await chmod(join(keys, 'signing-key.json'), 0o600);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('readable by others');
  });

  it('never printed a private key', async () => {
    const current = (JSON.parse(await readFile(join(keys, 'signing-key.json'), 'utf8')) as { d: string }).d;
    for (const output of outputs) {
      expect(output).not.toContain(privateD);
      expect(output).not.toContain(current);
      expect(output).not.toContain('"d"');
    }
  });
});
