// The `token` command line: key generation, rotation, issuing and verifying tokens, and the
// permission table. `runCli` takes argv and its I/O as arguments so tests can drive it; cli.ts
// is the process entry. Private keys are written to 0600 files and never printed.

import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseDuration } from './duration.ts';
import { AccessError, AuthenticationError } from './errors.ts';
import { KEYSET_FILE, loadKeySet, loadSigningKey, readKeySetDocument, writeKeyMaterial } from './keyfiles.ts';
import { createKeySet, rotateKeySet } from './keys.ts';
import { ROLES, isRole, renderPermissionsDocument, type Role } from './permissions.ts';
import { parseScope } from './scopes.ts';
import { authenticate, issueToken } from './tokens.ts';

export const CLI_DEFAULT_ISSUER = 'industrial-access';
export const CLI_DEFAULT_AUDIENCE = 'industrial-platform';
const DEFAULT_TTL = '8h';
const DEFAULT_RETIRE_IN = '24h';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  now: () => Date;
  newId: () => string;
}

class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const USAGE = `usage: token <command> [flags]

  keygen      --out <dir> [--force]
              create a key set (keyset.json) and its signing key (signing-key.json, mode 0600)
  rotate      --keys <dir> [--retire-in <duration> | --retire-at <ISO time>]
              add a new current key; the previous one verifies until it retires (default in ${DEFAULT_RETIRE_IN})
  issue       --keys <dir> --sub <subject> --role <role> [--role …] --scope <scope> [--scope …]
              [--ttl <duration>] [--issuer <iss>] [--audience <aud>] [--jti <id>]
              print a signed token on stdout (default ttl ${DEFAULT_TTL})
  verify      --keys <dir|keyset.json> [--issuer <iss>] [--audience <aud>] <token>
              print the principal, or why the token is refused (exit 1)
  permissions print the permission matrix as Markdown

roles: ${ROLES.join(', ')}
scopes: *, site:<site>, area:<site>/<area>, line:<site>/<area>/<line>
durations: 90s, 15m, 8h, 30d, 1h30m
defaults: --issuer ${CLI_DEFAULT_ISSUER} --audience ${CLI_DEFAULT_AUDIENCE}
`;

type Options = NonNullable<ParseArgsConfig['options']>;

