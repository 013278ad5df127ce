// The simulator process through the shared lifecycle (runService), as cluster mode and compose
// start it: the store variables switch the ground-truth recording on, the ready line names what
// runs, --help names every variable, a bad value exits 2, and SIGTERM drains the recorder before
// the store closes.
import path from 'node:path';
import { runService } from '@industrial/kernel/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_KEYS, simulatorService } from '../src/service.ts';
import { tempDir, testStore, until, type TestStore } from './support.ts';

const run = (env: Record<string, string>, argv: string[] = [], stopSignal: Promise<string> = Promise.resolve('test')) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = runService(simulatorService({ argv, cwd: process.cwd() }), { env, argv, stdout: (l) => out.push(l), stderr: (l) => err.push(l), stopSignal });
  return { code, out, err };
};

describe('the simulator process', () => {
  it('lists every variable it reads in --help', async () => {
    const r = run({}, ['--help']);
    expect(await r.code).toBe(0);
    const help = r.out.join('\n');
    for (const key of ALL_KEYS) expect(help, key).toContain(key);
  });

  it.each([
    [{ SIM_DEV: 'true', SIM_SEED: 'x' }, 'SIM_SEED'],
    [{ SIM_DEV: 'true', SQLITE_PATH: '/tmp/x.db' }, 'LEDGER_KEY_FILE'],
    [{ SIM_DEV: 'true', EVENTSTORE: 'postgres', LEDGER_KEY_FILE: '/tmp/k.pem' }, 'PG_URL'],
    [{ SIM_DEV: 'true', LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('exits 2 naming the bad variable (%#)', async (env, name) => {
    const r = run(env);
    expect(await r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(new RegExp(`^simulator: invalid configuration: .*${name}`));
  });

  describe('with an event store configured', () => {
    let ts: TestStore;
    let dir: string;
    beforeAll(async () => {
      ts = await testStore('sqlite');
      dir = await tempDir('sim-svc-');
    });
    afterAll(async () => {
      await ts?.cleanup();
    });

    it('records the faults injected over HTTP and drains them on SIGTERM', async () => {
      let stop!: (signal: string) => void;
      const stopSignal = new Promise<string>((r) => (stop = r));
      const env = {
        ...ts.env,
        SIM_DEV: 'true',
        SIM_TIME_ACCELERATION: '1000',
        SIM_OPCUA_PORT: '0',
        SIM_HTTP_PORT: '0',
        SIM_PKI_DIR: path.join(dir, 'pki'),
        SIM_PUMPS: '2',
        SIM_MILLS: '0',
        SIM_PACKAGERS: '0',
        LOG_LEVEL: 'silent',
      };
      const r = run(env, [], stopSignal);
      await until('the ready line', () => r.out.some((l) => l.startsWith('simulator ready ')), 30_000);
      const ready = r.out.find((l) => l.startsWith('simulator ready '))!;
      expect(ready).toMatch(
        /^simulator ready opcua=opc\.tcp:\/\/127\.0\.0\.1:\d+ http=http:\/\/127\.0\.0\.1:\d+ assets=2 acceleration=1000 groundTruth=sqlite$/,
      );
      const http = /http=(\S+)/.exec(ready)![1]!;
      const res = await fetch(`${http}/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer dev-token' },
        body: JSON.stringify({ asset: 'pump-1', fault: 'sensor_stuck', tag: 'flow', developMinutes: 0 }),
      });
      expect(res.status).toBe(201);
      stop('SIGTERM');
      expect(await r.code).toBe(0);
      const store = await ts.open();
      try {
        const events = (await store.readAll()).filter((e) => e.stream.startsWith('fault-'));
        expect(events.map((e) => e.type)).toContain('FaultInjected');
        expect(events.every((e) => e.metadata.actor === 'svc:simulator')).toBe(true);
      } finally {
        await store.close();
      }
    });
  });
});
