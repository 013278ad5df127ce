// Listening platform ports without TLS: each API port of the launcher's layout that accepts a TCP
// connection but no TLS handshake. The OPC UA port is not counted: it refuses SecurityPolicy None
// and encrypts in its own secure channel (SignAndEncrypt), which is not TLS but not plaintext either.
import { connect as tcp } from 'node:net';
import { connect as tls } from 'node:tls';

const listening = (port: number): Promise<boolean> =>
  new Promise((r) => {
    const s = tcp({ host: '127.0.0.1', port, timeout: 2_000 });
    s.once('connect', () => (s.destroy(), r(true)));
    s.once('error', () => r(false));
    s.once('close', () => r(false));
    s.once('timeout', () => (s.destroy(), r(false)));
  });

const speaksTls = (port: number): Promise<boolean> =>
  new Promise((r) => {
    const s = tls({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['h2', 'http/1.1'], timeout: 3_000 });
    s.once('secureConnect', () => (s.destroy(), r(true)));
    s.once('error', () => r(false));
    s.once('close', () => r(false));
    s.once('timeout', () => (s.destroy(), r(false)));
  });

/** NATS greets in plaintext (INFO) and upgrades when the server requires it: TLS when its INFO says tls_required. */
const natsRequiresTls = (port: number): Promise<boolean> =>
  new Promise((r) => {
    const s = tcp({ host: '127.0.0.1', port, timeout: 3_000 });
    let text = '';
    s.on('data', (d: Buffer) => {
      text += d.toString();
      const line = /^INFO (\{.*\}) *\r?\n/.exec(text);
      if (line === null) return;
      s.destroy();
      r((JSON.parse(line[1] ?? '{}') as { tls_required?: boolean }).tls_required === true);
    });
    s.once('error', () => r(false));
    s.once('close', () => r(false)); // closed before an INFO (a second resolve is ignored)
    s.once('timeout', () => (s.destroy(), r(false)));
  });

/** `ports`: name by offset from `base` (platform.ts API_PORTS). */
export async function plaintextPorts(base: number, ports: Record<number, string>, log: (s: string) => void): Promise<{ plaintext: string[] }> {
  const plaintext: string[] = [];
  for (const [offset, name] of Object.entries(ports)) {
    const port = base + Number(offset);
    if (!(await listening(port))) continue;
    if (name === 'NATS' ? await natsRequiresTls(port) : await speaksTls(port)) continue;
    plaintext.push(`${name} ${port}`);
  }
  log(`ports: ${plaintext.length} listening without TLS`);
  return { plaintext };
}
