// How a process connects to NATS (ADR 0010): credentials from files (an nkey seed, a .creds file,
// or a user with a password file; read at every (re)connect, never logged), a deployment prefix
// for stream names and subjects, and the same settings read from the environment by every service.

import { readFileSync } from 'node:fs';
import {
  connect,
  credsAuthenticator,
  nkeys,
  nkeyAuthenticator,
  usernamePasswordAuthenticator,
  type Authenticator,
  type NatsConnection,
} from '@nats-io/transport-node';
import { BusError, BusErrorCode } from '../errors.ts';
import type { StreamSettings, StreamStorage } from '../types.ts';
import { NATS_RECOVERY_ENV_HELP, recoverySettingsFromEnv, wholeNumberEnv } from './connection-env.ts';
import type { NatsRecoverySettings } from './pull-loop.ts';

export type NatsCredentials =
  /** An nkey user: the file holds the seed (`SU…`); the server config lists its public key. */
  | { readonly kind: 'nkey'; readonly seedFile: string }
  /** A decentralised-auth `.creds` file (user JWT + seed). */
  | { readonly kind: 'creds'; readonly file: string }
  | { readonly kind: 'password'; readonly user: string; readonly passwordFile: string };

export interface NatsConnectSettings {
  readonly servers: string | readonly string[];
  /** Connection name shown by the server (`nats server report connections`). */
  readonly name?: string;
  /** None: an anonymous connection (the development server on 4222 only). */
  readonly credentials?: NatsCredentials;
  /** Reply subjects `<inboxPrefix>.…` (default `_INBOX`); a service user may only read its own (`inboxPrefixFor`). */
  readonly inboxPrefix?: string;
  /** TLS from files: the CA that signed the server's certificate, and this client's certificate and key (mutual TLS). */
  readonly tls?: NatsTls;
  /** How long the first connection may take, over all its attempts (TCP, TLS, CONNECT/PONG each). Default 60 s. */
  readonly connectTimeoutMs?: number;
  /**
   * Abandons the first connection (the process is stopping): connectNats rejects at once with the
   * signal's reason. nats.js cannot cancel an attempt under way; a connection it still makes is closed.
   */
  readonly signal?: AbortSignal;
}

