// Engineer "break glass" CLI beside governance's model registry (the normal path, with four-eyes
// approvals: industrial.governance.v1.ModelRegistryService). It writes nothing itself: governance is
// the one writer of the model stream, so the CLI calls governance's gRPC API with the caller's token:
//   promote  → BreakGlassPromote (`model.break_glass`, quality leads): governance records, in one
//              append, an approval request and an approval carrying the condition "break-glass: … by
//              <caller>" and the promotion, each with the caller and --reason — the bypass is on record;
//   rollback → Rollback (`model.rollback`): ModelRolledBack (trigger manual) with the caller and --reason.
// Governance checks the token, the permission and the location (--scope); a refusal is recorded there
// as AccessDenied. Governance decides on the model stream as it is: a promoted version must be
// registered for the use case and not refused; a rollback starts from the version serving now.
//   tsx src/cli.ts promote  --use-case <uuid> --model-version <uuid> --stage production|shadow --reason "<why>" [--previous <uuid>] [--scope <path prefix>]
//   tsx src/cli.ts rollback --use-case <uuid> --from <uuid> [--to <uuid>] --reason "<text>" [--scope <path prefix>]
// --scope: a deployment for part of the plant (a pilot line `acme.plant-1.utilities.cooling-water`);
// assets under it use that deployment, the rest the use-case-wide one (no --scope).
// Environment: INFERENCE_TOKEN (bearer JWT), GOVERNANCE_ADDRESS (host:port of governance's gRPC
// server, default 127.0.0.1:50051), GRPC_TLS_CA_FILE (TLS: the CA governance's certificate is
// checked against; unset: plaintext) with GRPC_TLS_CLIENT_CERT_FILE + GRPC_TLS_CLIENT_KEY_FILE for mutual TLS.
// Exit codes: 0 recorded; 2 usage, a bad flag or a bad environment; 3 access denied; 1 refused or failed.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { Permission } from '@industrial/access';
import { UnsScope, Uuid } from '@industrial/contracts';
import { CORRELATION_ID_METADATA, createClient, governanceRegistryV1 as pb, unaryCall, type GrpcClientTls } from '@industrial/grpc';

const USAGE = [
  'usage: cli.ts promote  --use-case <uuid> --model-version <uuid> --stage production|shadow --reason <why> [--previous <uuid>] [--scope <path prefix>]',
  '       cli.ts rollback --use-case <uuid> --from <uuid> [--to <uuid>] --reason <text> [--scope <path prefix>]',
].join('\n');

type CliCommand =
  | {
      kind: 'promote';
      useCaseId: string;
      modelVersionId: string;
      stage: 'production' | 'shadow';
      previous: string | undefined;
      reason: string;
      scope: string | undefined;
    }
  | { kind: 'rollback'; useCaseId: string; from: string; to: string | null; reason: string; scope: string | undefined };

const FLAGS = {
  promote: { all: ['use-case', 'model-version', 'stage', 'reason', 'previous', 'scope'], required: ['use-case', 'model-version', 'stage', 'reason'] },
  rollback: { all: ['use-case', 'from', 'to', 'reason', 'scope'], required: ['use-case', 'from', 'reason'] },
} as const;
// Every flag of either command takes a value, so a flag of the other command is named, not misread.
const STRING_OPTIONS = Object.fromEntries([...FLAGS.promote.all, ...FLAGS.rollback.all].map((f) => [f, { type: 'string' as const }]));
const UUID_FLAGS = new Set(['use-case', 'model-version', 'previous', 'from', 'to']);
const MAX_REASON = 2000;
const ADDRESS = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/** The command line → a command, or one message naming every bad or missing flag. */
function parseCommand(argv: readonly string[]): { ok: true; command: CliCommand } | { ok: false; message: string } {
  const [kind, ...rest] = argv;
  if (kind !== 'promote' && kind !== 'rollback')
    return { ok: false, message: kind === undefined ? 'a command is required' : `unknown command ${JSON.stringify(kind)}` };
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
  if (scope !== undefined && !UnsScope.safeParse(scope).success)
    problems.push(`--scope must be an ISA-95 path prefix such as acme.plant-1.utilities.cooling-water (got ${JSON.stringify(scope)})`);
  const stage = values.get('stage');
  if (stage !== undefined && stage !== 'production' && stage !== 'shadow') problems.push(`--stage must be production or shadow (got ${JSON.stringify(stage)})`);
  const reason = values.get('reason')?.trim();
  if (reason !== undefined && (reason.length === 0 || reason.length > MAX_REASON)) problems.push(`--reason must be 1–${MAX_REASON} characters`);
  if (problems.length > 0) return { ok: false, message: problems.join('; ') };
  const v = (f: string) => values.get(f)!;
  return {
    ok: true,
    command:
      kind === 'promote'
        ? {
            kind,
            useCaseId: v('use-case'),
            modelVersionId: v('model-version'),
            stage: stage as 'production' | 'shadow',
            previous: values.get('previous'),
            reason: reason!,
            scope,
          }
        : { kind, useCaseId: v('use-case'), from: v('from'), to: values.get('to') ?? null, reason: reason!, scope },
  };
}

