// NATS over TLS with client certificates: the test's own nats-server requires TLS and verifies the
// client's certificate against the platform CA (certificates made with openssl in a temp dir). A
// client without TLS settings, a client that does not trust the server's CA, a client without a
// certificate and one whose certificate another CA signed are refused; the client with the right CA
// and certificate publishes and consumes.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBusError } from '../src/errors.ts';
import { connectNatsBus } from '../src/nats/nats-bus.ts';
import { freePort, OwnNatsServer } from './test-support/nats-server.ts';
import { waitFor } from './test-support/wait.ts';
import type { NatsTls } from '../src/index.ts';

const silent = { warn: () => {}, error: () => {} };

describe('NATS over mutual TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bus-tls-'));
  const f = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  /** A CA: `<name>.key`, `<name>.crt`. */
  const ca = (name: string): void =>
    openssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      f(`${name}.key`),
      '-out',
      f(`${name}.crt`),
    );
  /** A certificate signed by `signer`, with subjectAltName IP:127.0.0.1. */
  const leaf = (name: string, signer: string, usage: 'serverAuth' | 'clientAuth'): void => {
    openssl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      f(`${name}.key`),
      '-out',
      f(`${name}.csr`),
    );
    writeFileSync(f(`${name}.ext`), `subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=${usage}\n`);
    openssl(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f(`${signer}.crt`),
      '-CAkey',
      f(`${signer}.key`),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      f(`${name}.ext`),
      '-out',
      f(`${name}.crt`),
    );
  };
  let server: OwnNatsServer;

  beforeAll(async () => {
    ca('platform-ca');
    ca('other-ca');
    leaf('server', 'platform-ca', 'serverAuth');
    leaf('dataops', 'platform-ca', 'clientAuth');
    leaf('intruder', 'other-ca', 'clientAuth');
    const config = f('nats-server.conf');
    writeFileSync(
      config,
      `tls {\n  cert_file: "${f('server.crt')}"\n  key_file: "${f('server.key')}"\n  ca_file: "${f('platform-ca.crt')}"\n  verify: true\n  timeout: 2\n}\n`,
    );
    server = new OwnNatsServer(await freePort(), f('store'), config);
    await server.start();
  });

  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const attempt = async (tls: NatsTls | undefined): Promise<unknown> => {
    try {
      const bus = await connectNatsBus({ servers: server.url, logger: silent, connectTimeoutMs: 5_000, ...(tls === undefined ? {} : { tls }) });
      await bus.close();
      return undefined;
    } catch (e) {
      return e;
    }
  };

  it('refuses a client without TLS settings, a client that does not trust the server, and a certificate of another CA', async () => {
    // The server requires TLS: the client upgrades, then cannot verify the server's certificate.
    const plaintext = await attempt(undefined);
    expect(isBusError(plaintext)).toBe(true);
    expect(String((plaintext as Error).message)).toMatch(/verify the first certificate/);
    const wrongTrust = await attempt({ caFile: f('other-ca.crt'), certFile: f('dataops.crt'), keyFile: f('dataops.key') });
    expect(isBusError(wrongTrust)).toBe(true);
    expect(String((wrongTrust as Error).message)).toMatch(/certificate|self[- ]signed|verify/i);
    // The server rejects these during the handshake; the client sees no INFO/PONG within its timeout.
    const wrongCert = await attempt({ caFile: f('platform-ca.crt'), certFile: f('intruder.crt'), keyFile: f('intruder.key') });
    expect(isBusError(wrongCert)).toBe(true);
    const noCert = await attempt({ caFile: f('platform-ca.crt') });
    expect(isBusError(noCert)).toBe(true);
  });

  it('carries messages for the client with the platform CA and its certificate', async () => {
    const bus = await connectNatsBus({
      servers: server.url,
      logger: silent,
      connectTimeoutMs: 5_000, // the same limit the refused clients had
      tls: { caFile: f('platform-ca.crt'), certFile: f('dataops.crt'), keyFile: f('dataops.key') },
    });
    try {
      await bus.ensureStream({ name: 'UNS', subjects: ['uns.v1.>'] });
      const got: unknown[] = [];
      const h = await bus.consume({ stream: 'UNS', durable: 'tls-test', handler: (m) => void got.push(m.json()) });
      await bus.publish('uns.v1.acme.p1.a.l.pump1', { t: 61 }, { msgId: 'tls-1' });
      await waitFor(() => got.length === 1, 'the message over TLS');
      await h.stop();
      expect(got).toEqual([{ t: 61 }]);
    } finally {
      await bus.drain();
    }
  });
});
