// The whole path of #15 from a shell, as child processes against the platform's real gRPC servers
// (dataops on a SQLite store and governance, in this process, on one event store): a headerless
// whitespace run-to-failure file through `dataops import` → `dataops snapshot create` (ordered
// features + capped steps to the end, named test units; recorded by dataops) → `train --snapshot
// --task regression` → the model registered in governance → `score --model <registry version id>`
// on a dataops snapshot of new rows (artifacts' sha256 checked; a changed artifact refused) and on
// the file (the version found through the charter's use cases when no use case is given); an unlabelled sensor file through `train --task anomaly` → `score`,
// and the same file through `dataops import` → an ordered snapshot → `train --task anomaly --snapshot <id>` (the snapshot asked of
// dataops) → `score` on the snapshot and on the file (the same rows); and the bad inputs
// of the issue, each refused in the user's terms with nothing written.
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { charterV1 } from '@industrial/grpc';
import { createKeySet, importKeySet, importSigningKey, issueToken, type Role } from '@industrial/access';
import { eventExamples } from '@industrial/contracts';
import { DEFAULT_CONFIG, createDataopsApp, createDataopsGrpcServer, openSqliteDataopsStore, type DataopsApp } from '@industrial/dataops';
import { createGovernanceApp, type GovernanceApp } from '@industrial/governance';
import { createInProcBus } from '@industrial/bus';
import { serviceCause } from '@industrial/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcModelRegistry } from '../src/index.ts';
import { AUDIENCE, ISSUER, silent, sqliteStore, type StoreFixture } from './fixture.ts';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const entries = {
  dataops: resolve(root, 'services/dataops/src/cli.ts'),
  train: resolve(root, 'services/training/src/cli.ts'),
  score: resolve(root, 'services/training/src/score-cli.ts'),
};
const dir = mkdtempSync(join(tmpdir(), 'c15-path-'));
const snaps = join(dir, 'dataops-snapshots');
let fx: StoreFixture;
let dataops: DataopsApp;
let dataopsStop: () => Promise<void>;
let governance: GovernanceApp;
let token: (subject: string, role: Role) => Promise<string>;
let env: NodeJS.ProcessEnv;
let charter: grpc.Server;
const charterUseCases: string[] = [];
let rulSnapshotId = '';