export interface NatsTls {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** Per-deployment prefix: letters, digits, `_` and `-` (it becomes a subject token and part of stream names). */
export const NATS_PREFIX_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

function readSecret(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new BusError(BusErrorCode.InvalidArgument, `${what} ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
  }
}

const encoder = new TextEncoder();

/** The authenticator for `credentials`; the files are read now (fail fast) and again at each reconnect. */
export function natsAuthenticator(credentials: NatsCredentials): Authenticator {
  switch (credentials.kind) {
    case 'nkey': {
      const seed = (): Uint8Array => encoder.encode(readSecret(credentials.seedFile, 'NATS nkey seed file'));
      const first = seed();
      if (!new TextDecoder().decode(first).startsWith('SU'))
        throw new BusError(BusErrorCode.InvalidArgument, `NATS nkey seed file ${credentials.seedFile} holds no user seed (SU…)`);
      return nkeyAuthenticator(seed);
    }
    case 'creds': {
      const creds = (): Uint8Array => encoder.encode(readSecret(credentials.file, 'NATS credentials file'));
      creds();
      return credsAuthenticator(creds);
    }
    case 'password': {
      const pass = (): string => readSecret(credentials.passwordFile, 'NATS password file');
      pass();
      return usernamePasswordAuthenticator(credentials.user, pass);
    }
  }
}

/**
 * The servers of a NATS_URL: one URL or a comma-separated list (`nats://n1:4222,nats://n2:4222,…`,
 * the members of a cluster). The client connects to any that answers and learns the rest from it.
 */
export function natsServerList(servers: string | readonly string[]): string[] {
  const list = (typeof servers === 'string' ? servers.split(',') : [...servers]).map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) throw new BusError(BusErrorCode.InvalidArgument, 'NATS_URL names no server');
  return list;
}

/**
 * The longest one attempt of the first connection may take. nats-server drops a client that has not
 * completed its handshake within its own limits (authorization 2 s, TLS `timeout`: the launchers set
 * 10 s), and nats.js does not notice such a drop before its `timeout`: the attempt would wait out the
 * whole budget. Past this an attempt is given up and the next one made.
 */
const CONNECT_ATTEMPT_MS = 15_000;

/**
 * An attempt the server dropped or did not answer, which a new attempt may get through: a handshake
 * the server closed (its authorization deadline missed: `Authentication Timeout`, or the connection
 * reset) or an attempt past its time. A refusal (no server, bad credentials, a certificate) is final.
 */
function droppedHandshake(err: unknown): boolean {
  const e = err as { name?: unknown; message?: unknown; code?: unknown } | null;
  if (e === null || typeof e !== 'object') return false;
  if (e.name === 'TimeoutError') return true;
  if (e.name === 'AuthorizationError' && /authentication timeout/i.test(String(e.message))) return true;
  return e.code === 'ECONNRESET' || e.code === 'EPIPE';
}

/**
 * A NATS connection with endless reconnects (the process outlives server restarts). The first
 * connection is made in attempts of 15 s, then 30 s, … (the first at most half of `connectTimeoutMs`,
 * default 60 s) until the budget is spent: on a loaded host a client can miss nats-server's 2 s authorization
 * deadline, and the server then closes the connection without an answer nats.js waits for — one such
 * attempt waited the whole 60 s and stopped the process; a second attempt gets through.
 */
export async function connectNats(settings: NatsConnectSettings): Promise<NatsConnection> {
  const authenticator = settings.credentials === undefined ? undefined : natsAuthenticator(settings.credentials);
  // TLS files are read at start: a missing one names its variable instead of failing the handshake later.
  if (settings.tls?.caFile !== undefined) readSecret(settings.tls.caFile, 'NATS_TLS_CA_FILE');
  if (settings.tls?.certFile !== undefined) readSecret(settings.tls.certFile, 'NATS_TLS_CERT_FILE');
  if (settings.tls?.keyFile !== undefined) readSecret(settings.tls.keyFile, 'NATS_TLS_KEY_FILE');
  const servers = natsServerList(settings.servers);
  const budgetMs = settings.connectTimeoutMs ?? 60_000;
  const attemptMs = Math.min(CONNECT_ATTEMPT_MS, Math.max(1_000, Math.floor(budgetMs / 2)));
  const started = Date.now();
  const { signal } = settings;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    const left = started + budgetMs - Date.now();
    try {
      return await abandonable(
        signal,
        connect({
          servers,
          ...(settings.name === undefined ? {} : { name: settings.name }),
          ...(authenticator === undefined ? {} : { authenticator }),
          ...(settings.inboxPrefix === undefined ? {} : { inboxPrefix: settings.inboxPrefix }),
          ...(settings.tls === undefined ? {} : { tls: { ...settings.tls } }),
          // Each attempt twice as long as the one before (15, 30 s, …): a handshake that is merely slow on a
          // loaded host (TLS at load 48 took over 20 s) still gets through, a dropped one is given up early.
          timeout: Math.max(1, Math.min(attemptMs * 2 ** (attempt - 1), left)),
          maxReconnectAttempts: -1,
          reconnectTimeWait: 1_000,
        }),
      );
    } catch (err) {
      if (signal?.aborted === true) throw signal.reason;
      const now = Date.now();
      if (!droppedHandshake(err) || now - started >= budgetMs - 100) {
        const tries = attempt === 1 ? '' : ` (${attempt} attempts in ${Math.round((now - started) / 1000)} s)`;
        throw new BusError(BusErrorCode.Transport, `cannot connect to NATS (NATS_URL) at ${String(settings.servers)}: ${(err as Error).message}${tries}`, {
          cause: err,
        });
      }
      await new Promise((r) => setTimeout(r, Math.min(250, started + budgetMs - now)));
    }
  }
}

/** `connecting`, or the signal's reason as soon as it aborts; a connection made after that is closed. */
function abandonable(signal: AbortSignal | undefined, connecting: Promise<NatsConnection>): Promise<NatsConnection> {
  if (signal === undefined) return connecting;
  return new Promise((resolve, reject) => {
    const abandoned = (): void => {
      reject(signal.reason);
      connecting
        .then(
          (late) => late.close(),
          () => undefined,
        )
        .catch(() => undefined);
    };
    signal.addEventListener('abort', abandoned, { once: true });
    connecting.then(resolve, reject).finally(() => signal.removeEventListener('abort', abandoned));
  });
}

