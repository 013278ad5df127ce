// Reads and validates the simulator's configuration once, from environment variables and
// command-line flags (--time-acceleration=100 overrides SIM_TIME_ACCELERATION). A bad value
// raises ConfigError naming the variable; nothing below the entry point reads process.env.
// loadServiceConfig adds what the simulator process reads besides the plant (telemetry, and the
// event store that records the ground truth, through the shared fragments of every service).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isRole, Permission, roleHasPermission } from '@industrial/access';
import {
  accessConfig,
  accessEnv,
  checkEventStoreEnv,
  eventStoreConfig,
  eventStoreEnv,
  parseEnv,
  telemetryConfig,
  telemetryEnv,
  type StoreWiring,
} from '@industrial/eventstore/config';
import type { AccessConfig } from '@industrial/eventstore/config';
import type { ConfigResult, ServiceBaseConfig } from '@industrial/kernel/service';
import { z } from 'zod';
import type { HttpConfig } from './adapters/http-server.ts';
import type { OpcuaServerConfig, OpcuaUser } from './adapters/opcua-server.ts';
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
  'SIM_ALLOW_INSECURE',
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
  'SIM_AUTO_ACCEPT_CERTS',
  'SIM_USERS_FILE',
  'SIM_HTTP_HOST',
  'SIM_HTTP_PORT',
  'SIM_HTTP_TLS_CERT_FILE',
  'SIM_HTTP_TLS_KEY_FILE',
  'SIM_SCENARIO',
  'SIM_REPLAY_CSV',
  'SIM_REPLAY_ASSET',
] as const;

/** Variables of earlier versions, refused with what replaces them (never silently ignored). */
const REMOVED: Record<string, string> = {
  SIM_DEV: 'removed: anonymous sessions and SecurityPolicy None need SIM_ALLOW_INSECURE=true (development only); certificates SIM_AUTO_ACCEPT_CERTS',
  SIM_ALLOW_ANONYMOUS: 'removed: anonymous sessions need SIM_ALLOW_INSECURE=true (development only)',
  SIM_ALLOW_SECURITY_NONE: 'removed: SecurityPolicy None needs SIM_ALLOW_INSECURE=true (development only)',
  SIM_USERS: 'removed: OPC UA users come from SIM_USERS_FILE (passwords are not taken from the environment)',
  SIM_HTTP_TOKEN: 'removed: the HTTP API takes platform tokens (ACCESS_KEYS_DIR) with the sim.inject_fault permission',
};

const MIN_PASSWORD = 12;

/**
 * The OPC UA users file: a JSON list of `{ "username", "password", "roles": [platform roles] }`.
 * A user whose roles grant `sim.inject_fault` may call InjectFault and write values; others read.
 */
