// The dataops CLI as a child process against dataops' real gRPC server (in this process, a real
// SQLite store and event store): a headerless whitespace run-to-failure file imported (sorted,
// de-duplicated, streamed to ImportCsv), an ordered snapshot with a derived target created over
// gRPC (DatasetSnapshotCreated recorded through the kernel), listed and shown; the bad inputs of
// issue 15 said in the user's terms with nothing recorded; a refused token; --help.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGrpcHarness, type GrpcHarness } from './grpc-harness.ts';
import { sqliteStore } from './harness.ts';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const cli = resolve(root, 'services/dataops/src/cli.ts');
const dir = mkdtempSync(join(tmpdir(), 'dataops-cli-'));
let g: GrpcHarness;
let env: NodeJS.ProcessEnv;

function run(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

// 8 pumps run to failure (a temperature rising towards the end, a flow falling), one row twice, headerless, whitespace-separated.
let seed = 5;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const lines: string[] = [];
for (let u = 1; u <= 8; u++) {
  const len = 40 + Math.floor(rnd() * 30);
  for (let c = 1; c <= len; c++) {
    const life = c / len;
    lines.push(`${u}  ${c}  ${(40 + 15 * life ** 3 + rnd()).toFixed(3)}\t${(100 - 20 * life ** 2 + 2 * rnd()).toFixed(3)}`);
    if (u === 3 && c === 10) lines.push(lines.at(-1)!);
  }
}
const file = join(dir, 'pumps.txt');
writeFileSync(file, `${lines.join('\n')}\n`);

beforeAll(async () => {
  g = await startGrpcHarness(sqliteStore);
  env = { PATH: process.env.PATH, HOME: process.env.HOME, PLATFORM_DATA_DIR: dir, DATAOPS_ADDRESS: g.address, DATAOPS_TOKEN: await g.token('engineer') };
}, 60_000);
afterAll(async () => {
  await g?.close();
  rmSync(dir, { recursive: true, force: true });
});

const snapshotEvents = async () => (await g.events.readAll({ fromPosition: 1, maxCount: 1000 })).filter((e) => e.type === 'DatasetSnapshotCreated');

describe('dataops CLI over gRPC', () => {
  it('imports a run-to-failure file and snapshots ordered features with a derived target, recorded by dataops', async () => {
    const bad = await run(['import', file, '--name', 'pumps', '--delimiter', ';', '--plaintext']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/the file is not semicolon-separated: every line reads as a single column; it looks whitespace-separated/);
    const dup = await run(['import', file, '--name', 'pumps', '--columns', 'unit,cycle,temp,flow', '--sort-by', 'unit,cycle', '--plaintext']);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/unit 3 has two rows at cycle 10: de-duplicate with --dedupe unit,cycle/);
    const imp = await run([
      'import',
      file,
      '--name',
      'pumps',
      '--columns',
      'unit,cycle,temp,flow',
      '--sort-by',
      'unit,cycle',
      '--dedupe',
      'unit,cycle',
      '--plaintext',
    ]);
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stderr).toMatch(/whitespace-separated, no header/);
    expect(imp.stderr).toMatch(/1 duplicate rows removed/);
    const importId = /^import ([0-9a-f-]{36})$/m.exec(imp.stdout)![1]!;
    expect(imp.stdout).toMatch(/unit \(group\), cycle \(order\), temp \(feature\), flow \(feature\)/);
    expect((await g.app.listSnapshots({ limit: 10 })).length).toBe(0);

    const common = ['snapshot', 'create', '--import', importId, '--entity', 'unit', '--order', 'cycle', '--plaintext'];
    const tooLong = await run([...common, '--windows', '5,500', '--target', 'rul', '--run-to-failure', 'all']);
    expect(tooLong.code, tooLong.stderr).toBe(2);
    expect(tooLong.stderr).toMatch(/a window of 500 steps is longer than every unit/);
    const never = await run([...common, '--windows', '5', '--target', 'rul', '--run-to-failure', 'column:flow']);
    expect(never.code).toBe(2);
    expect(never.stderr).toMatch(/no unit ran to failure/);
    const noColumn = await run([...common.slice(0, 6), '--order', 'cyc', '--windows', '5', '--plaintext']);
    expect(noColumn.code).toBe(2);
    expect(noColumn.stderr).toMatch(/--order: the import has no column "cyc"/);
    const unknownImport = await run([
      'snapshot',
      'create',
      '--import',
      '0193a1b2-7c00-7a10-8b00-00000000ffff',
      '--order',
      'cycle',
      '--windows',
      '5',
      '--plaintext',
    ]);
    expect(unknownImport.code).toBe(2);
    expect(unknownImport.stderr).toMatch(/--import: import 0193a1b2-7c00-7a10-8b00-00000000ffff not found/);
    expect(await snapshotEvents()).toHaveLength(0); // nothing half-registered
    expect((await g.app.listSnapshots({ limit: 10 })).length).toBe(0);

    const snap = await run([
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
      '30',
      '--test-units',
      '7,8',
    ]);
    expect(snap.code, snap.stderr).toBe(0);
    expect(snap.stderr).toMatch(/builds the snapshot: ordered features over 5\/20 steps, target rul/);
    const id = /^snapshot ([0-9a-f-]{36})$/m.exec(snap.stdout)![1]!;
    expect(snap.stdout).toMatch(/target rul: cycle steps to the end of the run, capped at 30; 8 run-to-failure units/);
    expect(snap.stdout).toMatch(/train it {2}npm run train -- --snapshot [0-9a-f-]{36} --snapshot-dir \/.* --target rul --task regression/);
    const events = await snapshotEvents();
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ snapshotId: id, rowCount: lines.length - 1 });
    expect(events[0]!.metadata).toMatchObject({ actor: 'engineer-1' });

    const listed = await run(['snapshot', 'list', '--plaintext']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${id} .* ${lines.length - 1} rows  import pumps  by engineer-1`));
    const shown = await run(['snapshot', 'show', id, '--plaintext']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/verified by dataops/);
    expect(shown.stdout).toMatch(/temp_slope_20 +float64 +feature/);
    expect(shown.stdout).toMatch(/rul +float64 +label/);
    expect(shown.stdout).toMatch(/split group: train \d+, validation \d+, test \d+/);
  }, 180_000);

  it('refuses a missing or rejected token and an unreachable server in plain words', async () => {
    const none = await run(['snapshot', 'list', '--plaintext'], { DATAOPS_TOKEN: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--token: a bearer token is required \(or DATAOPS_TOKEN \/ PLATFORM_TOKEN\)/);
    const wrong = await run(['snapshot', 'list', '--plaintext', '--token', 'not-a-jwt']);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/dataops did not accept the token/);
    const operator = await run(['snapshot', 'create', '--import', '0193a1b2-7c00-7a10-8b00-00000000ffff', '--order', 'c', '--windows', '5', '--plaintext'], {
      DATAOPS_TOKEN: await g.token('operator'),
    });
    expect(operator.code).toBe(3);
    expect(operator.stderr).toMatch(/the token's role may not do this/);
    const away = await run(['snapshot', 'list', '--plaintext', '--address', '127.0.0.1:1']);
    expect(away.code).toBe(1);
    expect(away.stderr).toMatch(/cannot reach dataops at 127.0.0.1:1/);
    expect(away.stderr).toMatch(/`npm run cluster` serves dataops on 127.0.0.1:50153 \(PLATFORM_BASE_PORT \+ 3\)/);
    // a token pasted with what followed it on the next line
    const pasted = await run(['snapshot', 'list', '--plaintext'], { DATAOPS_TOKEN: `${await g.token('engineer')}\nfault` });
    expect(pasted.code).toBe(2);
    expect(pasted.stderr).toMatch(/--token: the token holds a space or a line break \(2 parts\); give the token alone, on one line/);
    const trailing = await run(['snapshot', 'list', '--plaintext'], { DATAOPS_TOKEN: `${await g.token('engineer')}\n` });
    expect(trailing.code, trailing.stderr).toBe(0);
  }, 120_000);

  it('--help lists every option', async () => {
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    for (const flag of [
      '--delimiter',
      '--columns',
      '--no-header',
      '--sort-by',
      '--dedupe',
      '--entity',
      '--order',
      '--windows',
      '--stats',
      '--ewma',
      '--lags',
      '--deltas',
      '--target',
      '--run-to-failure',
      '--cap',
      '--labels',
      '--horizon',
      '--test-units',
      '--validation-tail',
      '--allow-gaps',
      '--step',
      '--dataset',
      '--use-case',
      '--limit',
      '--address',
      '--token',
      '--ca',
      '--plaintext',
    ])
      expect(h.stdout).toContain(flag);
  });
});