/** What every service reads from its environment besides NATS_URL (spread into connectNatsBus's options). */
export interface NatsEnvSettings extends NatsRecoverySettings {
  readonly credentials?: NatsCredentials;
  readonly prefix?: string;
  readonly inboxPrefix?: string;
  readonly tls?: NatsTls;
  /** Replicas, age and size limits of the streams this process creates (NATS_STREAM_*). */
  readonly streams?: StreamSettings;
}

/** Environment variables of the NATS settings (for a service's help text). */
export const NATS_ENV_HELP = `  NATS_PREFIX               —   deployment prefix of streams and subjects ([A-Za-z0-9_-], ≤ 32)
  NATS_NKEY_SEED_FILE       —   nkey user seed file (or NATS_CREDS_FILE, or NATS_USER + NATS_PASSWORD_FILE)
  NATS_INBOX_PREFIX         _INBOX   reply subject prefix; _INBOX_<service> under the least-privilege server config
  NATS_TLS_CA_FILE          —   TLS: the CA of the server's certificate (NATS_TLS_CERT_FILE + NATS_TLS_KEY_FILE: client certificate)
  NATS_URL                  one server or a comma-separated list (the members of a cluster)
  NATS_STREAM_REPLICAS      1   replicas of the streams this process creates (3 on a 3-node cluster)
  NATS_STREAM_MAX_BYTES     —   size limit of each stream it creates (oldest discarded)
  NATS_STREAM_<NAME>_REPLICAS / _MAX_AGE_MS / _MAX_BYTES   the same for one stream (NAME: logical, upper case, - as _)
${NATS_RECOVERY_ENV_HELP}`;

/** NATS_STREAM_REPLICAS / _MAX_BYTES and NATS_STREAM_<NAME>_REPLICAS / _MAX_AGE_MS / _MAX_BYTES. */
function streamSettingsFromEnv(env: Readonly<Record<string, string | undefined>>, bad: (variable: string, why: string) => never): StreamSettings | undefined {
  const num = (k: string, min: number, max: number): number | undefined => wholeNumberEnv(env, k, min, max, bad);
  const storage = (prefix: string, withAge: boolean): StreamStorage | undefined => {
    const replicas = num(`${prefix}_REPLICAS`, 1, 5);
    const maxAgeMs = withAge ? num(`${prefix}_MAX_AGE_MS`, 0, Number.MAX_SAFE_INTEGER) : undefined;
    const maxBytes = num(`${prefix}_MAX_BYTES`, 1, Number.MAX_SAFE_INTEGER);
    if (replicas === undefined && maxAgeMs === undefined && maxBytes === undefined) return undefined;
    return {
      ...(replicas === undefined ? {} : { replicas }),
      ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
      ...(maxBytes === undefined ? {} : { maxBytes }),
    };
  };
  const all = storage('NATS_STREAM', false);
  const byStream: Record<string, StreamStorage> = {};
  for (const k of Object.keys(env)) {
    const m = /^NATS_STREAM_([A-Z0-9_]+?)_(?:REPLICAS|MAX_AGE_MS|MAX_BYTES)$/.exec(k);
    if (m?.[1] === undefined) continue;
    const one = storage(`NATS_STREAM_${m[1]}`, true);
    if (one !== undefined) byStream[m[1]] = one;
  }
  if (all === undefined && Object.keys(byStream).length === 0) return undefined;
  return { ...(all === undefined ? {} : { all }), byStream };
}

/** The storage of logical stream `name` under `settings` (per-stream values first). */
export function streamStorageOf(settings: StreamSettings | undefined, name: string): StreamStorage {
  const one = settings?.byStream?.[name.toUpperCase().replaceAll('-', '_')];
  return { ...settings?.all, ...one };
}

