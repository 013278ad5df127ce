// The first NATS connection when the server drops the handshake: on a loaded host a client can miss
// nats-server's authorization deadline (2 s), and the server then closes the connection; nats.js did
// not notice and waited its whole timeout (60 s), which stopped the cluster's relays
// (test/reflection.e2e.spec.ts under load). A TCP relay in front of the test's own nats-server
// (nkey users, as the cluster's own NATS) forwards the server's INFO and then closes the connection
// when the client answers, for as many connections as asked: connectNats makes a new attempt and
// gets through; a refusal (an unknown nkey) is not retried; a server that drops every attempt fails
// within the budget, naming the attempts. And startNatsServer refuses a port another process listens
// on, instead of taking its accepted connections for a started server (the clients then waited out
// their timeout on a listener that never answers).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBusError } from '../src/errors.ts';
import { connectNats, createNkeyUser } from '../src/nats/connection.ts';
import { startNatsServer } from '../src/nats/server-process.ts';
import { listenNatsUrl } from './test-support/loopback.ts';
import { freePort, OwnNatsServer } from './test-support/nats-server.ts';

/** Drops (after the server's INFO, on the client's CONNECT) the first `drop` connections; pipes the rest. */
class DroppingRelay {
  connections = 0;
  dropped = 0;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  constructor(
    readonly upstreamPort: number,
    public drop: number,
  ) {
    this.#server = createServer((client) => this.#accept(client));
  }

  listen(): Promise<string> {
    return listenNatsUrl(this.#server);
  }

  #accept(client: Socket): void {
    this.connections++;
    const upstream = createConnection({ host: '127.0.0.1', port: this.upstreamPort });
    for (const s of [client, upstream]) {
      this.#sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => this.#sockets.delete(s));
    }
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
    if (this.connections <= this.drop) {
      upstream.once('data', (info: Buffer) => {
        client.write(info);
        client.once('data', () => {
          this.dropped++;
          close();
        });
      });
      return;
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    this.#server.close();
    await once(this.#server, 'close');
  }
}

describe('the first NATS connection when the server drops the handshake', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bus-connect-retry-'));
  const user = createNkeyUser();
  const seedFile = join(dir, 'relay.nk');
  let server: OwnNatsServer;
  const relays: DroppingRelay[] = [];

  const relay = async (drop: number): Promise<{ relay: DroppingRelay; url: string }> => {
    const r = new DroppingRelay(server.port, drop);
    relays.push(r);
    return { relay: r, url: await r.listen() };
  };

  beforeAll(async () => {
    writeFileSync(seedFile, user.seed, { mode: 0o600 });
    const config = join(dir, 'nats-server.conf');
    writeFileSync(config, `authorization {\n  users = [\n    { nkey: ${user.publicKey} }\n  ]\n}\n`);
    server = new OwnNatsServer(await freePort(), join(dir, 'store'), config);
    await server.start();
  });

  afterAll(async () => {
    for (const r of relays) await r.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes a new attempt after a dropped handshake and gets a working connection', async () => {
    const { relay: r, url } = await relay(1);
    // A budget the dropped attempt alone would have used up before (one attempt of the whole timeout).
    const nc = await connectNats({ servers: url, credentials: { kind: 'nkey', seedFile }, connectTimeoutMs: 10_000 });
    try {
      const sub = nc.subscribe('retry.echo');
      void (async () => {
        for await (const m of sub) m.respond(m.data);
      })();
      const reply = await nc.request('retry.echo', new TextEncoder().encode('hello'), { timeout: 10_000 });
      expect(new TextDecoder().decode(reply.data)).toBe('hello');
    } finally {
      await nc.close();
    }
    expect(r.dropped).toBe(1);
    expect(r.connections).toBe(2);
  });

  it('does not retry a refusal: an nkey the server does not know', async () => {
    const { relay: r, url } = await relay(0);
    const stranger = join(dir, 'stranger.nk');
    writeFileSync(stranger, createNkeyUser().seed, { mode: 0o600 });
    const err = await connectNats({ servers: url, credentials: { kind: 'nkey', seedFile: stranger }, connectTimeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(isBusError(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/Authorization Violation/i);
    expect(r.connections).toBe(1);
  });

  it('fails within its budget, naming the attempts, when every handshake is dropped', async () => {
    const { relay: r, url } = await relay(Number.MAX_SAFE_INTEGER);
    const err = await connectNats({ servers: url, credentials: { kind: 'nkey', seedFile }, connectTimeoutMs: 4_000 }).catch((e: unknown) => e);
    expect(isBusError(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/NATS_URL.*\(\d+ attempts in \d+ s\)/);
    expect(r.dropped).toBeGreaterThan(1);
  });
});

describe('startNatsServer on a port another process listens on', () => {
  it('refuses it instead of taking the listener for the started server', async () => {
    // A listener that accepts and never answers, as another platform's HTTP or gRPC port does.
    const silent = createServer(() => undefined);
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const addr = silent.address();
    if (addr === null || typeof addr === 'string') throw new Error('no port');
    const dir = mkdtempSync(join(tmpdir(), 'bus-port-taken-'));
    try {
      await expect(startNatsServer({ port: addr.port, storeDir: join(dir, 'store') })).rejects.toThrow(/another process listens there/);
    } finally {
      silent.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