export function readUsersFile(file: string, name = 'SIM_USERS_FILE'): OpcuaUser[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(name, `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(name, `${file} is not JSON (expected [{"username","password","roles"}, …])`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw new ConfigError(name, `${file}: expected a non-empty JSON list of users`);
  const seen = new Set<string>();
  return parsed.map((entry: unknown, i): OpcuaUser => {
    const at = `${name}: [${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new ConfigError(`${at}`, 'expected {"username","password","roles"}');
    const { username, password, roles } = entry as Record<string, unknown>;
    if (typeof username !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/.test(username))
      throw new ConfigError(`${at}.username`, 'expected 1-64 characters of [A-Za-z0-9_.@-]');
    if (seen.has(username)) throw new ConfigError(`${at}.username`, `"${username}" is listed twice`);
    seen.add(username);
    if (typeof password !== 'string' || password.length < MIN_PASSWORD || password.length > 500)
      throw new ConfigError(`${at}.password`, `expected ${MIN_PASSWORD}-500 characters`);
    if (!Array.isArray(roles) || roles.length === 0) throw new ConfigError(`${at}.roles`, 'expected a non-empty list of platform roles');
    roles.forEach((r: unknown, j) => {
      if (!isRole(r)) throw new ConfigError(`${at}.roles[${j}]`, `unknown role ${JSON.stringify(r)?.slice(0, 40)}`);
    });
    const faultRole = (roles as string[]).find((r) => isRole(r) && roleHasPermission(r, Permission.SimInjectFault)) ?? null;
    return { username, password, faultRole };
  });
}

export function loadConfig(env: Record<string, string | undefined>, argv: readonly string[] = [], cwd = '.'): SimulatorConfig {
  const flags = parseFlags(argv);
  const known = new Set(CONFIG_KEYS.map((k) => `--${k.replace(/^SIM_/, '').toLowerCase().replace(/_/g, '-')}`));
  for (const f of flags.keys()) if (!known.has(f)) throw new ConfigError(f, 'unknown flag');
  const get = (key: (typeof CONFIG_KEYS)[number]) => sourceFor(key, env, flags);
  for (const [key, reason] of Object.entries(REMOVED)) if ((env[key] ?? '') !== '') throw new ConfigError(key, reason);

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

  const insecure = bool('SIM_ALLOW_INSECURE', false);
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

  const usersFile = optionalPath('SIM_USERS_FILE');
  const users = usersFile ? readUsersFile(usersFile, get('SIM_USERS_FILE').name) : [];
  if (users.length === 0 && !insecure) {
    throw new ConfigError('SIM_USERS_FILE', 'required: the OPC UA users (anonymous sessions only with SIM_ALLOW_INSECURE=true, development only)');
  }

  const httpPortSrc = get('SIM_HTTP_PORT');
  // HTTPS for the control API from PEM files (both or neither); unset: plain HTTP on loopback.
  const certFile = optionalPath('SIM_HTTP_TLS_CERT_FILE');
  const keyFile = optionalPath('SIM_HTTP_TLS_KEY_FILE');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    const missing = certFile === undefined ? 'SIM_HTTP_TLS_CERT_FILE' : 'SIM_HTTP_TLS_KEY_FILE';
    throw new ConfigError(get(missing).name, 'required with the other SIM_HTTP_TLS_* file (HTTPS needs a certificate and its key)');
  }
  const http: SimulatorConfig['http'] =
    httpPortSrc.value === 'off'
      ? null
      : {
          host: str('SIM_HTTP_HOST', '127.0.0.1'),
          port: num('SIM_HTTP_PORT', 8088, 0, 65535, true),
          ...(certFile === undefined || keyFile === undefined ? {} : { tls: { certFile, keyFile } }),
        };

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
      allowAnonymous: insecure,
      allowSecurityNone: insecure,
      autoAcceptUnknownCertificates: bool('SIM_AUTO_ACCEPT_CERTS', false),
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
const AccessEnv = z.object(accessEnv);
const StoreEnv = z.object(eventStoreEnv).superRefine(checkEventStoreEnv);

export interface SimulatorServiceConfig extends ServiceBaseConfig {
  readonly simulator: SimulatorConfig;
  /** The event store the ground truth is recorded in; null: none configured (not recorded). */
  readonly groundTruthStore: StoreWiring | null;
  /** The key set and issuer/audience the HTTP API verifies platform tokens with; null: no HTTP API. */
  readonly access: AccessConfig | null;
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
  let access: AccessConfig | null = null;
  if (simulator.http) {
    const a = parseEnv(AccessEnv, env);
    if (!a.ok) return { ok: false, message: `${a.message} (the HTTP API verifies platform tokens; SIM_HTTP_PORT=off turns it off)` };
    access = { ...accessConfig(a.data), keysDir: path.resolve(cwd, a.data.ACCESS_KEYS_DIR) };
  }
  return { ok: true, config: { simulator, groundTruthStore, access, telemetry: telemetryConfig(telemetry.data), logLevel: telemetry.data.LOG_LEVEL } };
}