/**
 * NATS_PREFIX, and at most one of NATS_NKEY_SEED_FILE, NATS_CREDS_FILE, NATS_USER + NATS_PASSWORD_FILE.
 * Throws a BusError (BUS_INVALID_ARGUMENT) naming the variable.
 */
export function natsEnv(env: Readonly<Record<string, string | undefined>>): NatsEnvSettings {
  const bad = (variable: string, why: string): never => {
    throw new BusError(BusErrorCode.InvalidArgument, `${variable} ${why}`);
  };
  const get = (k: string): string | undefined => {
    const v = env[k];
    return v === undefined || v === '' ? undefined : v;
  };
  const prefix = get('NATS_PREFIX');
  if (prefix !== undefined && !NATS_PREFIX_PATTERN.test(prefix)) bad('NATS_PREFIX', 'must be 1–32 of [A-Za-z0-9_-]');
  const inboxPrefix = get('NATS_INBOX_PREFIX');
  if (inboxPrefix !== undefined && !/^_INBOX[A-Za-z0-9_-]{0,57}$/.test(inboxPrefix))
    bad('NATS_INBOX_PREFIX', 'must be _INBOX followed by at most 57 of [A-Za-z0-9_-]');
  const seedFile = get('NATS_NKEY_SEED_FILE');
  const credsFile = get('NATS_CREDS_FILE');
  const user = get('NATS_USER');
  const passwordFile = get('NATS_PASSWORD_FILE');
  if ((user === undefined) !== (passwordFile === undefined)) bad(user === undefined ? 'NATS_USER' : 'NATS_PASSWORD_FILE', 'is required with the other one');
  const given = [seedFile, credsFile, user].filter((v) => v !== undefined).length;
  if (given > 1) bad('NATS_NKEY_SEED_FILE', 'NATS_CREDS_FILE and NATS_USER exclude each other: set one');
  const caFile = get('NATS_TLS_CA_FILE');
  const certFile = get('NATS_TLS_CERT_FILE');
  const keyFile = get('NATS_TLS_KEY_FILE');
  if ((certFile === undefined) !== (keyFile === undefined))
    bad(certFile === undefined ? 'NATS_TLS_CERT_FILE' : 'NATS_TLS_KEY_FILE', 'is required with the other one');
  const tls: NatsTls | undefined =
    caFile === undefined && certFile === undefined
      ? undefined
      : { ...(caFile === undefined ? {} : { caFile }), ...(certFile === undefined || keyFile === undefined ? {} : { certFile, keyFile }) };
  const credentials: NatsCredentials | undefined =
    seedFile !== undefined
      ? { kind: 'nkey', seedFile }
      : credsFile !== undefined
        ? { kind: 'creds', file: credsFile }
        : user !== undefined && passwordFile !== undefined
          ? { kind: 'password', user, passwordFile }
          : undefined;
  const streams = streamSettingsFromEnv(env, bad);
  return {
    ...recoverySettingsFromEnv(env, bad),
    ...(streams === undefined ? {} : { streams }),
    ...(credentials === undefined ? {} : { credentials }),
    ...(prefix === undefined ? {} : { prefix }),
    ...(inboxPrefix === undefined ? {} : { inboxPrefix }),
    ...(tls === undefined ? {} : { tls }),
  };
}

/** `natsEnv` as a config result for a service's loadConfig: `invalid configuration: <VARIABLE> …` on failure. */
export function natsEnvConfig(env: Readonly<Record<string, string | undefined>>): { ok: true; nats: NatsEnvSettings } | { ok: false; message: string } {
  try {
    return { ok: true, nats: natsEnv(env) };
  } catch (error) {
    return { ok: false, message: `invalid configuration: ${(error as Error).message}` };
  }
}

/** A new nkey user: the seed (keep it in a 0600 file, NATS_NKEY_SEED_FILE) and the public key (for the server config). */
export function createNkeyUser(): { seed: string; publicKey: string } {
  const user = nkeys.createUser();
  return { seed: new TextDecoder().decode(user.getSeed()), publicKey: user.getPublicKey() };
}

/** The public key (`U…`) of an nkey user seed (`SU…`). */
export function nkeyPublicKey(seed: string): string {
  return nkeys.fromSeed(encoder.encode(seed.trim())).getPublicKey();
}
