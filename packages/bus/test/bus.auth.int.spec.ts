// NATS as a conduit: the test's own nats-server (own port, JetStream, a config file with one nkey
// user per service and the least-privilege permissions of PLATFORM_GRANTS under a deployment
// prefix). An unauthenticated or unknown client is refused; a service publishing outside its
// subjects (dataops on uns.>, connectivity on evt.>), reading another service's subjects or inbox,
// creating or deleting a stream it does not own is refused and nothing reaches a consumer; the permitted path (connectivity
// → UNS → dataops, relay → signed event → dataops) works with the same users.

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { nkeys, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusErrorCode, isBusError } from '../src/errors.ts';
import { connectNats } from '../src/nats/connection.ts';
import { connectNatsBus } from '../src/nats/nats-bus.ts';
import { inboxPrefixFor, natsAuthorizationConfig, PLATFORM_GRANTS } from '../src/nats/permissions.ts';
import { eventSigningKey, eventVerifier, signatureHeaders } from '../src/signing.ts';
import { freePort, OwnNatsServer } from './test-support/nats-server.ts';
import { waitFor } from './test-support/wait.ts';
import type { Bus, NatsCredentials } from '../src/index.ts';

const silent = { warn: () => {}, error: () => {} };
const PREFIX = 'plant1';
const SERVICES = ['connectivity', 'relay', 'dataops', 'training', 'inference'] as const;
type Service = (typeof SERVICES)[number];

