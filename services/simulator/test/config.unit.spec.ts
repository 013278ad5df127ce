// Configuration: secure defaults, the development flag, the OPC UA users file, and one clear
// message per bad value (removed variables included).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'sim-config-'));
const file = (name: string, content: unknown): string => {
  const f = path.join(dir, name);
  writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
};
const usersFile = file('users.json', [
  { username: 'connectivity', password: 'a-long-enough-password', roles: ['service'] },
  { username: 'eng', password: 'another-long-password', roles: ['operator', 'engineer'] },
]);
const prod = { SIM_USERS_FILE: usersFile };

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('applies secure defaults: no anonymous session, no SecurityPolicy None, no auto-accepted certificates', () => {
    const c = loadConfig(prod);
    expect(c.timeAcceleration).toBe(1);
    expect(c.tickHz).toBe(10);
    expect(c.opcua).toMatchObject({ allowAnonymous: false, allowSecurityNone: false, autoAcceptUnknownCertificates: false });
    expect(c.layout).toMatchObject({ pumps: 4, mills: 3, packagers: 2 });
    expect(c.http).toEqual({ host: '127.0.0.1', port: 8088 });
    expect(loadConfig({ ...prod, SIM_HTTP_TLS_CERT_FILE: '/tls/sim.crt', SIM_HTTP_TLS_KEY_FILE: '/tls/sim.key' }).http).toEqual({
      host: '127.0.0.1',
      port: 8088,
      tls: { certFile: '/tls/sim.crt', keyFile: '/tls/sim.key' },
    });
  });

  it('gives the fault role only to users whose platform roles grant sim.inject_fault', () => {
    expect(loadConfig(prod).opcua.users).toEqual([
      { username: 'connectivity', password: 'a-long-enough-password', faultRole: null },
      { username: 'eng', password: 'another-long-password', faultRole: 'engineer' },
    ]);
  });

  it('opens anonymous sessions and SecurityPolicy None only with SIM_ALLOW_INSECURE', () => {
    const c = loadConfig({ SIM_ALLOW_INSECURE: 'true' });
    expect(c.opcua).toMatchObject({ allowAnonymous: true, allowSecurityNone: true, autoAcceptUnknownCertificates: false, users: [] });
  });

  it('lets flags override the environment', () => {
    expect(loadConfig({ ...prod, SIM_TIME_ACCELERATION: '10' }, ['--time-acceleration=500']).timeAcceleration).toBe(500);
  });

  it.each([
    [{ ...prod, SIM_TIME_ACCELERATION: '2000' }, [], 'SIM_TIME_ACCELERATION'],
    [{ ...prod, SIM_SEED: 'abc' }, [], 'SIM_SEED'],
    [{ ...prod, SIM_ALLOW_INSECURE: 'maybe' }, [], 'SIM_ALLOW_INSECURE'],
    [{}, [], 'SIM_USERS_FILE'],
    [{ SIM_USERS_FILE: path.join(dir, 'missing.json') }, [], 'SIM_USERS_FILE'],
    [{ SIM_USERS_FILE: file('bad.json', '{"users": ') }, [], 'SIM_USERS_FILE'],
    [{ SIM_USERS_FILE: file('empty.json', []) }, [], 'SIM_USERS_FILE'],
    [{ SIM_USERS_FILE: file('short.json', [{ username: 'a', password: 'short', roles: ['engineer'] }]) }, [], 'SIM_USERS_FILE: [0].password'],
    [{ SIM_USERS_FILE: file('role.json', [{ username: 'a', password: 'long-enough-pass', roles: ['root'] }]) }, [], 'SIM_USERS_FILE: [0].roles[0]'],
    [{ SIM_USERS_FILE: file('noroles.json', [{ username: 'a', password: 'long-enough-pass' }]) }, [], 'SIM_USERS_FILE: [0].roles'],
    [{ SIM_USERS_FILE: file('name.json', [{ username: 'a:b', password: 'long-enough-pass', roles: ['engineer'] }]) }, [], 'SIM_USERS_FILE: [0].username'],
    [{ ...prod, SIM_DEV: 'true' }, [], 'SIM_DEV'],
    [{ ...prod, SIM_ALLOW_ANONYMOUS: 'true' }, [], 'SIM_ALLOW_ANONYMOUS'],
    [{ ...prod, SIM_ALLOW_SECURITY_NONE: 'true' }, [], 'SIM_ALLOW_SECURITY_NONE'],
    [{ ...prod, SIM_USERS: 'a:b' }, [], 'SIM_USERS'],
    [{ ...prod, SIM_HTTP_TOKEN: '0123456789abcdef0123' }, [], 'SIM_HTTP_TOKEN'],
    [{ ...prod, SIM_HTTP_TLS_CERT_FILE: '/tls/sim.crt' }, [], 'SIM_HTTP_TLS_KEY_FILE'],
    [{ ...prod, SIM_HTTP_TLS_KEY_FILE: '/tls/sim.key' }, [], 'SIM_HTTP_TLS_CERT_FILE'],
    [prod, ['--tick-hz=0'], '--tick-hz'],
    [prod, ['--bogus=1'], '--bogus'],
    [{ ...prod, SIM_MILL_PROFILE: 'x' }, [], 'SIM_MILL_PROFILE'],
  ] as const)('names the bad variable (%#)', (env, argv, name) => {
    try {
      loadConfig(env, argv);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe(name);
      expect((err as Error).message).toContain(name);
    }
  });

  it('never echoes a password in an error', () => {
    const f = file('dup.json', [
      { username: 'a', password: 'secret-password-1', roles: ['engineer'] },
      { username: 'a', password: 'secret-password-2', roles: ['engineer'] },
    ]);
    expect(() => loadConfig({ SIM_USERS_FILE: f })).toThrow(/listed twice/);
    try {
      loadConfig({ SIM_USERS_FILE: f });
    } catch (err) {
      expect((err as Error).message).not.toContain('secret-password');
    }
  });
});