const isServiceError = (e: unknown): e is ServiceError =>
  typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'number' && 'details' in e;

/** Calls governance; prints what was recorded; maps governance's answer to the CLI's exit codes. */
async function record(
  cmd: CliCommand,
  address: string,
  token: string,
  tls: GrpcClientTls | null,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const correlationId = randomUUID();
  const metadata = new Metadata();
  metadata.set(CORRELATION_ID_METADATA, correlationId);
  const client = createClient(pb.ModelRegistryServiceClient, address, { token, deadlineMs: 30_000, tls });
  const scope = cmd.scope ?? '';
  try {
    if (cmd.kind === 'promote') {
      const r = await unaryCall(
        client,
        client.breakGlassPromote,
        pb.BreakGlassPromoteRequest.fromPartial({
          useCaseId: cmd.useCaseId,
          modelVersionId: cmd.modelVersionId,
          stage: cmd.stage === 'production' ? pb.ModelStage.MODEL_STAGE_PRODUCTION : pb.ModelStage.MODEL_STAGE_SHADOW,
          scope,
          reason: cmd.reason,
          expectedPreviousModelVersionId: cmd.previous ?? '',
        }),
        { metadata },
      );
      out(
        `ModelPromoted recorded by ${r.request?.promotedBy ?? '?'} through governance (break glass, request ${r.request?.requestId ?? '?'}; previous ${r.previousModelVersionId || 'none'}), correlation ${correlationId}`,
      );
    } else {
      const r = await unaryCall(
        client,
        client.rollback,
        pb.RollbackRequest.fromPartial({ useCaseId: cmd.useCaseId, fromModelVersionId: cmd.from, toModelVersionId: cmd.to ?? '', reason: cmd.reason, scope }),
        { metadata },
      );
      out(
        `ModelRolledBack recorded through governance (production now ${r.productionModelVersionId || 'the rule-based limits'}), correlation ${correlationId}`,
      );
    }
    return 0;
  } catch (error) {
    if (!isServiceError(error)) throw error;
    if (error.code === status.UNAUTHENTICATED || error.code === status.PERMISSION_DENIED) {
      err(`inference cli: access denied: ${error.details} (recorded by governance as AccessDenied, correlation ${correlationId})`);
      return 3;
    }
    if (error.code === status.UNAVAILABLE || error.code === status.DEADLINE_EXCEEDED) {
      err(`inference cli: governance is not reachable at ${address}: ${error.details}`);
      return 1;
    }
    err(`inference cli: refused: ${error.details} (correlation ${correlationId})`);
    return 1;
  } finally {
    client.close();
  }
}

async function run(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    out(USAGE);
    return 0;
  }
  const parsed = parseCommand(argv);
  if (!parsed.ok) {
    err(`inference cli: ${parsed.message}\n${USAGE}`);
    return 2;
  }
  const address = env.GOVERNANCE_ADDRESS || '127.0.0.1:50051';
  if (!ADDRESS.test(address)) {
    err(`inference cli: GOVERNANCE_ADDRESS must be host:port of governance's gRPC server (got ${JSON.stringify(address)})`);
    return 2;
  }
  if (!env.INFERENCE_TOKEN) {
    err(
      `inference cli: INFERENCE_TOKEN is required (a bearer token whose role grants ${parsed.command.kind === 'promote' ? Permission.ModelBreakGlass : Permission.ModelRollback})`,
    );
    return 2;
  }
  const certFile = env.GRPC_TLS_CLIENT_CERT_FILE || undefined;
  const keyFile = env.GRPC_TLS_CLIENT_KEY_FILE || undefined;
  if ((certFile === undefined) !== (keyFile === undefined) || (certFile !== undefined && !env.GRPC_TLS_CA_FILE)) {
    err('inference cli: GRPC_TLS_CLIENT_CERT_FILE and GRPC_TLS_CLIENT_KEY_FILE come together, and need GRPC_TLS_CA_FILE');
    return 2;
  }
  const tls: GrpcClientTls | null = env.GRPC_TLS_CA_FILE ? { caFile: env.GRPC_TLS_CA_FILE, certFile, keyFile } : null;
  try {
    return await record(parsed.command, address, env.INFERENCE_TOKEN, tls, out, err);
  } catch (error) {
    err(`inference cli: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

process.exit(await run(process.argv.slice(2), process.env));
