// Engineer "break glass" CLI beside governance's model registry (the normal path, with four-eyes
// approvals: industrial.governance.v1.ModelRegistryService): records ModelPromoted / ModelRolledBack
// with the access checks governance makes — the token must hold `model.promote` (promote) or
// `model.rollback` (rollback), which the permission matrix gives quality leads; a refusal is
// recorded as AccessDenied. It reads the use case's model stream first and never records a no-op:
// a promoted version must be registered for the use case and not refused; a rollback starts from
// the version serving now and goes to a registered one or, without --to, to the rule-based limits.
//   tsx src/cli.ts promote  --use-case <uuid> --model-version <uuid> --stage production|shadow [--previous <uuid>] [--scope <path prefix>]
//   tsx src/cli.ts rollback --use-case <uuid> --from <uuid> [--to <uuid>] --reason "<text>" [--scope <path prefix>]
// --scope: a deployment for part of the plant (a pilot line `acme.plant-1.utilities.cooling-water`);
// assets under it use that deployment, the rest the use-case-wide one (no --scope).
// Environment: INFERENCE_TOKEN (bearer JWT), ACCESS_KEYS_DIR, LEDGER_KEY_FILE, SQLITE_PATH or
// EVENTSTORE=postgres + PG_URL (+ PG_SCHEMA), ACCESS_ISSUER, ACCESS_AUDIENCE — read as the service reads them.
// Exit codes: 0 recorded; 2 usage, a bad flag or a bad environment; 3 access denied; 1 refused or failed.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { AuthenticationError, Permission, PermissionDeniedError, guard, loadKeySet, roleHasPermission, type KeySet, type Principal } from '@industrial/access';
import { UnsScope, Uuid, eventValidator, streamFor } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { eventStoreConfig, openStoreFromConfig } from '@industrial/eventstore/config';
import { appendEvent, readStreamOrEmpty, uuidv7 } from './adapters/eventstore/append.ts';
import { loadConfig } from './config.ts';
import { deploymentKey, emptyDeployments, evolveDeployments, type DeploymentState } from './domain/deployments.ts';

const USAGE = [
  'usage: cli.ts promote  --use-case <uuid> --model-version <uuid> --stage production|shadow [--previous <uuid>] [--scope <path prefix>]',
  '       cli.ts rollback --use-case <uuid> --from <uuid> [--to <uuid>] --reason <text> [--scope <path prefix>]',
].join('\n');

type CliCommand =
  | { kind: 'promote'; useCaseId: string; modelVersionId: string; stage: 'production' | 'shadow'; previous: string | null | undefined; scope: string | undefined }
  | { kind: 'rollback'; useCaseId: string; from: string; to: string | null; reason: string; scope: string | undefined };

const FLAGS = {
  promote: { all: ['use-case', 'model-version', 'stage', 'previous', 'scope'], required: ['use-case', 'model-version', 'stage'] },
  rollback: { all: ['use-case', 'from', 'to', 'reason', 'scope'], required: ['use-case', 'from', 'reason'] },
} as const;
// Every flag of either command takes a value, so a flag of the other command is named, not misread.
const STRING_OPTIONS = Object.fromEntries([...FLAGS.promote.all, ...FLAGS.rollback.all].map((f) => [f, { type: 'string' as const }]));
const UUID_FLAGS = new Set(['use-case', 'model-version', 'previous', 'from', 'to']);
const MAX_REASON = 2000;