describe('authenticated NATS with least-privilege subject permissions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bus-auth-'));
  const creds = new Map<Service, NatsCredentials>();
  const key = eventSigningKey(generateKeyPairSync('ed25519').privateKey);
  let server: OwnNatsServer;
  const open: { close(): Promise<void> }[] = [];

  const bus = async (service: Service, extra: { verifyEvents?: ReturnType<typeof eventVerifier> } = {}): Promise<Bus> => {
    const b = await connectNatsBus({
      servers: server.url,
      name: service,
      credentials: creds.get(service) as NatsCredentials,
      inboxPrefix: inboxPrefixFor(service),
      prefix: PREFIX,
      publishTimeoutMs: 1_000,
      logger: silent,
      ...extra,
    });
    open.push(b);
    return b;
  };
  const raw = async (service: Service): Promise<NatsConnection> => {
    const nc = await connectNats({ servers: server.url, credentials: creds.get(service) as NatsCredentials, inboxPrefix: inboxPrefixFor(service) });
    open.push(nc);
    return nc;
  };
  /** The permission errors the server reports to a connection (asynchronously, as -ERR). */
  const violations = (nc: NatsConnection): string[] => {
    const seen: string[] = [];
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'error') seen.push(String(s.error));
    })();
    return seen;
  };

  beforeAll(async () => {
    const users: Record<string, string> = {};
    for (const service of SERVICES) {
      const user = nkeys.createUser();
      const seedFile = join(dir, `${service}.nk`);
      writeFileSync(seedFile, new TextDecoder().decode(user.getSeed()), { mode: 0o600 });
      creds.set(service, { kind: 'nkey', seedFile });
      users[service] = user.getPublicKey();
    }
    const config = join(dir, 'nats-server.conf');
    writeFileSync(config, natsAuthorizationConfig(users, PLATFORM_GRANTS, PREFIX));
    server = new OwnNatsServer(await freePort(), join(dir, 'store'), config);
    await server.start();
  });

  afterAll(async () => {
    for (const c of open.reverse()) await c.close().catch(() => undefined);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a client without credentials, and one whose nkey the server does not know', async () => {
    let anonymous: unknown;
    try {
      await connectNatsBus({ servers: server.url, logger: silent });
    } catch (e) {
      anonymous = e;
    }
    expect(isBusError(anonymous, BusErrorCode.Transport)).toBe(true);
    expect(String((anonymous as Error).message)).toMatch(/authorization violation/i);

    const stranger = join(dir, 'stranger.nk');
    writeFileSync(stranger, new TextDecoder().decode(nkeys.createUser().getSeed()), { mode: 0o600 });
    let unknown: unknown;
    try {
      await connectNatsBus({ servers: server.url, credentials: { kind: 'nkey', seedFile: stranger }, logger: silent });
    } catch (e) {
      unknown = e;
    }
    expect(String((unknown as Error).message)).toMatch(/authorization violation/i);
  });

  it('lets each service do its part and refuses everything outside its permissions', async () => {
    const connectivity = await bus('connectivity');
    const relay = await bus('relay');
    const dataops = await bus('dataops', { verifyEvents: eventVerifier(key) });
    // Only a stream's owner creates it: dataops (a consumer) is refused the JetStream API call and its
    // ensureStream waits until connectivity (the owner) has created the stream.
    const dataopsRaw = await raw('dataops');
    let created: unknown;
    try {
      await (await jetstreamManager(dataopsRaw)).streams.add({ name: `${PREFIX}_UNS`, subjects: [`${PREFIX}.uns.v1.>`] });
    } catch (e) {
      created = e;
    }
    expect(String(created)).toMatch(/Permissions Violation for Publish to "\$JS\.API\.STREAM\.CREATE\.plant1_UNS"/);
    let consumerSawStream = false;
    const waiting = dataops.ensureStream({ name: 'UNS', subjects: ['uns.v1.>'] }).then(() => (consumerSawStream = true));
    expect(consumerSawStream).toBe(false);
    await connectivity.ensureStream({ name: 'UNS', subjects: ['uns.v1.>'] });
    await waiting;
    expect(consumerSawStream).toBe(true);
    await relay.ensureStream({ name: 'EVENTS', subjects: ['evt.v1.>'] });
    const uns: unknown[] = [];
    const events: unknown[] = [];
    await dataops.consume({ stream: 'UNS', durable: 'dataops-historian', handler: (m) => void uns.push(m.json()) });
    await dataops.consume({ stream: 'EVENTS', durable: 'dataops-events', handler: (m) => void events.push(m.json()) });
    // Training's durables (with their filters) and an inference replica's own durable.
    const training = await bus('training', { verifyEvents: eventVerifier(key) });
    const labelled: unknown[] = [];
    await training.consume({
      stream: 'EVENTS',
      durable: 'training-retraining-snapshots',
      filterSubject: 'evt.v1.simulator.FaultLabelled',
      handler: (m) => void labelled.push(m.json()),
    });
    const inference = await bus('inference');
    const scored: unknown[] = [];
    await inference.consume({ stream: 'UNS', durable: 'inference-r1', handler: (m) => void scored.push(m.json()) });

    // Permitted: connectivity → UNS, the relay → a signed event; dataops consumes both.
    await connectivity.publish('uns.v1.acme.p1.a.l.pump1', { source: 'connectivity', temperature: 61 }, { msgId: randomUUID() });
    const id = randomUUID();
    const data = new TextEncoder().encode(JSON.stringify({ id, type: 'FaultLabelled', source: 'relay' }));
    const subject = 'evt.v1.simulator.FaultLabelled';
    await relay.publish(subject, data, { msgId: id, headers: { 'Content-Type': 'application/json', ...signatureHeaders(key, subject, id, data) } });
    await waitFor(
      () => uns.length === 1 && events.length === 1 && labelled.length === 1 && scored.length === 1,
      'the permitted UNS batch and event at dataops, training and inference',
    );

    // Refused: dataops publishing a UNS batch, connectivity publishing an integration event.
    const refused = async (b: Bus, s: string): Promise<unknown> => {
      try {
        await b.publish(s, { source: 'forged', temperature: 150 }, { msgId: randomUUID() });
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(isBusError(await refused(dataops, 'uns.v1.acme.p1.a.l.pump1'), BusErrorCode.PublishFailed)).toBe(true);
    expect(isBusError(await refused(connectivity, 'evt.v1.simulator.FaultLabelled'), BusErrorCode.PublishFailed)).toBe(true);

    // The server says why (-ERR Permissions Violation), and names the subject.
    const nc = await raw('dataops');
    const seen = violations(nc);
    nc.publish(`${PREFIX}.uns.v1.acme.p1.a.l.pump1`, JSON.stringify({ source: 'forged' }));
    // (A refused subscription's callback is called once with the permission error, never with a message.)
    nc.subscribe(`${PREFIX}.evt.>`, { callback: (err) => void (err === null && events.push('snooped')) });
    nc.subscribe(`${inboxPrefixFor('relay')}.>`, { callback: (err) => void (err === null && events.push('snooped reply')) });
    await nc.flush();
    await waitFor(() => seen.length >= 3, `three permission violations (got ${seen.join(' | ')})`);
    expect(seen.join('\n')).toMatch(/Permissions Violation for Publish to "plant1\.uns\.v1\.acme\.p1\.a\.l\.pump1"/);
    expect(seen.join('\n')).toMatch(/Permissions Violation for Subscription to "plant1\.evt\.>"/);
    expect(seen.join('\n')).toMatch(/Permissions Violation for Subscription to "_INBOX_relay\.>"/);

    // A consumer may not delete the stream it reads.
    let deletion: unknown;
    try {
      await dataops.deleteStream('UNS');
    } catch (e) {
      deletion = e;
    }
    expect(isBusError(deletion)).toBe(true);

    // A marker through the permitted path: everything refused above would have arrived before it.
    await connectivity.publish('uns.v1.acme.p1.a.l.pump1', { source: 'connectivity', marker: true }, { msgId: randomUUID() });
    await waitFor(() => uns.length >= 2, 'the marker batch');
    expect(uns).toEqual([
      { source: 'connectivity', temperature: 61 },
      { source: 'connectivity', marker: true },
    ]);
    expect(events).toEqual([{ id, type: 'FaultLabelled', source: 'relay' }]);
  });
});
