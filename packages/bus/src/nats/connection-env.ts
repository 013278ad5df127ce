// The bus's recovery thresholds (issue 19, ADR 0019) as environment settings, read by natsEnv with
// the other NATS_* settings: every service that spreads its NATS settings into the bus gets them.

import type { NatsRecoverySettings } from './pull-loop.ts';

type Env = Readonly<Record<string, string | undefined>>;
type Bad = (variable: string, why: string) => never;

/** Environment variables of the recovery thresholds (for a service's help text). */
export const NATS_RECOVERY_ENV_HELP = `  NATS_CONSUMER_STALL_MS    10000   a consumer that received nothing this long while its durable has messages nobody was given pulls again
  NATS_PULL_EXPIRES_MS      30000   lifetime of one pull request (idle heartbeats every half of it)
  NATS_NO_RESPONDERS_RECONNECT_MS  30000   every publish answered "no responders" this long: reconnect to another server of NATS_URL`;

/** `env[k]` as a whole number from `min` to `max`; unset or empty: undefined. A bad value names the variable. */
export function wholeNumberEnv(env: Env, k: string, min: number, max: number, bad: Bad): number | undefined {
  const v = env[k];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) bad(k, `must be a whole number from ${min} to ${max}`);
  return n;
}

/** NATS_CONSUMER_STALL_MS, NATS_PULL_EXPIRES_MS (nats.js: at least 1 s), NATS_NO_RESPONDERS_RECONNECT_MS. */
export function recoverySettingsFromEnv(env: Env, bad: Bad): NatsRecoverySettings {
  const stallMs = wholeNumberEnv(env, 'NATS_CONSUMER_STALL_MS', 1_000, 3_600_000, bad);
  const pullExpiresMs = wholeNumberEnv(env, 'NATS_PULL_EXPIRES_MS', 1_000, 300_000, bad);
  const noRespondersReconnectMs = wholeNumberEnv(env, 'NATS_NO_RESPONDERS_RECONNECT_MS', 1_000, 3_600_000, bad);
  return {
    ...(stallMs === undefined ? {} : { stallMs }),
    ...(pullExpiresMs === undefined ? {} : { pullExpiresMs }),
    ...(noRespondersReconnectMs === undefined ? {} : { noRespondersReconnectMs }),
  };
}
