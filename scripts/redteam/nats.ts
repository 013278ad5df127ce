// Forged NATS publishes against the conduit `npm run cluster` starts (its own
// nats-server with per-service nkey users and least-privilege permissions, ADR 0010): a forged
// FaultLabelled on evt.v1.* and a forged UNS batch (pump at 150 °C), without credentials and with
// the credentials of a service that must not publish them. A publish the server takes is counted
// as applied (an upper bound: the consumers' signature check may still dead-letter an evt.> one).
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connectNats, inboxPrefixFor, type NatsCredentials } from '@industrial/bus';
import { startOwnNats } from '../platform/cluster-nats.ts';
import type { Tally } from './tally.ts';

const PREFIX = 'redteam';

/** The cluster's own NATS: its URL, each service's nkey seed file and its TLS CA. */
export interface NatsConduit {
  url: string;
  prefix: string;
  seedFile(service: string): string | undefined;
  /** The CA of the server's TLS certificate (the cluster's NATS serves TLS unless PLATFORM_TLS=0). */
  caFile?: string;
}

/** The standalone mode has no NATS: a server of the suite's own with the cluster's config code, then the cases. */
export async function ownNatsCases(workDir: string, port: number, tally: Tally, log: (s: string) => void): Promise<void> {
  const dir = join(workDir, 'nats');
  mkdirSync(dir, { recursive: true });
  const own = await startOwnNats(dir, port, `${PREFIX}_LEDGER_ANCHORS`, PREFIX);
  try {
    await natsCases({ url: own.url, prefix: `${PREFIX}.`, seedFile: (s) => own.envFor(s).NATS_NKEY_SEED_FILE }, tally, log);
  } finally {
    own.process.kill('SIGTERM');
  }
}

export async function natsCases(conduit: NatsConduit, tally: Tally, log: (s: string) => void): Promise<void> {
  const P = conduit.prefix;
  {
    const label = JSON.stringify({
      id: randomUUID(),
      type: 'FaultLabelled',
      data: { asset: 'acme/plant-1/area-1/line-1/pump-4', fault: 'bearing_wear', confidence: 1, actor: 'svc:dataops' },
    });
    const uns = JSON.stringify([
      { path: 'acme/plant-1/area-1/line-1/pump-4/temperature', value: 150, unit: 'degC', ts: new Date().toISOString(), quality: 'good' },
    ]);
    const attempts: { name: string; as: 'anonymous' | 'connectivity' | 'dataops'; subject: string; payload: string }[] = [
      { name: 'forged FaultLabelled, no credentials', as: 'anonymous', subject: `${P}evt.v1.FaultLabelled`, payload: label },
      { name: 'forged FaultLabelled as connectivity (publishes uns.> only)', as: 'connectivity', subject: `${P}evt.v1.FaultLabelled`, payload: label },
      { name: 'forged UNS batch, no credentials', as: 'anonymous', subject: `${P}uns.v1.acme.plant-1.area-1.line-1.pump-4`, payload: uns },
      { name: 'forged UNS batch as dataops (consumes uns.> only)', as: 'dataops', subject: `${P}uns.v1.acme.plant-1.area-1.line-1.pump-4`, payload: uns },
      ...(P === ''
        ? []
        : [{ name: 'forged FaultLabelled outside the prefix, no credentials', as: 'anonymous' as const, subject: 'evt.v1.FaultLabelled', payload: label }]),
    ];
    for (const a of attempts) {
      if (!tally.take()) return;
      tally.counts.cases++;
      const seedFile = a.as === 'anonymous' ? undefined : conduit.seedFile(a.as);
      const credentials: NatsCredentials | undefined = seedFile === undefined ? undefined : { kind: 'nkey', seedFile };
      let nc;
      try {
        // The attacker trusts the server's CA, so a refusal is the server's authorization, never a failed handshake.
        nc = await connectNats({
          servers: conduit.url,
          ...(credentials === undefined ? {} : { credentials, inboxPrefix: inboxPrefixFor(a.as) }),
          ...(conduit.caFile === undefined ? {} : { tls: { caFile: conduit.caFile } }),
        });
      } catch (e) {
        log(`nats: ${a.name} → connection refused (${e instanceof Error ? e.message.slice(0, 80) : String(e)})`);
        continue;
      }
      const errors: string[] = [];
      void (async () => {
        for await (const s of nc.status()) if (s.type === 'error') errors.push(String(s.error));
      })();
      nc.publish(a.subject, a.payload);
      await nc.flush().catch((e: unknown) => errors.push(String(e)));
      await new Promise((r) => setTimeout(r, 500));
      await nc.close().catch(() => undefined);
      if (errors.some((e) => /Permissions Violation|Authorization/i.test(e))) log(`nats: ${a.name} → refused (${errors[0]?.slice(0, 100)})`);
      else tally.find('forged_events_applied', `${a.name}: the server took the publish`);
    }
  }
}
