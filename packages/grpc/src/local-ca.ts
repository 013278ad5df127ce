// A local certificate authority for standalone mode and tests: `ensureLocalCa(dir)` creates (once)
// an EC P-256 CA and a server certificate for localhost/127.0.0.1/::1 signed by it, plus a client
// certificate for mutual TLS, with the `openssl` command. Keys are written 0600. Existing files are
// kept, so a restart serves the same CA the operator already trusts.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LocalCa {
  dir: string;
  caFile: string;
  caKeyFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** True when this call created the files. */
  created: boolean;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Issues `<name>.crt`/`<name>.key` in `dir`, signed by the CA there (ca.crt/ca.key). */
export function issueCertificate(
  dir: string,
  name: string,
  options: { commonName: string; altNames?: string[]; extendedKeyUsage: 'serverAuth' | 'clientAuth'; days?: number },
): void {
  const ext = join(dir, `${name}.ext`);
  const lines = [`basicConstraints=CA:FALSE`, `keyUsage=digitalSignature,keyEncipherment`, `extendedKeyUsage=${options.extendedKeyUsage}`];
  if (options.altNames !== undefined && options.altNames.length > 0) lines.push(`subjectAltName=${options.altNames.join(',')}`);
  writeFileSync(ext, `${lines.join('\n')}\n`);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`], dir);
  chmodSync(join(dir, `${name}.key`), 0o600);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${options.commonName}`, '-out', `${name}.csr`], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      String(options.days ?? 825),
      '-sha256',
      '-extfile',
      ext,
      '-out',
      `${name}.crt`,
    ],
    dir,
  );
}

/** Creates a CA (`ca.crt`, `ca.key`) in `dir` unless one is there. */
export function createCa(dir: string, commonName: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  chmodSync(join(dir, 'ca.key'), 0o600);
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-sha256',
      '-days',
      '3650',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      'ca.crt',
    ],
    dir,
  );
}

export function ensureLocalCa(dir: string, commonName = 'industrial-platform local CA'): LocalCa {
  const files = {
    dir,
    caFile: join(dir, 'ca.crt'),
    caKeyFile: join(dir, 'ca.key'),
    serverCertFile: join(dir, 'server.crt'),
    serverKeyFile: join(dir, 'server.key'),
    clientCertFile: join(dir, 'client.crt'),
    clientKeyFile: join(dir, 'client.key'),
  };
  let created = false;
  if (!existsSync(files.caFile) || !existsSync(files.caKeyFile)) {
    createCa(dir, commonName);
    created = true;
  }
  if (created || !existsSync(files.serverCertFile) || !existsSync(files.serverKeyFile)) {
    issueCertificate(dir, 'server', { commonName: 'localhost', altNames: ['DNS:localhost', 'IP:127.0.0.1', 'IP:::1'], extendedKeyUsage: 'serverAuth' });
    created = true;
  }
  if (created || !existsSync(files.clientCertFile) || !existsSync(files.clientKeyFile)) {
    issueCertificate(dir, 'client', { commonName: 'platform-service', extendedKeyUsage: 'clientAuth' });
    created = true;
  }
  return { ...files, created };
}
