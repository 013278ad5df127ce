// The whole path of #15 from a shell, as child processes: a headerless whitespace run-to-failure
// file through `dataops import` → `dataops snapshot create` (ordered features + capped steps to the
// end, named test units) → `train --snapshot --task regression` → `score --last-per unit`; an
// unlabelled sensor file through `train --task anomaly` → `score`; and the bad inputs of the issue,
// each refused in the user's terms with nothing written.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const entries = {
  dataops: resolve(root, 'services/dataops/src/cli.ts'),
  train: resolve(root, 'services/training/src/cli.ts'),
  score: resolve(root, 'services/training/src/score-cli.ts'),
};
const dir = mkdtempSync(join(tmpdir(), 'c15-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(which: keyof typeof entries, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entries[which], ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

// 10 pumps run to failure: a bearing temperature rising towards the end, a flow falling; one duplicated row.
let s = 11;
const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
const lines: string[] = [];
for (let u = 1; u <= 10; u++) {
  const len = 60 + Math.floor(rnd() * 40);
  for (let c = 1; c <= len; c++) {
    const life = c / len;
    lines.push(`${u} ${c} ${(40 + 15 * life ** 3 + rnd()).toFixed(3)} ${(100 - 20 * life ** 2 + 2 * rnd()).toFixed(3)}`);
    if (u === 3 && c === 10) lines.push(lines[lines.length - 1]!);
  }
}
const rtf = join(dir, 'pumps.txt');
writeFileSync(rtf, `${lines.join('\n')}\n`);
const imports = join(dir, 'imports'),
  snaps = join(dir, 'snaps');

describe('#15 from a shell', () => {
  it('run-to-failure file: import → snapshot → train → score the last row of each unit', async () => {
    const bad = await run('dataops', ['import', rtf, '--name', 'pumps', '--delimiter', ';', '--imports-dir', imports]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/the file is not semicolon-separated: every line reads as a single column; it looks whitespace-separated/);
    const imp = await run('dataops', [
      'import',
      rtf,
      '--name',
      'pumps',
      '--columns',
      'unit,cycle,temp,flow',
      '--sort-by',
      'unit,cycle',
      '--dedupe',
      'unit,cycle',
      '--imports-dir',
      imports,
    ]);
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stderr).toMatch(/whitespace-separated, no header/);
    expect(imp.stdout).toMatch(/\(1 duplicates removed\)/);
    const common = ['snapshot', 'create', '--import', 'pumps', '--imports-dir', imports, '--snapshot-dir', snaps, '--entity', 'unit', '--order', 'cycle'];
    const tooLong = await run('dataops', [...common, '--windows', '5,500', '--target', 'rul', '--run-to-failure', 'all']);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toMatch(/a window of 500 steps is longer than every unit/);
    const never = await run('dataops', [...common, '--windows', '5', '--target', 'rul', '--run-to-failure', 'column:flow']);
    expect(never.code).toBe(2);
    expect(never.stderr).toMatch(/no unit ran to failure/);
    expect(existsSync(snaps) ? readdirSync(snaps) : []).toEqual([]); // nothing half-registered
    const snap = await run('dataops', [
      ...common,
      '--windows',
      '5,20',
      '--stats',
      'mean,std,slope',
      '--ewma',
      '10',
      '--target',
      'rul',
      '--run-to-failure',
      'all',
      '--cap',
      '50',
      '--test-units',
      '9,10',
    ]);
    expect(snap.code, snap.stderr).toBe(0);
    expect(snap.stderr).toMatch(/computing ordered features/);
    const id = /snapshot ([0-9a-f-]{36})/.exec(snap.stdout)![1]!;
    const listed = await run('dataops', ['snapshot', 'list', '--snapshot-dir', snaps]);
    expect(listed.stdout).toContain(id);
    const shown = await run('dataops', ['snapshot', 'show', id, '--snapshot-dir', snaps]);
    expect(shown.stdout).toMatch(/temp_slope_20 +float64 +feature/);
    expect(shown.stdout).toMatch(/rul +float64 +label/);
    const out = join(dir, 'rul-model');
    const tr = await run('train', [
      '--snapshot',
      id,
      '--snapshot-dir',
      snaps,
      '--target',
      'rul',
      '--task',
      'regression',
      '--out',
      out,
      '--param',
      'max_iter=60',
    ]);
    expect(tr.code, tr.stderr).toBe(0);
    expect(readFileSync(join(out, 'model-card.md'), 'utf8')).toMatch(/estimate "rul"/);
    // the raw file still holds the duplicate: refused in the user's terms; the import is clean
    const dup = await run('score', ['--model', out, '--csv', rtf, '--columns', 'unit,cycle,temp,flow', '--last-per', 'unit']);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/unit 3 has two rows at cycle 10 .*de-duplicate the file first/);
    const sc = await run('score', ['--model', out, '--csv', join(imports, 'pumps.csv'), '--last-per', 'unit']);
    expect(sc.code, sc.stderr).toBe(0);
    const rows = sc.stdout.trim().split('\n');
    expect(rows[0]).toBe('unit,cycle,predicted_rul,explanation');
    expect(rows).toHaveLength(11);
    // the last row of every unit is its failure: a small remaining life predicted, explained by features
    for (const r of rows.slice(1)) expect(Number(r.split(',')[2])).toBeLessThan(20);
    expect(rows[1]).toMatch(/temp_|flow_/);
  });

  it('unlabelled sensor file: train --task anomaly on a probation period → score with alarms', async () => {
    const DAY = 86_400_000,
      t0 = Date.parse('2026-03-01T00:00:00Z');
    const csv = ['time;pressure'];
    for (let i = 0; i < 5 * 288; i++) {
      const t = t0 + i * 300_000;
      let v = 5 + 0.2 * Math.sin((2 * Math.PI * i) / 288) + 0.05 * (rnd() - 0.5);
      if (t >= t0 + 4 * DAY && t < t0 + 4 * DAY + 6 * 3600_000) v += 0.6;
      csv.push(`${new Date(t).toISOString()};${v.toFixed(4)}`);
    }
    const file = join(dir, 'sensor.csv');
    writeFileSync(file, `${csv.join('\n')}\n`);
    const out = join(dir, 'anomaly-model');
    const args = ['--csv', file, '--task', 'anomaly', '--time', 'time', '--windows', '6,48', '--out', out];
    const short = await run('train', [...args, '--probation', '2026-03-01T00:00Z..2026-03-01T02:00Z']);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/probation period .* holds \d+ complete rows; the detector needs at least 50/);
    expect(existsSync(out)).toBe(false);
    const tr = await run('train', [...args, '--probation', '2026-03-01T00:00Z..2026-03-04T00:00Z', '--budget', '0.3']);
    expect(tr.code, tr.stderr).toBe(0);
    expect(tr.stdout).toMatch(/threshold/);
    const sc = await run('score', ['--model', join(out, 'model.json'), '--csv', file, '--out', join(dir, 'scores.csv')]);
    expect(sc.code, sc.stderr).toBe(0);
    const rows = readFileSync(join(dir, 'scores.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('time,score,alarm,explanation');
    const alarmed = rows
      .slice(1)
      .filter((r) => r.split(',')[2] === '1')
      .map((r) => Date.parse(r.split(',')[0]!));
    expect(alarmed.some((t) => t >= t0 + 4 * DAY && t < t0 + 4 * DAY + 7 * 3600_000)).toBe(true);
  });

  it('train --help lists every parameter with its default and allowed values', async () => {
    const h = await run('train', ['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/task +default classification +classification \| regression/);
    expect(h.stdout).toMatch(/max_leaf_nodes +default 31/);
    expect(h.stdout).toMatch(/--probation/);
  });
});
