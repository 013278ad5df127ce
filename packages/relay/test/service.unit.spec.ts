// The relay's lifecycle config: --help names every variable, bad values exit 2 naming them.
import { runService } from '@industrial/kernel/service';
import { describe, expect, it } from 'vitest';
import { RELAY_KEYS, loadRelayConfig, relayService } from '../src/service.ts';

const run = async (env: Record<string, string>, argv: string[] = []) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runService(relayService(), { env, argv, stdout: (l) => out.push(l), stderr: (l) => err.push(l), stopSignal: Promise.resolve('test') });
  return { code, out: out.join('\n'), err: err.join('\n') };
};

describe('relay service config', () => {
  it('lists every variable in --help', async () => {
    const r = await run({}, ['--help']);
    expect(r.code).toBe(0);
    for (const key of RELAY_KEYS) expect(r.out, key).toContain(key);
  });

  it.each([
    [{ LEDGER_KEY_FILE: '/k.pem' }, 'PG_URL'],
    [{ PG_URL: 'mysql://x', LEDGER_KEY_FILE: '/k.pem' }, 'PG_URL'],
    [{ PG_URL: 'postgres://x/db' }, 'LEDGER_KEY_FILE'],
    [{ PG_URL: 'postgres://x/db', LEDGER_KEY_FILE: '/k.pem', PG_SCHEMA: 'Bad-Schema' }, 'PG_SCHEMA'],
    [{ PG_URL: 'postgres://x/db', LEDGER_KEY_FILE: '/k.pem', LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ PG_URL: 'postgres://x/db', LEDGER_KEY_FILE: '/k.pem', NATS_CONSUMER_STALL_MS: 'soon' }, 'NATS_CONSUMER_STALL_MS'],
  ])('exits 2 naming the bad variable (%#)', async (env, name) => {
    const r = await run(env);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^relay: invalid configuration: .*${name}`));
  });

  it('applies the defaults', () => {
    const r = loadRelayConfig({ PG_URL: 'postgres://x/db', LEDGER_KEY_FILE: '/k.pem' });
    expect(r).toMatchObject({
      ok: true,
      config: { schema: 'eventstore', natsUrl: 'nats://127.0.0.1:4222', logLevel: 'info', telemetry: { exporter: 'none' } },
    });
  });
});
