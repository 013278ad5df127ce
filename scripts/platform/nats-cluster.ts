// A 3-node nats-server JetStream cluster on loopback (the kill test, npm run bench:platform): file
// storage under `dir`, client ports port…port+2, route ports port+10…port+12, no auth (loopback only).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectNats } from '@industrial/bus';

export interface NatsCluster {
  /** NATS_URL listing the three members. */
  readonly url: string;
  readonly nodes: ChildProcess[];
  stop(): void;
  /** The last `lines` lines of each member's log (`<dir>/n1.log` …), for a failure message. */
  logTail(lines: number): string;
}

export async function startNatsCluster(dir: string, port: number, bin = '/usr/sbin/nats-server'): Promise<NatsCluster> {
  const members = [0, 1, 2].map((i) => ({ name: `n${i + 1}`, client: port + i, route: port + 10 + i }));
  const nodes = members.map((n) => {
    mkdirSync(join(dir, n.name), { recursive: true });
    const conf = join(dir, `${n.name}.conf`);
    writeFileSync(
      conf,
      [
        `server_name: ${n.name}`,
        `listen: 127.0.0.1:${n.client}`,
        `log_file: ${JSON.stringify(join(dir, `${n.name}.log`))}`,
        `jetstream { store_dir: ${JSON.stringify(join(dir, n.name))} }`,
        `cluster { name: loopback, listen: 127.0.0.1:${n.route}, routes: [${members.map((m) => `nats-route://127.0.0.1:${m.route}`).join(', ')}] }`,
      ].join('\n'),
    );
    return spawn(bin, ['-c', conf], { stdio: 'ignore' });
  });
  const url = members.map((n) => `nats://127.0.0.1:${n.client}`).join(',');
  const stop = () => {
    for (const n of nodes) n.kill('SIGKILL');
  };
  const logTail = (lines: number) =>
    members
      .map((n) => {
        let text = '';
        try {
          text = readFileSync(join(dir, `${n.name}.log`), 'utf8');
        } catch {
          // not written yet
        }
        return `${n.name}:\n${text.trimEnd().split('\n').slice(-lines).join('\n')}`;
      })
      .join('\n');
  // Ready once every member answers JetStream requests on its own port: a member not (yet) routed to
  // the others sees no meta leader and says so, and then an R3 stream has no place (on a loaded host
  // "no suitable peers for placement" stopped the relays and dataops when only two had joined).
  const answers = (clientUrl: string) =>
    connectNats({ servers: clientUrl, connectTimeoutMs: 2000 })
      .then(async (nc) => {
        try {
          const r = JSON.parse(new TextDecoder().decode((await nc.request('$JS.API.INFO', undefined, { timeout: 2000 })).data)) as { error?: unknown };
          return r.error === undefined;
        } finally {
          await nc.close();
        }
      })
      .catch(() => false);
  const t0 = Date.now();
  for (;;) {
    const exited = members.filter((_, i) => nodes[i]?.exitCode !== null || nodes[i]?.signalCode !== null).map((n) => n.name);
    if (exited.length > 0) {
      const tail = logTail(10);
      stop();
      throw new Error(`nats-server ${exited.join(', ')} exited at start:\n${tail}`);
    }
    const ok = await Promise.all(members.map((n) => answers(`nats://127.0.0.1:${n.client}`)));
    if (ok.every(Boolean)) return { url, nodes, stop, logTail };
    if (Date.now() - t0 > 90_000) {
      const tail = logTail(10);
      stop();
      throw new Error(
        `the 3-node NATS cluster was not ready within 90 s (JetStream answered on ${ok.map((v, i) => `${members[i]!.name} ${v ? 'yes' : 'no'}`).join(', ')}):\n${tail}`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
