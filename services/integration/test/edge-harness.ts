// A hub and a leaf nats-server on loopback, started and stopped by the caller (tests, the bench):
// each with JetStream in its own domain, the leaf's link to the hub through a TCP proxy that can
// be cut and restored (the uplink going down and coming back; the hub advertises the proxy as its
// leafnode address, or the leaf would learn the real one and reconnect around the cut), and client
// connections to both.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsServer, type NatsServerProcess } from '@industrial/bus';
import { connect, type NatsConnection } from '@nats-io/transport-node';

export interface LinkProxy {
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** A TCP proxy 127.0.0.1:listenPort → 127.0.0.1:targetPort; cut() drops every connection and refuses new ones. */
export async function startProxy(listenPort: number, targetPort: number): Promise<LinkProxy> {
  const sockets = new Set<Socket>();
  let up = true;
  const server: Server = createServer((client) => {
    if (!up) return void client.destroy();
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(listenPort, '127.0.0.1', r));
  return {
    cut() {
      up = false;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    restore() {
      up = true;
    },
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export interface EdgeTopology {
  hub: NatsServerProcess;
  leaf: NatsServerProcess;
  link: LinkProxy;
  hubNc: NatsConnection;
  leafNc: NatsConnection;
  hubDomain: string;
  edgeDomain: string;
  /** Resolves once the leaf is connected to the hub (a JetStream call to the hub domain answers from the leaf). */
  stop(): Promise<void>;
}

/**
 * Ports: base (hub client), base+1 (hub leafnode), base+2 (proxy), base+3 (leaf client).
 * `notAcross`: subjects the link does not carry either way (deny_imports/deny_exports of the leaf's
 * remote, as the launchers set it: plant data published at the site stays there; default none).
 */
export async function startEdgeTopology(base: number, site: string, options: { notAcross?: readonly string[] } = {}): Promise<EdgeTopology> {
  const dir = mkdtempSync(join(tmpdir(), 'integration-edge-'));
  const hubDomain = 'hub';
  const edgeDomain = `edge-${site}`;
  const hubConf = join(dir, 'hub.conf');
  writeFileSync(hubConf, `jetstream { domain: ${hubDomain} }\nleafnodes { listen: "127.0.0.1:${base + 1}", advertise: "127.0.0.1:${base + 2}" }\n`);
  const leafConf = join(dir, 'leaf.conf');
  const deny =
    options.notAcross === undefined ? '' : `, deny_imports: ${JSON.stringify(options.notAcross)}, deny_exports: ${JSON.stringify(options.notAcross)}`;
  writeFileSync(leafConf, `jetstream { domain: ${edgeDomain} }\nleafnodes { remotes: [ { url: "nats-leaf://127.0.0.1:${base + 2}"${deny} } ] }\n`);
  const hub = await startNatsServer({ port: base, storeDir: join(dir, 'hub'), configFile: hubConf });
  const link = await startProxy(base + 2, base + 1);
  const leaf = await startNatsServer({ port: base + 3, storeDir: join(dir, 'leaf'), configFile: leafConf });
  const hubNc = await connect({ servers: hub.url, name: 'central' });
  const leafNc = await connect({ servers: leaf.url, name: 'edge' });
  return {
    hub,
    leaf,
    link,
    hubNc,
    leafNc,
    hubDomain,
    edgeDomain,
    async stop() {
      await leafNc.close().catch(() => undefined);
      await hubNc.close().catch(() => undefined);
      await leaf.stop();
      await link.close();
      await hub.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until `probe` is true (polling), or throws naming `what`. */
export async function waitFor(what: string, probe: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