beforeAll(async () => {
  fx = await sqliteStore();
  const material = await createKeySet({ now: new Date() });
  const signingKey = await importSigningKey(material.signingKey);
  const keySet = await importKeySet(material.keySet);
  token = (subject, role) =>
    issueToken(signingKey, {
      subject,
      roles: [role],
      scopes: ['*'],
      tokenId: randomUUID(),
      issuer: ISSUER,
      audience: AUDIENCE,
      now: new Date(),
      ttlSeconds: 900,
    });
  const historian = await openSqliteDataopsStore({ path: join(dir, 'historian.db'), refinedIntervalMs: 1000 });
  dataops = createDataopsApp({
    store: fx.store,
    data: historian,
    bus: createInProcBus(),
    keySet,
    logger: silent,
    config: { ...DEFAULT_CONFIG, events: null, snapshotDir: snaps, codeVersion: 'test-1' },
  });
  const server = createDataopsGrpcServer({ app: dataops, store: fx.store, keySet, access: { issuer: ISSUER, audience: AUDIENCE }, logger: silent });
  const dataopsAddress = `127.0.0.1:${await server.listen()}`;
  dataopsStop = async () => {
    await server.shutdown({ graceMs: 1000 });
    await historian.close();
  };
  governance = createGovernanceApp({
    store: fx.store,
    keySet,
    logger: silent,
    config: { grpc: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 }, access: { issuer: ISSUER, audience: AUDIENCE } },
  });
  const governanceAddress = `127.0.0.1:${(await governance.start()).grpcPort}`;
  // The charter's ListUseCases as the score CLI reads it (the use cases the test registers models for).
  charter = new grpc.Server();
  charter.addService(charterV1.CharterServiceService, {
    listUseCases: (_call: unknown, done: (e: null, r: charterV1.ListUseCasesResponse) => void) =>
      done(null, { useCases: charterUseCases.map((useCaseId) => charterV1.UseCaseSummary.fromPartial({ useCaseId })) }),
  } as unknown as grpc.UntypedServiceImplementation);
  const charterPort = await new Promise<number>((done, fail) =>
    charter.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) => (e ? fail(e) : done(port))),
  );
  const charterAddress = `127.0.0.1:${charterPort}`;
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PLATFORM_DATA_DIR: dir,
    DATAOPS_ADDRESS: dataopsAddress,
    GOVERNANCE_ADDRESS: governanceAddress,
    CHARTER_ADDRESS: charterAddress,
    PLATFORM_TOKEN: await token('engineer-1', 'engineer'),
  };
}, 60_000);
afterAll(async () => {
  charter?.forceShutdown();
  await governance?.stop();
  await dataopsStop?.();
  await fx?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function run(which: keyof typeof entries, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entries[which], ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
// New rows: pumps 11 and 12 part-way through their run (their last row is what is scored).
const fresh: string[] = [];
for (let u = 11; u <= 12; u++)
  for (let c = 1; c <= 30; c++) fresh.push(`${u} ${c} ${(40 + 15 * (c / 80) ** 3 + rnd()).toFixed(3)} ${(100 - 20 * (c / 80) ** 2 + 2 * rnd()).toFixed(3)}`);
const freshFile = join(dir, 'pumps-new.txt');
writeFileSync(freshFile, `${fresh.join('\n')}\n`);
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('#15 from a shell', () => {
  it('run-to-failure file: import → snapshot → train → register → score by registry version id', async () => {
    const bad = await run('dataops', ['import', rtf, '--name', 'pumps', '--delimiter', ';', '--plaintext']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/the file is not semicolon-separated: every line reads as a single column; it looks whitespace-separated/);
    const importArgs = ['--columns', 'unit,cycle,temp,flow', '--sort-by', 'unit,cycle', '--dedupe', 'unit,cycle', '--plaintext'];
    const imp = await run('dataops', ['import', rtf, '--name', 'pumps', ...importArgs]);
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stderr).toMatch(/whitespace-separated, no header/);
    expect(imp.stdout).toMatch(/\(1 duplicates removed here\)/);
    const importId = /^import ([0-9a-f-]{36})$/m.exec(imp.stdout)![1]!;
    const common = ['snapshot', 'create', '--import', importId, '--entity', 'unit', '--order', 'cycle', '--plaintext'];
    const tooLong = await run('dataops', [...common, '--windows', '5,500', '--target', 'rul', '--run-to-failure', 'all']);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toMatch(/a window of 500 steps is longer than every unit/);
    const never = await run('dataops', [...common, '--windows', '5', '--target', 'rul', '--run-to-failure', 'column:flow']);
    expect(never.code).toBe(2);
    expect(never.stderr).toMatch(/no unit ran to failure/);
    expect(await dataops.listSnapshots({ limit: 10 })).toEqual([]); // nothing half-registered
    const features = ['--windows', '5,20', '--stats', 'mean,std,slope', '--ewma', '10'];
    const snap = await run('dataops', [...common, ...features, '--target', 'rul', '--run-to-failure', 'all', '--cap', '50', '--test-units', '9,10']);
    expect(snap.code, snap.stderr).toBe(0);
    const id = /^snapshot ([0-9a-f-]{36})$/m.exec(snap.stdout)![1]!;
    rulSnapshotId = id;
    const shown = await run('dataops', ['snapshot', 'show', id, '--plaintext']);
    expect(shown.stdout).toMatch(/temp_slope_20 +float64 +feature/);
    expect(shown.stdout).toMatch(/rul +float64 +label/);
    const out = join(dir, 'rul-model');
    const tr = await run('train', ['--snapshot', id, '--target', 'rul', '--task', 'regression', '--out', out, '--param', 'max_iter=60', '--plaintext']);
    expect(tr.code, tr.stderr).toBe(0);
    // no --snapshot-dir: the id is not in ./data/snapshots, so dataops said where it keeps it
    expect(tr.stdout).toMatch(new RegExp(`trained on snapshot ${id} \\(sha256 [0-9a-f]{64}, from dataops at ${snaps}/${id}.manifest.json\\)`));
    expect(readFileSync(join(out, 'model-card.md'), 'utf8')).toMatch(/estimate "rul"/);

    // the model registered in governance (as training's service account does), its artifacts in a store of their own
    const store = join(dir, 'artifacts');
    mkdirSync(store);
    const put = (file: string) => {
      const target = join(store, sha(file));
      copyFileSync(file, target);
      return { uri: pathToFileURL(target).href, sha256: sha(file) };
    };
    const onnx = put(join(out, 'model.onnx'));
    const modelJson = put(join(out, 'model.json'));
    const useCaseId = randomUUID();
    const { version: _v, ...example } = eventExamples.ModelVersionRegistered;
    const registry = createGrpcModelRegistry({ address: env.GOVERNANCE_ADDRESS!, token: await token('svc:training', 'service') });
    const versionId = randomUUID();
    await registry.register(
      { ...example, useCaseId, runId: randomUUID(), modelVersionId: versionId, artifactUri: onnx.uri, artifactHash: onnx.sha256, explainer: modelJson },
      serviceCause('training', randomUUID()),
    );

    // new rows through dataops: imported, snapshotted with the same features (no target), scored by version id
    const imp2 = await run('dataops', ['import', freshFile, '--name', 'pumps-new', ...importArgs]);
    expect(imp2.code, imp2.stderr).toBe(0);
    const import2 = /^import ([0-9a-f-]{36})$/m.exec(imp2.stdout)![1]!;
    const snap2 = await run('dataops', ['snapshot', 'create', '--import', import2, '--entity', 'unit', '--order', 'cycle', ...features, '--plaintext']);
    expect(snap2.code, snap2.stderr).toBe(0);
    const id2 = /^snapshot ([0-9a-f-]{36})$/m.exec(snap2.stdout)![1]!;
    // without --use-case: the registries of the use cases the charter lists are searched
    charterUseCases.push(randomUUID(), useCaseId);
    const searched = await run('score', ['--model', versionId, '--snapshot', id2, '--last-per', 'unit', '--plaintext']);
    expect(searched.code, searched.stderr).toBe(0);
    expect(searched.stderr).toMatch(new RegExp(`model: version 1 \\(${versionId}\\) of use case ${useCaseId}`));
    const nowhere = await run('score', ['--model', randomUUID(), '--snapshot', id2, '--plaintext']);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/no use case in the charter \(2 searched\) has model version .* give --use-case/);
    const unknown = await run('score', ['--model', randomUUID(), '--use-case', useCaseId, '--snapshot', id2, '--plaintext']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(new RegExp(`the registry of use case ${useCaseId} has no version .* \\(it has 1: ${versionId}\\)`));
    const byVersion = await run('score', ['--model', versionId, '--use-case', useCaseId, '--snapshot', id2, '--last-per', 'unit', '--plaintext']);
    expect(byVersion.code, byVersion.stderr).toBe(0);
    expect(byVersion.stderr).toMatch(/model: version 1 .* artifacts' sha256 checked/);
    expect(byVersion.stderr).toMatch(new RegExp(`snapshot ${id2}: from dataops`));
    const rows = byVersion.stdout.trim().split('\n');
    expect(rows[0]).toBe('unit,cycle,predicted_rul,explanation');
    expect(rows.slice(1).map((r) => r.split(',').slice(0, 2).join(','))).toEqual(['11,30', '12,30']);
    // the same rows from the file give the same predictions (one feature function)
    const byFile = await run('score', ['--model', out, '--csv', freshFile, '--columns', 'unit,cycle,temp,flow', '--last-per', 'unit']);
    expect(byFile.code, byFile.stderr).toBe(0);
    expect(
      byFile.stdout
        .trim()
        .split('\n')
        .map((r) => r.split(',')[2]),
    ).toEqual(rows.map((r) => r.split(',')[2]));
    // a changed artifact is refused, nothing scored
    writeFileSync(new URL(modelJson.uri), readFileSync(new URL(modelJson.uri), 'utf8').replace('"rul"', '"rul" '));
    const tampered = await run('score', ['--model', versionId, '--use-case', useCaseId, '--snapshot', id2, '--out', join(dir, 'never.csv'), '--plaintext']);
    expect(tampered.code).toBe(2);
    expect(tampered.stderr).toMatch(
      /the model.json of version 1 at .* has sha256 [0-9a-f]{64}, the registry recorded [0-9a-f]{64}: the file changed after it was registered; nothing scored/,
    );
    expect(existsSync(join(dir, 'never.csv'))).toBe(false);
    // the raw file still holds the duplicate: refused in the user's terms
    const dup = await run('score', ['--model', out, '--csv', rtf, '--columns', 'unit,cycle,temp,flow', '--last-per', 'unit']);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/unit 3 has two rows at cycle 10 .*de-duplicate the file first/);
  }, 300_000);

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

  it('unlabelled sensor file through dataops: import → ordered snapshot → train --task anomaly --snapshot → score', async () => {
    const DAY = 86_400_000,
      t0 = Date.parse('2026-03-01T00:00:00Z');
    const csv = ['time;pressure'];
    for (let i = 0; i < 5 * 288; i++) {
      const t = t0 + i * 300_000;
      let v = 5 + 0.2 * Math.sin((2 * Math.PI * i) / 288) + 0.05 * (rnd() - 0.5);
      if (t >= t0 + 4 * DAY && t < t0 + 4 * DAY + 6 * 3600_000) v += 0.6;
      csv.push(`${new Date(t).toISOString()};${v.toFixed(4)}`);
    }
    const file = join(dir, 'sensor-dataops.csv');
    writeFileSync(file, `${csv.join('\n')}\n`);
    const imp = await run('dataops', ['import', file, '--name', 'p1', '--sort-by', 'time', '--dedupe', 'time', '--plaintext']);
    expect(imp.code, imp.stderr).toBe(0);
    const importId = /^import ([0-9a-f-]{36})$/m.exec(imp.stdout)![1]!;
    const snap = await run('dataops', [
      'snapshot',
      'create',
      '--import',
      importId,
      '--order',
      'time',
      '--windows',
      '6,48',
      '--stats',
      'mean,std',
      '--plaintext',
    ]);
    expect(snap.code, snap.stderr).toBe(0);
    const id = /^snapshot ([0-9a-f-]{36})$/m.exec(snap.stdout)![1]!;
    expect(snap.stdout).toMatch(new RegExp(`^or train  npm run train -- --task anomaly --snapshot ${id} --probation <from>..<to>`, 'm'));
    const before = (await dataops.listSnapshots({ limit: 100 })).length;
    const out = join(dir, 'anomaly-from-snapshot');
    // no --snapshot-dir: the id is not in ./data/snapshots, so dataops is asked where it keeps it
    const args = ['--task', 'anomaly', '--snapshot', id, '--out', out, '--plaintext'];
    const refusals: [string[], RegExp][] = [
      [['--probation', '2026-03-01T00:00Z..2026-03-01T02:00Z'], /probation period .* holds \d+ complete rows; the detector needs at least 50/],
      [
        ['--probation', '2026-04-01T00:00Z..2026-04-03T00:00Z'],
        /--probation: 2026-04-01T00:00Z … 2026-04-03T00:00Z lies outside the data, which runs from 2026-03-01T00:00Z to 2026-03-05T23:55Z/,
      ],
      [['--probation', '2026-03-01T00:00Z..2026-03-04T00:00Z', '--windows', '3'], /--windows: a snapshot fixes its features/],
      [['--probation', 'last week'], /--probation: give the normal period as <from>..<to>/],
    ];
    for (const [extra, message] of refusals) {
      const r = await run('train', [...args, ...extra]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false); // nothing written
    }
    // a snapshot ordered by cycle numbers has no time range to fit on
    const cycles = await run('train', [
      '--task',
      'anomaly',
      '--snapshot',
      rulSnapshotId,
      '--probation',
      '2026-03-01T00:00Z..2026-03-04T00:00Z',
      '--out',
      out,
      '--plaintext',
    ]);
    expect(cycles.code).toBe(2);
    expect(cycles.stderr).toMatch(/is ordered by "cycle", which holds step numbers, not times; the probation period is a time range/);
    const unknown = await run('train', [
      '--task',
      'anomaly',
      '--snapshot',
      randomUUID(),
      '--probation',
      '2026-03-01T00:00Z..2026-03-04T00:00Z',
      '--out',
      out,
      '--plaintext',
    ]);
    expect(unknown.code).toBe(2);
    expect(existsSync(out)).toBe(false);
    expect((await dataops.listSnapshots({ limit: 100 })).length).toBe(before); // nothing recorded by a refusal

    const tr = await run('train', [...args, '--probation', '2026-03-01T00:00Z..2026-03-04T00:00Z', '--budget', '0.3']);
    expect(tr.code, tr.stderr).toBe(0);
    expect(tr.stderr).toMatch(new RegExp(`snapshot ${id}: from dataops`));
    expect(tr.stdout).toMatch(new RegExp(`on 1440 rows of snapshot ${id} \\(2026-03-01T00:00Z … 2026-03-05T23:55Z\\)`));
    const card = JSON.parse(readFileSync(join(out, 'model-card.json'), 'utf8')) as { data: { snapshot: { snapshotId: string } }; features: { name: string }[] };
    expect(card.data.snapshot.snapshotId).toBe(id);
    expect(card.features.map((f) => f.name)).toEqual(['pressure', 'pressure_mean_6', 'pressure_std_6', 'pressure_mean_48', 'pressure_std_48']);
    expect(readFileSync(join(out, 'model-card.md'), 'utf8')).toMatch(new RegExp(`\\*\\*Data:\\*\\* dataops snapshot ${id}`));
    // scored on the snapshot and on the file: the same rows, alarms in the incident
    const bySnapshot = await run('score', ['--model', out, '--snapshot', id, '--plaintext']);
    expect(bySnapshot.code, bySnapshot.stderr).toBe(0);
    const byFile = await run('score', ['--model', out, '--csv', file]);
    expect(byFile.code, byFile.stderr).toBe(0);
    // (the constant unit column dataops adds to a stream without --entity is left out)
    const rows = bySnapshot.stdout.trim().split('\n');
    expect(rows[0]).toBe('time,score,alarm,explanation');
    expect(rows).toHaveLength(1441);
    expect(byFile.stdout.trim().split('\n')).toEqual(rows);
    const alarmed = rows
      .slice(1)
      .filter((r) => r.split(',')[2] === '1')
      .map((r) => Date.parse(r.split(',')[0]!));
    expect(alarmed.some((t) => t >= t0 + 4 * DAY && t < t0 + 4 * DAY + 7 * 3600_000)).toBe(true);
  }, 300_000);

  it('train --help lists every parameter with its default and allowed values', async () => {
    const h = await run('train', ['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/task +default classification +classification \| regression/);
    expect(h.stdout).toMatch(/max_leaf_nodes +default 31/);
    expect(h.stdout).toMatch(/--probation/);
    expect(h.stdout).toMatch(/--snapshot <id> of an ordered dataops snapshot/);
  });
});