/** The command line → a command, or one message naming every bad or missing flag. */
function parseCommand(argv: readonly string[]): { ok: true; command: CliCommand } | { ok: false; message: string } {
  const [kind, ...rest] = argv;
  if (kind !== 'promote' && kind !== 'rollback') return { ok: false, message: kind === undefined ? 'a command is required' : `unknown command ${JSON.stringify(kind)}` };
  const { tokens } = parseArgs({ args: rest, strict: false, allowPositionals: true, tokens: true, options: STRING_OPTIONS });
  const values = new Map<string, string>();
  const problems: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') problems.push(`unexpected argument ${JSON.stringify(t.value)}`);
    else if (t.kind === 'option' && !(FLAGS[kind].all as readonly string[]).includes(t.name)) problems.push(`${t.rawName} is not an option of ${kind}`);
    else if (t.kind === 'option' && t.value === undefined) problems.push(`--${t.name} needs a value`);
    else if (t.kind === 'option') values.set(t.name, t.value!);
  }
  for (const f of FLAGS[kind].required) if (!values.has(f) && !problems.some((p) => p.startsWith(`--${f} `))) problems.push(`--${f} is required`);
  for (const [f, v] of values) if (UUID_FLAGS.has(f) && !Uuid.safeParse(v).success) problems.push(`--${f} must be a UUID (got ${JSON.stringify(v)})`);
  const scope = values.get('scope');
  if (scope !== undefined && !UnsScope.safeParse(scope).success) problems.push(`--scope must be an ISA-95 path prefix such as acme.plant-1.utilities.cooling-water (got ${JSON.stringify(scope)})`);
  const stage = values.get('stage');
  if (stage !== undefined && stage !== 'production' && stage !== 'shadow') problems.push(`--stage must be production or shadow (got ${JSON.stringify(stage)})`);
  const reason = values.get('reason')?.trim();
  if (reason !== undefined && (reason.length === 0 || reason.length > MAX_REASON)) problems.push(`--reason must be 1–${MAX_REASON} characters`);
  if (problems.length > 0) return { ok: false, message: problems.join('; ') };
  const v = (f: string) => values.get(f)!;
  return {
    ok: true,
    command: kind === 'promote'
      ? { kind, useCaseId: v('use-case'), modelVersionId: v('model-version'), stage: stage as 'production' | 'shadow', previous: values.get('previous'), scope }
      : { kind, useCaseId: v('use-case'), from: v('from'), to: values.get('to') ?? null, reason: reason!, scope },
  };
}

type Decision = { ok: true; type: 'ModelPromoted' | 'ModelRolledBack'; data: Record<string, unknown> } | { ok: false; message: string };

const holder = (id: string | null) => id ?? 'no model (the rule-based limits)';

/** What to record for the command given the use case's model stream, or why nothing is. */
function decideCommand(cmd: CliCommand, s: DeploymentState): Decision {
  const unusable = (flag: string, id: string): string | null => {
    const reg = s.registered.get(id);
    if (reg === undefined || reg.useCaseId !== cmd.useCaseId) return `${flag} ${id} is not a registered model version of use case ${cmd.useCaseId}`;
    if (s.refused.has(id)) return `${flag} ${id} was refused (integrity, load or gate check) and cannot serve`;
    return null;
  };
  const key = deploymentKey(cmd.useCaseId, cmd.scope);
  const where = cmd.scope === undefined ? `use case ${cmd.useCaseId}` : `use case ${cmd.useCaseId} in ${cmd.scope}`;
  const scoped = cmd.scope === undefined ? {} : { scope: cmd.scope };
  if (cmd.kind === 'promote') {
    const bad = unusable('--model-version', cmd.modelVersionId);
    if (bad !== null) return { ok: false, message: bad };
    const current = (cmd.stage === 'production' ? s.production : s.shadow).get(key) ?? null;
    if (current === cmd.modelVersionId) return { ok: false, message: `--model-version ${cmd.modelVersionId} already holds ${cmd.stage} of ${where}` };
    if (cmd.previous !== undefined && cmd.previous !== current) return { ok: false, message: `--previous ${cmd.previous} does not hold ${cmd.stage} of ${where}: ${holder(current)} does` };
    return {
      ok: true, type: 'ModelPromoted',
      // No approval workflow exists before governance: the id only satisfies the contract.
      data: { useCaseId: cmd.useCaseId, modelVersionId: cmd.modelVersionId, stage: cmd.stage, approvalRequestId: randomUUID(), previousModelVersionId: current, ...scoped },
    };
  }
  const production = s.production.get(key) ?? null;
  const shadow = s.shadow.get(key) ?? null;
  if (cmd.from !== production && cmd.from !== shadow) {
    return { ok: false, message: `--from ${cmd.from} is not serving ${where} (production: ${holder(production)}; shadow: ${shadow ?? 'none'})` };
  }
  if (cmd.to !== null) {
    if (cmd.from !== production) return { ok: false, message: `--from ${cmd.from} is the shadow candidate; rolling it back removes it, so --to does not apply` };
    if (cmd.to === cmd.from) return { ok: false, message: '--to must differ from --from' };
    const bad = unusable('--to', cmd.to);
    if (bad !== null) return { ok: false, message: bad };
  }
  return { ok: true, type: 'ModelRolledBack', data: { useCaseId: cmd.useCaseId, fromModelVersionId: cmd.from, toModelVersionId: cmd.to, trigger: 'manual', reason: cmd.reason, ...scoped } };
}

