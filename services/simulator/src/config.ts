// Reads and validates the simulator's configuration once, from environment variables and
// command-line flags (--time-acceleration=100 overrides SIM_TIME_ACCELERATION). A bad value
// raises ConfigError naming the variable; nothing below the entry point reads process.env.
// loadServiceConfig adds what the simulator process reads besides the plant (telemetry, and the
// event store that records the ground truth, through the shared fragments of every service).

import path from 'node:path';
import { checkEventStoreEnv, eventStoreConfig, eventStoreEnv, parseEnv, telemetryConfig, telemetryEnv, type StoreWiring } from '@industrial/eventstore/config';
import type { ConfigResult, ServiceBaseConfig } from '@industrial/kernel/service';
import { z } from 'zod';
import type { HttpConfig } from './adapters/http-server.ts';
import type { OpcuaServerConfig } from './adapters/opcua-server.ts';
import { MAX_ACCELERATION, MIN_ACCELERATION } from './domain/clock.ts';
import { AI4I_FILE_PROFILE, AI4I_RULES } from './domain/mill.ts';
import type { PlantRunSettings } from './features/plant-run.ts';

/** The plant (seed, clock, layout, scenario, replay) and its adapters' settings. */
export interface SimulatorConfig extends PlantRunSettings {
  opcua: OpcuaServerConfig;
  /** null: no HTTP endpoint */
  http: HttpConfig | null;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`);
    this.name = 'ConfigError';
  }
}

type Source = { name: string; value: string | undefined };

/** flags win over env; the name reported is the one the value came from */
function sourceFor(key: string, env: Record<string, string | undefined>, flags: Map<string, string>): Source {
  const flag = `--${key.replace(/^SIM_/, '').toLowerCase().replace(/_/g, '-')}`;
  if (flags.has(flag)) return { name: flag, value: flags.get(flag) };
  return { name: key, value: env[key] };
}

function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new ConfigError(a, 'unexpected argument (flags look like --name=value)');
    const eq = a.indexOf('=');
    if (eq > 0) flags.set(a.slice(0, eq), a.slice(eq + 1));
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) flags.set(a, argv[++i]!);
    else flags.set(a, 'true');
  }
  return flags;
}

export const CONFIG_KEYS = [
  'SIM_DEV',
  'SIM_SEED',
  'SIM_TIME_ACCELERATION',
  'SIM_TICK_HZ',
  'SIM_PLANT_START',
  'SIM_ENTERPRISE',
  'SIM_SITE',
  'SIM_PUMPS',
  'SIM_MILLS',
  'SIM_PACKAGERS',
  'SIM_MILL_PROFILE',
  'SIM_OPCUA_HOST',
  'SIM_OPCUA_PORT',
  'SIM_PKI_DIR',
  'SIM_ALLOW_ANONYMOUS',
  'SIM_ALLOW_SECURITY_NONE',
  'SIM_AUTO_ACCEPT_CERTS',
  'SIM_USERS',
  'SIM_HTTP_HOST',
  'SIM_HTTP_PORT',
  'SIM_HTTP_TOKEN',
  'SIM_SCENARIO',
  'SIM_REPLAY_CSV',
  'SIM_REPLAY_ASSET',
] as const;

export function loadConfig(env: Record<string, string | undefined>, argv: readonly string[] = [], cwd = '.'): SimulatorConfig {
  const flags = parseFlags(argv);
  const known = new Set(CONFIG_KEYS.map((k) => `--${k.replace(/^SIM_/, '').toLowerCase().replace(/_/g, '-')}`));
  for (const f of flags.keys()) if (!known.has(f)) throw new ConfigError(f, 'unknown flag');
  const get = (key: (typeof CONFIG_KEYS)[number]) => sourceFor(key, env, flags);

  const bool = (key: (typeof CONFIG_KEYS)[number], fallback: boolean): boolean => {
    const s = get(key);
    if (s.value === undefined || s.value === '') return fallback;
    if (/^(1|true|yes|on)$/i.test(s.value)) return true;
    if (/^(0|false|no|off)$/i.test(s.value)) return false;
    throw new ConfigError(s.name, `expected true or false, got "${s.value}"`);
  };
  const num = (key: (typeof CONFIG_KEYS)[number], fallback: number, min: number, max: number, integer = false): number => {
    const s = get(key);
    if (s.value === undefined || s.value === '') return fallback;
    const v = Number(s.value);
    if (!Number.isFinite(v) || (integer && !Number.isInteger(v))) {
      throw new ConfigError(s.name, `expected ${integer ? 'an integer' : 'a number'}, got "${s.value}"`);
    }
    if (v < min || v > max) throw new ConfigError(s.name, `must be within ${min}..${max}, got ${v}`);
    return v;
  };
  const str = (key: (typeof CONFIG_KEYS)[number], fallback: string, pattern?: RegExp): string => {
    const s = get(key);
    const v = s.value === undefined || s.value === '' ? fallback : s.value;
    if (pattern && !pattern.test(v)) throw new ConfigError(s.name, `"${v}" does not match ${pattern}`);
    return v;
  };
  const optionalPath = (key: (typeof CONFIG_KEYS)[number]): string | undefined => {
    const v = get(key).value;
    return v ? path.resolve(cwd, v) : undefined;
  };

  const dev = bool('SIM_DEV', false);
  const seed = num('SIM_SEED', 42, 0, 2 ** 32 - 1, true);
  const timeAcceleration = num('SIM_TIME_ACCELERATION', 1, MIN_ACCELERATION, MAX_ACCELERATION);
  const tickHz = num('SIM_TICK_HZ', 10, 0.1, 50);
  const segment = /^[a-z0-9][a-z0-9_-]*$/;
  const plantStart = get('SIM_PLANT_START');
  let plantStartMs: number | undefined;
  if (plantStart.value) {
    plantStartMs = Date.parse(plantStart.value);
    if (Number.isNaN(plantStartMs)) throw new ConfigError(plantStart.name, `expected an ISO-8601 date, got "${plantStart.value}"`);
  }
  const profileSrc = get('SIM_MILL_PROFILE');
  const profile = profileSrc.value ?? 'rules';
  if (profile !== 'rules' && profile !== 'ai4i-file') throw new ConfigError(profileSrc.name, `expected "rules" or "ai4i-file", got "${profile}"`);

  const allowAnonymous = bool('SIM_ALLOW_ANONYMOUS', dev);
  const usersSrc = get('SIM_USERS');
  const users = (usersSrc.value ?? '')
    .split(',')
    .filter((s) => s.length > 0)
    .map((pair) => {
      const i = pair.indexOf(':');
      if (i <= 0 || i === pair.length - 1) throw new ConfigError(usersSrc.name, 'expected name:password[,name:password…]');
      return { username: pair.slice(0, i), password: pair.slice(i + 1) };
    });
  if (users.length === 0 && !allowAnonymous) {
    throw new ConfigError(usersSrc.name, 'no users configured and anonymous access is off (set SIM_USERS or SIM_DEV=true)');
  }

  const httpPortSrc = get('SIM_HTTP_PORT');
  const httpOff = httpPortSrc.value === 'off';
  let http: SimulatorConfig['http'] = null;
  if (!httpOff) {
    const tokenSrc = get('SIM_HTTP_TOKEN');
    let token = tokenSrc.value ?? '';
    if (token.length === 0 && dev) token = 'dev-token';
    if (token.length < (dev ? 1 : 16)) {
      throw new ConfigError(tokenSrc.name, dev ? 'must not be empty' : 'required, at least 16 characters (or SIM_HTTP_PORT=off)');
    }
    http = { host: str('SIM_HTTP_HOST', '127.0.0.1'), port: num('SIM_HTTP_PORT', 8088, 0, 65535, true), token };
  }

  const config: SimulatorConfig = {
    seed,
    timeAcceleration,
    tickHz,
    layout: {
      enterprise: str('SIM_ENTERPRISE', 'acme', segment),
      site: str('SIM_SITE', 'plant-1', segment),
      pumps: num('SIM_PUMPS', 4, 0, 2000, true),
      mills: num('SIM_MILLS', 3, 0, 200, true),
      packagers: num('SIM_PACKAGERS', 2, 0, 200, true),
    },
    millParams: profile === 'rules' ? AI4I_RULES : AI4I_FILE_PROFILE,
    opcua: {
      host: str('SIM_OPCUA_HOST', '127.0.0.1'),
      port: num('SIM_OPCUA_PORT', 4840, 0, 65535, true),
      pkiDir: path.resolve(cwd, str('SIM_PKI_DIR', '.data/simulator/pki')),
      allowAnonymous,
      allowSecurityNone: bool('SIM_ALLOW_SECURITY_NONE', dev),
      autoAcceptUnknownCertificates: bool('SIM_AUTO_ACCEPT_CERTS', dev),
      users,
    },
    http,
  };
  if (plantStartMs !== undefined) config.plantStartMs = plantStartMs;
  const scenarioFile = optionalPath('SIM_SCENARIO');
  if (scenarioFile) config.scenarioFile = scenarioFile;
  const csv = optionalPath('SIM_REPLAY_CSV');
  if (csv) config.replay = { csvFile: csv, asset: str('SIM_REPLAY_ASSET', 'mill-1', segment) };
  return config;
}

// ---- the simulator process (runService) --------------------------------------------------------

/** Any of these set: the process records the ground truth in that event store (it anchors nothing: governance does). */
export const STORE_KEYS = ['EVENTSTORE', 'PG_URL', 'SQLITE_PATH', 'LEDGER_KEY_FILE'] as const;

const TelemetryEnv = z.object(telemetryEnv);
const StoreEnv = z.object(eventStoreEnv).superRefine(checkEventStoreEnv);

export interface SimulatorServiceConfig extends ServiceBaseConfig {
  readonly simulator: SimulatorConfig;
  /** The event store the ground truth is recorded in; null: none configured (not recorded). */
  readonly groundTruthStore: StoreWiring | null;
}

/** Everything the simulator process reads, or one message naming each bad variable. */
export function loadServiceConfig(
  env: Readonly<Record<string, string | undefined>>,
  argv: readonly string[] = [],
  cwd = '.',
): ConfigResult<SimulatorServiceConfig> {
  let simulator: SimulatorConfig;
  try {
    simulator = loadConfig(env, argv, cwd);
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, message: `invalid configuration: ${err.message}` };
    throw err;
  }
  const telemetry = parseEnv(TelemetryEnv, env);
  if (!telemetry.ok) return telemetry;
  let groundTruthStore: StoreWiring | null = null;
  if (STORE_KEYS.some((k) => (env[k] ?? '') !== '')) {
    const store = parseEnv(StoreEnv, env);
    if (!store.ok) return { ok: false, message: `${store.message} (the ground truth is recorded when any of ${STORE_KEYS.join(', ')} is set)` };
    const s = store.data;
    groundTruthStore = { eventStore: eventStoreConfig(s), ledgerKeyFile: path.resolve(cwd, s.LEDGER_KEY_FILE) };
  }
  return { ok: true, config: { simulator, groundTruthStore, telemetry: telemetryConfig(telemetry.data), logLevel: telemetry.data.LOG_LEVEL } };
}
