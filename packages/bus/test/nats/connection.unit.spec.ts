// NATS settings from the environment: one credential kind at most, a prefix that is a subject
// token, an inbox prefix under _INBOX, TLS files (certificate and key together); a bad value names
// its variable. Seeds are read at connect.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNkeyUser, natsAuthenticator, natsEnv, natsEnvConfig, nkeyPublicKey } from '../../src/nats/connection.ts';

describe('natsEnv', () => {
  it('reads the prefix, the inbox prefix and one kind of credentials', () => {
    expect(natsEnv({})).toEqual({});
    expect(natsEnv({ NATS_PREFIX: 'plant-1', NATS_NKEY_SEED_FILE: '/s/dataops.nk', NATS_INBOX_PREFIX: '_INBOX_dataops' })).toEqual({
      prefix: 'plant-1',
      inboxPrefix: '_INBOX_dataops',
      credentials: { kind: 'nkey', seedFile: '/s/dataops.nk' },
    });
    expect(natsEnv({ NATS_CREDS_FILE: '/s/a.creds' })).toEqual({ credentials: { kind: 'creds', file: '/s/a.creds' } });
    expect(natsEnv({ NATS_USER: 'dataops', NATS_PASSWORD_FILE: '/s/pw' })).toEqual({
      credentials: { kind: 'password', user: 'dataops', passwordFile: '/s/pw' },
    });
    expect(natsEnv({ NATS_TLS_CA_FILE: '/t/ca.crt', NATS_TLS_CERT_FILE: '/t/d.crt', NATS_TLS_KEY_FILE: '/t/d.key' })).toEqual({
      tls: { caFile: '/t/ca.crt', certFile: '/t/d.crt', keyFile: '/t/d.key' },
    });
  });

  it.each([
    [{ NATS_PREFIX: 'a.b' }, 'NATS_PREFIX'],
    [{ NATS_PREFIX: 'x'.repeat(33) }, 'NATS_PREFIX'],
    [{ NATS_INBOX_PREFIX: 'INBOX' }, 'NATS_INBOX_PREFIX'],
    [{ NATS_USER: 'dataops' }, 'NATS_PASSWORD_FILE'],
    [{ NATS_PASSWORD_FILE: '/pw' }, 'NATS_USER'],
    [{ NATS_NKEY_SEED_FILE: '/a', NATS_CREDS_FILE: '/b' }, 'NATS_NKEY_SEED_FILE'],
    [{ NATS_TLS_CERT_FILE: '/t/d.crt' }, 'NATS_TLS_KEY_FILE'],
  ])('names the bad variable (%#)', (env, variable) => {
    const r = natsEnvConfig(env);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.message).toMatch(new RegExp(`^invalid configuration: ${variable}`));
  });
});

describe('natsAuthenticator', () => {
  it('reads the seed file now (a missing or wrong file fails at start, without its content)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nats-cred-'));
    try {
      const user = createNkeyUser();
      expect(nkeyPublicKey(user.seed)).toBe(user.publicKey);
      writeFileSync(join(dir, 'ok.nk'), `${user.seed}\n`);
      expect(typeof natsAuthenticator({ kind: 'nkey', seedFile: join(dir, 'ok.nk') })).toBe('function');
      expect(() => natsAuthenticator({ kind: 'nkey', seedFile: join(dir, 'missing.nk') })).toThrow(/cannot be read: ENOENT/);
      writeFileSync(join(dir, 'bad.nk'), 'not-a-seed-secret');
      let message = '';
      try {
        natsAuthenticator({ kind: 'nkey', seedFile: join(dir, 'bad.nk') });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/holds no user seed/);
      expect(message).not.toContain('not-a-seed-secret');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
