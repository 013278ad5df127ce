// Configuration: defaults, dev mode, and one clear message per bad value.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

const prod = { SIM_USERS: 'operator:pw', SIM_HTTP_TOKEN: '0123456789abcdef0123' };

describe('loadConfig', () => {
  it('applies safe defaults outside dev mode', () => {
    const c = loadConfig(prod);
    expect(c.timeAcceleration).toBe(1);
    expect(c.tickHz).toBe(10);
    expect(c.opcua).toMatchObject({ allowAnonymous: false, allowSecurityNone: false, autoAcceptUnknownCertificates: false });
    expect(c.layout).toMatchObject({ pumps: 4, mills: 3, packagers: 2 });
  });

  it('opens anonymous access and SecurityPolicy None in dev mode', () => {
    const c = loadConfig({ SIM_DEV: 'true' });
    expect(c.opcua).toMatchObject({ allowAnonymous: true, allowSecurityNone: true });
    expect(c.http?.token).toBe('dev-token');
  });

  it('lets flags override the environment', () => {
    expect(loadConfig({ ...prod, SIM_TIME_ACCELERATION: '10' }, ['--time-acceleration=500']).timeAcceleration).toBe(500);
  });

  it.each([
    [{ ...prod, SIM_TIME_ACCELERATION: '2000' }, [], 'SIM_TIME_ACCELERATION'],
    [{ ...prod, SIM_SEED: 'abc' }, [], 'SIM_SEED'],
    [{ ...prod, SIM_DEV: 'maybe' }, [], 'SIM_DEV'],
    [{ SIM_HTTP_TOKEN: '0123456789abcdef0123' }, [], 'SIM_USERS'],
    [{ SIM_USERS: 'a:b' }, [], 'SIM_HTTP_TOKEN'],
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
});
