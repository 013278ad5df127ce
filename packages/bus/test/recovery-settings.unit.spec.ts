// The bus's recovery thresholds as environment settings (natsEnv, with the other NATS_*): the idle
// re-pull (NATS_CONSUMER_STALL_MS), the pull request's lifetime (NATS_PULL_EXPIRES_MS) and the move to
// another server after "no responders" (NATS_NO_RESPONDERS_RECONNECT_MS); a bad value names its variable.
import { describe, expect, it } from 'vitest';
import { NATS_ENV_HELP, natsEnv, natsEnvConfig } from '../src/nats/connection.ts';
import type { NatsBusOptions } from '../src/nats/nats-bus.ts';

const VARIABLES = ['NATS_CONSUMER_STALL_MS', 'NATS_PULL_EXPIRES_MS', 'NATS_NO_RESPONDERS_RECONNECT_MS'];

describe('NATS recovery thresholds from the environment', () => {
  it('become the bus options a service spreads into connectNatsBus', () => {
    const nats = natsEnv({ NATS_CONSUMER_STALL_MS: '4000', NATS_PULL_EXPIRES_MS: '20000', NATS_NO_RESPONDERS_RECONNECT_MS: '60000', NATS_PREFIX: 'site1' });
    const options: NatsBusOptions = { servers: 'nats://127.0.0.1:4222', ...nats };
    expect(options).toMatchObject({ stallMs: 4_000, pullExpiresMs: 20_000, noRespondersReconnectMs: 60_000, prefix: 'site1' });
  });

  it('leave the bus defaults when unset or empty', () => {
    const nats = natsEnv({ NATS_CONSUMER_STALL_MS: '' });
    for (const k of ['stallMs', 'pullExpiresMs', 'noRespondersReconnectMs']) expect(nats, k).not.toHaveProperty(k);
  });

  it.each([
    ['NATS_CONSUMER_STALL_MS', '10s', 'from 1000 to 3600000'],
    ['NATS_CONSUMER_STALL_MS', '999', 'from 1000 to 3600000'],
    ['NATS_PULL_EXPIRES_MS', '500', 'from 1000 to 300000'],
    ['NATS_PULL_EXPIRES_MS', '2500.5', 'from 1000 to 300000'],
    ['NATS_NO_RESPONDERS_RECONNECT_MS', '-1', 'from 1000 to 3600000'],
  ])('refuses %s=%s, naming the variable', (variable, value, range) => {
    expect(natsEnvConfig({ [variable]: value })).toEqual({ ok: false, message: `invalid configuration: ${variable} must be a whole number ${range}` });
  });

  it('are listed in the help text every service shows', () => {
    for (const v of VARIABLES) expect(NATS_ENV_HELP).toContain(v);
  });
});