function parse<T extends Options>(command: string, args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: boolean }>({ args, options, strict: true, allowPositionals });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    const named = /'(-[^' ]+)/.exec(message)?.[1];
    const known = Object.keys(options)
      .map((o) => `--${o}`)
      .join(', ');
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`${command}: unknown flag ${named ?? message} (known: ${known})`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${command}: flag ${named ?? ''} needs a value`.trim());
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`${command}: unexpected argument (${message})`);
    throw new UsageError(`${command}: ${message}`);
  }
}

function required(command: string, flag: string, value: string | undefined): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`${command}: --${flag} is required`);
  return value;
}

function duration(command: string, flag: string, text: string, allowZero = false): number {
  const seconds = parseDuration(text);
  if (seconds === 0 && !allowZero) throw new UsageError(`${command}: --${flag} must be longer than 0`);
  if (seconds === null) throw new UsageError(`${command}: --${flag} "${text}" is not a duration (e.g. 90s, 15m, 8h, 30d)`);
  return seconds;
}

async function keygen(args: string[], io: CliIo): Promise<number> {
  const { values } = parse('keygen', args, { out: { type: 'string' }, force: { type: 'boolean' } });
  const out = required('keygen', 'out', values.out);
  const exists = await stat(join(out, KEYSET_FILE)).then(
    () => true,
    () => false,
  );
  if (exists && values.force !== true) {
    throw new UsageError(`keygen: ${join(out, KEYSET_FILE)} already exists; use rotate, or --force to replace it (invalidates every token)`);
  }
  const material = await createKeySet({ now: io.now() });
  const paths = await writeKeyMaterial(out, material);
  io.stderr(
    `created key ${material.keySet.currentKid}\n  key set:     ${paths.keySetPath}\n  signing key: ${paths.signingKeyPath} (mode 0600, keep it secret)\n`,
  );
  return 0;
}

async function rotate(args: string[], io: CliIo): Promise<number> {
  const { values } = parse('rotate', args, {
    keys: { type: 'string' },
    'retire-in': { type: 'string' },
    'retire-at': { type: 'string' },
  });
  const keys = required('rotate', 'keys', values.keys);
  if (values['retire-in'] !== undefined && values['retire-at'] !== undefined) {
    throw new UsageError('rotate: give either --retire-in or --retire-at, not both');
  }
  const now = io.now();
  let retireAt: Date;
  if (values['retire-at'] !== undefined) {
    retireAt = new Date(values['retire-at']);
    if (Number.isNaN(retireAt.getTime())) throw new UsageError(`rotate: --retire-at "${values['retire-at']}" is not an ISO time`);
    if (retireAt.getTime() < now.getTime()) throw new UsageError('rotate: --retire-at must not be in the past');
  } else {
    retireAt = new Date(now.getTime() + duration('rotate', 'retire-in', values['retire-in'] ?? DEFAULT_RETIRE_IN, true) * 1000);
  }
  const before = await readKeySetDocument(keys);
  const material = await rotateKeySet(before, { now, retireAt });
  await writeKeyMaterial(keys, material);
  io.stderr(`rotated: new current key ${material.keySet.currentKid}; previous key ${before.currentKid} verifies until ${retireAt.toISOString()}\n`);
  return 0;
}

async function issue(args: string[], io: CliIo): Promise<number> {
  const { values } = parse('issue', args, {
    keys: { type: 'string' },
    sub: { type: 'string' },
    role: { type: 'string', multiple: true },
    scope: { type: 'string', multiple: true },
    ttl: { type: 'string' },
    issuer: { type: 'string' },
    audience: { type: 'string' },
    jti: { type: 'string' },
  });
  const keys = required('issue', 'keys', values.keys);
  const subject = required('issue', 'sub', values.sub);
  const roleTexts = (values.role ?? [])
    .flatMap((r) => r.split(','))
    .map((r) => r.trim())
    .filter((r) => r !== '');
  if (roleTexts.length === 0) throw new UsageError(`issue: --role is required (one of ${ROLES.join(', ')})`);
  const roles: Role[] = [];
  for (const role of roleTexts) {
    if (!isRole(role)) throw new UsageError(`issue: --role "${role}" is not a role (one of ${ROLES.join(', ')})`);
    roles.push(role);
  }
  const scopes = (values.scope ?? [])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (scopes.length === 0) throw new UsageError('issue: --scope is required (e.g. line:plant1/packaging/line2, or * for everything)');
  for (const scope of scopes) {
    const parsed = parseScope(scope);
    if (!parsed.ok) throw new UsageError(`issue: --scope ${parsed.reason}`);
  }
  const ttlSeconds = duration('issue', 'ttl', values.ttl ?? DEFAULT_TTL);

  const keySet = await loadKeySet(keys);
  const signingKey = await loadSigningKey(keys);
  if (signingKey.kid !== keySet.currentKid) {
    throw new UsageError(`issue: the signing key (${signingKey.kid}) is not the key set's current key (${keySet.currentKid}); re-run rotate`);
  }
  const now = io.now();
  const tokenId = values.jti ?? io.newId();
  const token = await issueToken(signingKey, {
    subject,
    roles,
    scopes,
    tokenId,
    issuer: values.issuer ?? CLI_DEFAULT_ISSUER,
    audience: values.audience ?? CLI_DEFAULT_AUDIENCE,
    now,
    ttlSeconds,
  });
  io.stdout(`${token}\n`);
  const expires = new Date(now.getTime() + ttlSeconds * 1000).toISOString();
  io.stderr(`issued token ${tokenId} for ${subject}: roles ${roles.join(', ')}; scopes ${scopes.join(', ')}; key ${signingKey.kid}; expires ${expires}\n`);
  return 0;
}

async function verify(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    'verify',
    args,
    { keys: { type: 'string' }, issuer: { type: 'string' }, audience: { type: 'string' }, token: { type: 'string' } },
    true,
  );
  const keys = required('verify', 'keys', values.keys);
  if (positionals.length > 1) throw new UsageError('verify: give one token');
  const token = values.token ?? positionals[0];
  if (token === undefined) throw new UsageError('verify: the token is required (verify --keys <dir> <token>)');
  const keySet = await loadKeySet(keys);
  try {
    const principal = await authenticate(token, keySet, {
      issuer: values.issuer ?? CLI_DEFAULT_ISSUER,
      audience: values.audience ?? CLI_DEFAULT_AUDIENCE,
      now: io.now(),
    });
    io.stdout(`${JSON.stringify(principal, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof AuthenticationError)) throw error;
    io.stderr(`refused (${error.reason}): ${error.message}\n`);
    return 1;
  }
}

/** Runs the CLI; resolves to the process exit code (0 ok, 1 refused or failed, 2 usage). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'keygen':
        return await keygen(args, io);
      case 'rotate':
        return await rotate(args, io);
      case 'issue':
        return await issue(args, io);
      case 'verify':
        return await verify(args, io);
      case 'permissions':
        parse('permissions', args, {});
        io.stdout(renderPermissionsDocument());
        return 0;
      case undefined:
        io.stderr(USAGE);
        return 2;
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}" (keygen, rotate, issue, verify, permissions)`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\nrun "token help" for usage\n`);
      return 2;
    }
    if (error instanceof AccessError) {
      io.stderr(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  now: () => new Date(),
  newId: () => randomUUID(),
};
