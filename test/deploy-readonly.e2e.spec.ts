// Bad input of issue 19: a read-only data directory. The cluster launcher runs as another uid
// (nobody, as in the image) with each service's data directory or file made read-only (0555 / 0444):
// connectivity's state directory, dataops' snapshot directory, training's artifact directory,
// inference's checkpoint file and governance's anchor file. Each service stops at start with
// exit code 2 and one message naming its setting, before it opens the store: nothing is written.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const UID = 65534; // nobody: a read-only directory stops it (root would write anyway)
// 17800-17912 here: below Linux's ephemeral range (32768–60999), where other tests' port-0 listeners and
// outgoing connections land (a launcher failed to bind there once, test/platform.e2e.spec.ts), and below
// the 20000–32000 the platform and reflection tests pick from at random.
const base = 17_800;
const schema = `rodata_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
const top = mkdtempSync(join(tmpdir(), 'deploy-readonly-'));

afterAll(() => rmSync(top, { recursive: true, force: true }));

/** Each service, the setting its message must name, and the exit line the launcher prints. */
const cases = [
  { name: 'connectivity', setting: 'CONNECTIVITY_STATE_DIR' },
  { name: 'dataops', setting: 'DATAOPS_SNAPSHOT_DIR' },
  { name: 'training', setting: 'TRAINING_ARTIFACT_DIR' },
  { name: 'inference-a', setting: 'INFERENCE_CHECKPOINT_PATH', service: 'inference' },
  { name: 'governance', setting: 'ANCHOR_FILE' },
];

describe('a read-only data directory', () => {
  it('stops every service that writes it at start, exit 2, one message naming the setting, nothing written', async () => {
    // The volume belongs to the service user; what each service writes is read-only (the launcher's own files are not).
    const data = join(top, 'data');
    const home = join(top, 'home');
    for (const d of [data, home, join(data, 'connectivity'), join(data, 'snapshots'), join(data, 'artifacts')]) mkdirSync(d, { recursive: true });
    for (const f of ['anchors.jsonl', 'inference-a.checkpoint.db']) writeFileSync(join(data, f), '');
    for (const p of [top, data, home, 'connectivity', 'snapshots', 'artifacts', 'anchors.jsonl', 'inference-a.checkpoint.db'].map((p) =>
      p.startsWith('/') ? p : join(data, p),
    ))
      chownSync(p, UID, UID);
    for (const d of ['connectivity', 'snapshots', 'artifacts']) chmodSync(join(data, d), 0o555);
    for (const f of ['anchors.jsonl', 'inference-a.checkpoint.db']) chmodSync(join(data, f), 0o444);

    const proc = spawn(
      'setpriv',
      ['--reuid', String(UID), '--regid', String(UID), '--clear-groups', '--', process.execPath, '--import', 'tsx', join(root, 'scripts/platform/cluster.ts')],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: home,
          TMPDIR: home,
          PLATFORM_DATA_DIR: data,
          PLATFORM_BASE_PORT: String(base),
          PLATFORM_TLS: '0',
          PG_URL,
          PG_SCHEMA: schema,
          CLUSTER_NATS: 'shared',
          NATS_URL,
          NATS_PREFIX: schema,
          CLUSTER_ONLY: cases.map((c) => c.name).join(','),
          CLUSTER_KEEP_GOING: '1',
          METRICS_PORT: 'off',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    for (const s of [proc.stdout, proc.stderr])
      s?.on('data', (d: Buffer) => {
        out += d.toString();
      });
    const exited = (name: string) => new RegExp(`${name}\\s+│ exited \\((\\w+)\\)`).exec(out)?.[1];
    try {
      for (const t = Date.now(); !cases.every((c) => exited(c.name) !== undefined); await new Promise((r) => setTimeout(r, 250))) {
        if (proc.exitCode !== null) throw new Error(`the launcher stopped (${proc.exitCode}):\n${out.slice(-3000)}`);
        if (Date.now() - t > 180_000)
          throw new Error(`still running: ${cases.filter((c) => exited(c.name) === undefined).map((c) => c.name)}\n${out.slice(-3000)}`);
      }
      for (const c of cases) {
        expect(exited(c.name), `${c.name}:\n${out.slice(-3000)}`).toBe('2');
        const lines = out.split('\n').filter((l) => l.startsWith(`${c.name.padEnd(12)} │ ${c.service ?? c.name}: `));
        expect(lines, c.name).toHaveLength(1);
        expect(lines[0]).toContain(`${c.setting}: `);
        expect(lines[0]).toMatch(/cannot be written \(EACCES/);
        expect(out, `${c.name} got as far as ready`).not.toMatch(new RegExp(`${c.name}\\s+│ \\w+ ready`));
      }
      // Nothing half-written: no service got as far as its store.
      const db = new pg.Client({ connectionString: PG_URL });
      await db.connect();
      try {
        const { rows } = await db.query('SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name LIKE $1', [`${schema}%`]);
        expect(rows[0].n).toBe(0);
      } finally {
        await db.end();
      }
    } finally {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
    }
  });
});
