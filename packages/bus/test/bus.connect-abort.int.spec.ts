// The first NATS connection abandoned by its AbortSignal (a process stopped while NATS does not
// answer, e.g. during a rolling deploy): connectNats rejects with the signal's reason while an attempt
// still waits, makes no attempt once aborted, and closes a connection nats.js completes after the abort.
// A TCP gate in front of the development server (127.0.0.1:4222) holds back the server's bytes until
// it is opened (listening on port 0: no fixed port to collide with).
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectNats } from '../src/nats/connection.ts';
import { listenNatsUrl } from './test-support/loopback.ts';
import { waitFor } from './test-support/wait.ts';

const UPSTREAM = { host: '127.0.0.1', port: 4222 };

/** Accepts clients and forwards their bytes upstream; the server's answer waits until open(). */
class Gate {
  readonly clients: Socket[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #opened = false;
  readonly #held: (() => void)[] = [];
  constructor() {
    this.#server = createServer((client) => this.#accept(client));
  }

  listen(): Promise<string> {
    return listenNatsUrl(this.#server);
  }

  open(): void {
    this.#opened = true;
    for (const pipe of this.#held.splice(0)) pipe();
  }

  #accept(client: Socket): void {
    this.clients.push(client);
    const upstream = createConnection(UPSTREAM);
    for (const s of [client, upstream]) {
      this.#sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => this.#sockets.delete(s));
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pause();
    const pipe = (): void => void upstream.pipe(client);
    if (this.#opened) pipe();
    else this.#held.push(pipe);
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    this.#server.close();
    await once(this.#server, 'close');
  }
}

const closed = (s: Socket): Promise<void> => (s.closed ? Promise.resolve() : once(s, 'close').then(() => undefined));

describe('connectNats abandoned by its AbortSignal', () => {
  let gate: Gate;
  afterEach(async () => gate.close());

  it('rejects with the reason while an attempt waits, and closes the connection made after the abort', async () => {
    gate = new Gate();
    const url = await gate.listen();
    const controller = new AbortController();
    const connecting = connectNats({ servers: url, name: 'abort-test', signal: controller.signal }).then(
      () => 'connected',
      (e: unknown) => e,
    );
    await waitFor(() => gate.clients.length > 0, 'connectNats to reach the gate');
    const reason = new Error('stopping');
    controller.abort(reason);
    expect(await connecting).toBe(reason);
    // The attempt under way completes once the server answers: that connection is closed, not kept.
    gate.open();
    await closed(gate.clients[0]!);
    expect(gate.clients).toHaveLength(1);
  });

  it('makes no attempt when the signal is already aborted', async () => {
    gate = new Gate();
    const url = await gate.listen();
    const reason = new Error('stopped before');
    const err = await connectNats({ servers: url, signal: AbortSignal.abort(reason) }).catch((e: unknown) => e);
    expect(err).toBe(reason);
    await new Promise((r) => setTimeout(r, 200));
    expect(gate.clients).toHaveLength(0);
  });
});
