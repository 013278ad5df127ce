// The relay process stopped while its first NATS connect still waits (NATS down during a rolling
// deploy): a listener on 127.0.0.1:16100 accepts the TCP connection and never answers, so the
// connect waits (attempts of 15 s, 30 s, … within 60 s). The first SIGTERM abandons the connect: one
// line says it stopped before it connected, exit 0 at once. Before, the relay ignored the signal
// until the connect gave up (exit 1 after 60 s) or NATS answered.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLedgerKeyPem } from '@industrial/eventstore';
import { afterAll, describe, expect, it } from 'vitest';
import { PG_URL, dropRelaySchema } from './support.ts';

const main = join(import.meta.dirname, '../src/main.ts');
/** Fixed, below Linux's ephemeral range (16100–16199 belong to this file). */
const SILENT_PORT = 16100;

describe('relay stopped while it waits for its first NATS connect', () => {
  const schema = `relay_stop_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  const dir = mkdtempSync(join(tmpdir(), 'relay-stop-'));
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await dropRelaySchema(schema);
  });

  it('exits 0 on the first SIGTERM, saying it had not connected to NATS yet', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    silent.listen(SILENT_PORT, '127.0.0.1');
    await once(silent, 'listening');
    const keyFile = join(dir, 'ledger-key.pem');
    writeFileSync(keyFile, generateLedgerKeyPem().privateKeyPem, { mode: 0o600 });
    const natsUrl = `nats://127.0.0.1:${SILENT_PORT}`;
    const env = { ...process.env, PG_URL, PG_SCHEMA: schema, LEDGER_KEY_FILE: keyFile, NATS_URL: natsUrl, LOG_LEVEL: 'info' };
    const proc = spawn(process.execPath, ['--import', 'tsx', main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    try {
      // The relay is in its connect once the listener has its connection (the event store opened before).
      for (const t = Date.now(); sockets.size === 0; await new Promise((r) => setTimeout(r, 50)))
        if (Date.now() - t > 60_000 || proc.exitCode !== null) throw new Error(`the relay never tried NATS:\n${out}`);
      await new Promise((r) => setTimeout(r, 1_000));
      proc.kill('SIGTERM');
      // A generous bound for a loaded host; the old relay still waited then (its connect gave up at 60 s: exit 1).
      const code = await Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 30_000))]);
      expect(code, out).toBe(0);
      const lines = out.split('\n').filter((l) => l.startsWith('relay: stopped by SIGTERM'));
      expect(lines, out).toEqual([`relay: stopped by SIGTERM while starting, waiting for NATS at ${natsUrl}`]);
      expect(out).not.toContain('relay ready');
      expect(out).not.toContain('relay failed');
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
