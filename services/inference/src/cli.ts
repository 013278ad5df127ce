// Engineer CLI until governance's registry exists: emits ModelPromoted / ModelRolledBack after
// checking the caller's token for `model.promote` (denials are recorded as AccessDenied).
//   tsx src/cli.ts promote  --use-case <uuid> --model-version <uuid> --stage production|shadow [--previous <uuid>]
//   tsx src/cli.ts rollback --use-case <uuid> --from <uuid> [--to <uuid>] --reason "<text>"
// Environment: INFERENCE_TOKEN (bearer JWT), ACCESS_KEYS_DIR, LEDGER_KEY_FILE, SQLITE_PATH or EVENTSTORE=postgres + PG_URL.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Permission, guard, loadKeySet } from '@industrial/access';
import { eventValidator } from '@industrial/contracts';
import { ledgerKeyFromPem, openPostgresEventStore, openSqliteEventStore } from '@industrial/eventstore';
import { appendEvent, uuidv7 } from './adapters/eventstore/append.ts';

const USAGE = 'usage: cli.ts promote --use-case <uuid> --model-version <uuid> --stage production|shadow | rollback --use-case <uuid> --from <uuid> [--to <uuid>] --reason <text>';

async function run(argv: string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const [command, ...rest] = argv;
  const { values: o } = parseArgs({ args: rest, options: { 'use-case': { type: 'string' }, 'model-version': { type: 'string' }, stage: { type: 'string' }, previous: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, reason: { type: 'string' } } });
  if ((command !== 'promote' && command !== 'rollback') || !o['use-case']) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  for (const name of ['INFERENCE_TOKEN', 'ACCESS_KEYS_DIR', 'LEDGER_KEY_FILE'] as const) {
    if (!env[name]) {
      process.stderr.write(`inference cli: ${name} is required\n`);
      return 2;
    }
  }
  const ledgerKey = ledgerKeyFromPem(await readFile(env.LEDGER_KEY_FILE!, 'utf8'));
  const store = env.EVENTSTORE === 'postgres'
    ? await openPostgresEventStore({ connectionString: env.PG_URL ?? '', schema: env.PG_SCHEMA ?? 'eventstore', ledgerKey, validator: eventValidator })
    : await openSqliteEventStore({ path: env.SQLITE_PATH ?? './data/events.db', ledgerKey, validator: eventValidator });
  try {
    const correlationId = randomUUID();
    const principal = await guard(
      { authorization: env.INFERENCE_TOKEN, permission: Permission.ModelPromote, service: 'inference-cli', method: command, transport: 'unknown' as never, correlationId },
      { keySet: await loadKeySet(env.ACCESS_KEYS_DIR!), issuer: env.ACCESS_ISSUER ?? 'industrial-access', audience: env.ACCESS_AUDIENCE ?? 'industrial-platform', newId: () => uuidv7(), recordDenied: (stream, e) => store.append(stream, [e]) },
    );
    const actor = { actor: principal.subject, role: principal.roles[0] ?? 'engineer', correlationId };
    if (command === 'promote') {
      if (!o['model-version'] || (o.stage !== 'production' && o.stage !== 'shadow')) throw new Error(USAGE);
      await appendEvent(store, 'ModelPromoted', o['use-case'], { useCaseId: o['use-case'], modelVersionId: o['model-version'], stage: o.stage, approvalRequestId: randomUUID(), previousModelVersionId: o.previous ?? null }, actor);
    } else {
      if (!o.from || !o.reason) throw new Error(USAGE);
      await appendEvent(store, 'ModelRolledBack', o['use-case'], { useCaseId: o['use-case'], fromModelVersionId: o.from, toModelVersionId: o.to ?? null, trigger: 'manual', reason: o.reason }, actor);
    }
    process.stdout.write(`${command} recorded by ${principal.subject}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`inference cli: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

process.exit(await run(process.argv.slice(2), process.env));