async function record(store: EventStore, keySet: KeySet, cmd: CliCommand, token: string, access: { issuer: string; audience: string }, out: (line: string) => void): Promise<number> {
  const permission = cmd.kind === 'promote' ? Permission.ModelPromote : Permission.ModelRollback;
  const correlationId = randomUUID();
  let principal: Principal;
  try {
    principal = await guard(
      { authorization: token, permission, service: 'inference', method: `cli ${cmd.kind}`, correlationId },
      { keySet, ...access, newId: () => uuidv7(), recordDenied: (stream, e) => store.append(stream, [e]) },
    );
  } catch (error) {
    if (!(error instanceof AuthenticationError || error instanceof PermissionDeniedError)) throw error;
    out(`inference cli: access denied: ${error.message} (recorded as AccessDenied, correlation ${correlationId})`);
    return 3;
  }
  const actor = { actor: principal.subject, role: principal.roles.find((r) => roleHasPermission(r, permission))!, correlationId };
  const stream = streamFor('ModelPromoted', cmd.useCaseId);
  for (let attempt = 0; ; attempt++) {
    const recorded = await readStreamOrEmpty(store, stream);
    const decision = decideCommand(cmd, recorded.reduce(evolveDeployments, emptyDeployments()));
    if (!decision.ok) {
      out(`inference cli: refused: ${decision.message}`);
      return 1;
    }
    try {
      const r = await appendEvent(store, decision.type, cmd.useCaseId, decision.data, actor, { expectedRevision: recorded.at(-1)?.revision ?? 'no-stream' });
      process.stdout.write(`${decision.type} recorded by ${principal.subject} (${actor.role}) at position ${r.position}, correlation ${correlationId}\n`);
      return 0;
    } catch (error) {
      // Someone else wrote to the model stream meanwhile: decide again on what is there now.
      if ((error as { code?: string }).code !== 'WRONG_EXPECTED_REVISION' || attempt >= 4) throw error;
    }
  }
}

async function run(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const err = (line: string) => process.stderr.write(`${line}\n`);
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const parsed = parseCommand(argv);
  if (!parsed.ok) {
    err(`inference cli: ${parsed.message}\n${USAGE}`);
    return 2;
  }
  const loaded = loadConfig(env);
  if (!loaded.ok) {
    err(`inference cli: ${loaded.message}`);
    return 2;
  }
  if (!env.INFERENCE_TOKEN) {
    err(`inference cli: INFERENCE_TOKEN is required (a bearer token whose role grants ${parsed.command.kind === 'promote' ? Permission.ModelPromote : Permission.ModelRollback})`);
    return 2;
  }
  const c = loaded.config;
  let keySet: KeySet;
  let store: EventStore;
  try {
    keySet = await loadKeySet(c.ACCESS_KEYS_DIR);
    store = await openStoreFromConfig({ eventStore: eventStoreConfig(c), ledgerKeyFile: c.LEDGER_KEY_FILE }, { validator: eventValidator });
  } catch (error) {
    err(`inference cli: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  try {
    return await record(store, keySet, parsed.command, env.INFERENCE_TOKEN, { issuer: c.ACCESS_ISSUER, audience: c.ACCESS_AUDIENCE }, err);
  } catch (error) {
    err(`inference cli: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await store.close();
  }
}

process.exit(await run(process.argv.slice(2), process.env));
