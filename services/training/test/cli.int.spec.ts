// The training CLI as an engineer runs it: spawned on the AI4I 2020 file (read from ../shared,
// never copied) with a small GBDT, then the files it names are read back.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const AI4I = resolve(root, '../shared/datasets/ai4i2020/ai4i2020.csv');
const entry = resolve(root, 'services/training/src/cli.ts');
const dirs: string[] = [];

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const small = [
  '--csv',
  AI4I,
  '--target',
  'Machine failure',
  '--features',
  'Type,air_temperature_k,process_temperature_k,rotational_speed_rpm,torque_nm,tool_wear_min,power_w',
  '--model',
  'gbdt',
  '--param',
  'max_iter=15',
  '--param',
  'max_leaf_nodes=8',
  '--seed',
  '7',
];

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the training CLI on the AI4I 2020 file', () => {
  it('trains a small GBDT with a progress bar on stderr, prints metrics, top features and the file paths', async () => {
    const out = mkdtempSync(join(tmpdir(), 'train-cli-'));
    dirs.push(out);
    const r = await cli([...small, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/training \[.*\] \d+% \|/);
    expect(r.stdout).toMatch(/pr_auc\s+\d\.\d{4}\s+\d\.\d{4}/);
    expect(r.stdout).toMatch(/top features[\s\S]*tool_wear_min|top features[\s\S]*power_w/);
    const onnxPath = /onnx\s+(\S+)/.exec(r.stdout)?.[1];
    const cardPath = /model card\s+(\S+)/.exec(r.stdout)?.[1];
    expect(onnxPath).toBe(join(out, 'model.onnx'));
    expect(existsSync(cardPath!)).toBe(true);
    expect(readFileSync(cardPath!, 'utf8')).toMatch(/^# Model card: gbdt-machine_failure/);
    const sha = createHash('sha256').update(readFileSync(onnxPath!)).digest('hex');
    expect(r.stdout).toContain(`sha256 ${sha}`);
    // Same file, spec and seed → the same ONNX bytes.
    const out2 = mkdtempSync(join(tmpdir(), 'train-cli-'));
    dirs.push(out2);
    const r2 = await cli([...small, '--out', out2]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(
      createHash('sha256')
        .update(readFileSync(join(out2, 'model.onnx')))
        .digest('hex'),
    ).toBe(sha);
  });

  it.each<[string, string[], RegExp]>([
    ['an unknown feature', ['--csv', AI4I, '--target', 'Machine failure', '--features', 'nope'], /--features: .*"nope"/],
    ['an unknown model type', ['--csv', AI4I, '--target', 'Machine failure', '--model', 'forest'], /--model: unknown model type "forest"/],
    ['a missing target', ['--csv', AI4I], /--target: is required/],
    ['a missing file', ['--csv', '/nonexistent.csv', '--target', 'y'], /--csv: cannot read/],
    ['an unknown flag', ['--csv', AI4I, '--target', 'y', '--depth', '3'], /unknown flag --depth/],
    ['a text column as a feature', ['--csv', AI4I, '--target', 'Machine failure', '--features', 'Product ID'], /--features: column "product_id" holds text/],
  ])('refuses %s with exit 2 and a message naming the flag', async (_name, args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
