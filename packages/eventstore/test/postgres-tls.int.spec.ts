// PG_URL's sslmode reaches the driver: what pg derives from each mode (TLS off, TLS with the
// certificate verified, the CA from sslrootcert, no verification only when asked), and an event store
// opened with sslmode=require against this machine's PostgreSQL: refused when the server has no TLS
// (never silently plaintext), encrypted when it has.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { generateLedgerKeyPem, ledgerKeyFromPem, openPostgresEventStore } from '../src/index.ts';
import { PG_URL } from './harness.ts';

const sslOf = (url: string): unknown =>
  (new pg.Client({ connectionString: url }) as unknown as { connectionParameters: { ssl: unknown } }).connectionParameters.ssl;
const withMode = (url: string, query: string): string => `${url}${url.includes('?') ? '&' : '?'}${query}`;

describe('sslmode in PG_URL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pg-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is what the driver connects with', () => {
    const base = 'postgres://platform:secret@db.example:5432/platform';
    expect(sslOf(base)).toBe(false);
    expect(sslOf(`${base}?sslmode=disable`)).toBe(false);
    // require / verify-full: TLS, and the server certificate is verified (rejectUnauthorized is not turned off).
    for (const mode of ['require', 'verify-full']) {
      const ssl = sslOf(`${base}?sslmode=${mode}`) as Record<string, unknown>;
      expect(typeof ssl).toBe('object');
      expect(ssl.rejectUnauthorized).not.toBe(false);
    }
    writeFileSync(join(dir, 'ca.crt'), 'PEM OF THE CA');
    expect(sslOf(`${base}?sslmode=verify-full&sslrootcert=${join(dir, 'ca.crt')}`)).toMatchObject({ ca: 'PEM OF THE CA' });
    expect(sslOf(`${base}?sslmode=no-verify`)).toEqual({ rejectUnauthorized: false });
  });

  it('with sslmode=require never falls back to plaintext', async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    const serverTls = (await admin.query<{ ssl: string }>('SHOW ssl')).rows[0]?.ssl === 'on';
    await admin.end();
    const open = openPostgresEventStore({
      connectionString: withMode(PG_URL, 'sslmode=require'),
      schema: 'tls_probe',
      ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
    });
    if (!serverTls) {
      await expect(open).rejects.toThrow(/does not support SSL/);
      return;
    }
    // A server with TLS: the session is encrypted (or refused when its certificate is not trusted).
    const store = await open.catch((error: unknown) => error as Error);
    if (store instanceof Error) {
      expect(store.message).toMatch(/certificate|self.signed/i);
      return;
    }
    const r = await store.pool.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    expect(r.rows[0]?.ssl).toBe(true);
    await store.pool.query('DROP SCHEMA tls_probe CASCADE');
    await store.close();
  });
});
