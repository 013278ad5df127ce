// The simulator process through the shared lifecycle (runService), as cluster mode and compose
// start it: the store variables switch the ground-truth recording on, the ready line names what
// runs, --help names every variable, a bad value exits 2, and SIGTERM drains the recorder before
// the store closes. The HTTP API takes per-user platform tokens: 401 without one, 403 without
// sim.inject_fault (both recorded as AccessDenied), and a FaultInjected names the engineer who asked.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createKeySet, importSigningKey, issueToken, writeKeyMaterial, type Role } from '@industrial/access';
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
    [{ SIM_ALLOW_INSECURE: 'true', SIM_HTTP_PORT: 'off', SIM_SEED: 'x' }, 'SIM_SEED'],
    [{ SIM_ALLOW_INSECURE: 'true', SIM_HTTP_PORT: 'off', SQLITE_PATH: '/tmp/x.db' }, 'LEDGER_KEY_FILE'],
    [{ SIM_ALLOW_INSECURE: 'true', SIM_HTTP_PORT: 'off', EVENTSTORE: 'postgres', LEDGER_KEY_FILE: '/tmp/k.pem' }, 'PG_URL'],
    [{ SIM_ALLOW_INSECURE: 'true', SIM_HTTP_PORT: 'off', LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ SIM_ALLOW_INSECURE: 'true' }, 'ACCESS_KEYS_DIR'],
    [{ SIM_HTTP_PORT: 'off' }, 'SIM_USERS_FILE'],
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

    it('takes platform tokens on HTTP, records the injecting engineer and every denial, and drains on SIGTERM', async () => {
      const keysDir = path.join(dir, 'access');
      const material = await createKeySet({ now: new Date() });
      await writeKeyMaterial(keysDir, material);
      const signingKey = await importSigningKey(material.signingKey);
      const token = (subject: string, roles: Role[]) =>
        issueToken(signingKey, {
          subject,
          roles,
          scopes: ['*'],
          tokenId: subject,
          issuer: 'industrial-access',
          audience: 'industrial-platform',
          now: new Date(),
          ttlSeconds: 600,
        });
      const usersFile = path.join(dir, 'users.json');
      await writeFile(usersFile, JSON.stringify([{ username: 'connectivity', password: 'a-long-enough-password', roles: ['service'] }]), { mode: 0o600 });
      let stop!: (signal: string) => void;
      const stopSignal = new Promise<string>((r) => (stop = r));
      const env = {
        ...ts.env,
        SIM_USERS_FILE: usersFile,
        SIM_AUTO_ACCEPT_CERTS: 'true',
        ACCESS_KEYS_DIR: keysDir,
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
      await until('the ready line', () => r.out.some((l) => l.startsWith('simulator ready ')), 90_000);
      const ready = r.out.find((l) => l.startsWith('simulator ready '))!;
      expect(ready).toMatch(
        /^simulator ready opcua=opc\.tcp:\/\/127\.0\.0\.1:\d+ http=http:\/\/127\.0\.0\.1:\d+ assets=2 acceleration=1000 groundTruth=sqlite$/,
      );
      const http = /http=(\S+)/.exec(ready)![1]!;
      const inject = (bearer: string | null) =>
        fetch(`${http}/faults`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }) },
          body: JSON.stringify({ asset: 'pump-1', fault: 'sensor_stuck', tag: 'flow', developMinutes: 0 }),
        });
      expect((await inject(null)).status).toBe(401);
      expect((await inject(await token('olga', ['operator']))).status).toBe(403);
      const res = await inject(await token('erik', ['engineer']));
      expect(res.status).toBe(201);
      const { faultId } = (await res.json()) as { faultId: string };
      expect(faultId).toMatch(/^pump-1#/);
      stop('SIGTERM');
      expect(await r.code).toBe(0);
      const store = await ts.open();
      try {
        const all = await store.readAll();
        const injected = all.filter((e) => e.type === 'FaultInjected');
        expect(injected).toHaveLength(1);
        expect(injected[0]!.metadata).toMatchObject({ actor: 'erik', role: 'engineer' });
        expect(injected[0]!.data).toMatchObject({ source: 'http', assetPath: 'acme.plant-1.utilities.cooling-water.pump-1' });
        // the failure the plant labelled is the simulator's own finding, answering the injection
        const labelled = all.filter((e) => e.type === 'FaultLabelled');
        expect(labelled.every((e) => e.metadata.actor === 'svc:simulator' && e.metadata.causationId === injected[0]!.id)).toBe(true);
        const denied = all.filter((e) => e.type === 'AccessDenied');
        expect(
          denied.map((e) => [(e.data as { actor: string }).actor, (e.data as { reason: string }).reason, (e.data as { permission: string }).permission]),
        ).toEqual([
          ['anonymous', 'no-token', 'sim.inject_fault'],
          ['olga', 'missing-permission', 'sim.inject_fault'],
        ]);
        expect(denied.every((e) => e.stream.startsWith('access-'))).toBe(true);
      } finally {
        await store.close();
      }
    });
  });
});
