// Starts the integration process's part in an edge ↔ central deployment (INTEGRATION_EDGE_ROLE):
// at an edge site the uplink (its records into EDGE_<SITE>) and the downlink (the centre's use
// cases and models into its store); at the centre one reader per site (its records into the
// historian, through dataops' UNS ingest, and into the event store). Both need a plain NATS
// connection besides the bus (JetStream across domains).
import type { Bus, NatsConnectSettings } from '@industrial/bus';
import { connectNats } from '@industrial/bus';
import { UNS_STREAM } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { createEdgeIngest } from '../../features/edge-ingest.ts';
import { openCentralSinks, ownerKernels } from './central-sinks.ts';
import { consumeCentral, openEdgeWriter } from './jetstream-link.ts';
import { startDownlink, startUplink } from './site-link.ts';

export interface EdgeRoleConfig {
  role: 'none' | 'edge' | 'central';
  sites: string[];
  hubDomain: string;
  checkpointFile: string;
  pgSchema: string;
}

interface Logger {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
}

export const edgeDomainOf = (site: string): string => `edge-${site}`;

/** Returns what to stop, or null for role none. */
export async function startEdgeRole(deps: {
  config: EdgeRoleConfig;
  nats: NatsConnectSettings;
  bus: Bus;
  store: EventStore;
  pgUrl: string | null;
  logger: Logger;
}): Promise<(() => Promise<void>) | null> {
  const { config, logger } = deps;
  if (config.role === 'none') return null;
  const nc = await connectNats({ ...deps.nats, name: `integration-edge-${config.role}` });
  const stops: (() => Promise<void>)[] = [];
  const warn = (what: string) => (err: unknown) => logger.warn({ reason: err instanceof Error ? err.message : String(err) }, `${what}; retrying`);
  if (config.role === 'edge') {
    const site = config.sites[0] as string;
    const writer = await openEdgeWriter(nc, site, edgeDomainOf(site));
    const up = await startUplink({ bus: deps.bus, store: deps.store, writer, checkpointFile: config.checkpointFile, onError: warn('edge uplink failed') });
    stops.push(() => up.stop());
    // The downlink needs the hub once to create its durable: keep trying in the background.
    let stopped = false;
    void (async () => {
      while (!stopped) {
        try {
          const down = await startDownlink({ nc, hubDomain: config.hubDomain, site, store: deps.store, onError: warn('edge downlink read failed') });
          stops.push(() => down.stop());
          logger.info({ site, hubDomain: config.hubDomain }, 'edge downlink reading the centre’s use cases and models');
          return;
        } catch (err) {
          warn('the hub is not reachable for the downlink')(err);
          await new Promise((r) => setTimeout(r, 5_000));
        }
      }
    })();
    stops.push(async () => void (stopped = true));
    logger.info({ site }, 'edge uplink writing this site’s records into its EDGE stream');
  } else {
    if (deps.pgUrl === null) throw new Error('INTEGRATION_EDGE_ROLE=central needs EVENTSTORE=postgres');
    // Dataops reads the UNS stream; at the centre nobody else makes it (no connectivity there).
    await deps.bus.ensureStream({ name: UNS_STREAM.name, subjects: [...UNS_STREAM.subjects] });
    const sinks = await openCentralSinks({ bus: deps.bus, kernelFor: ownerKernels(deps.store), pgUrl: deps.pgUrl, schema: config.pgSchema });
    stops.push(() => sinks.close());
    for (const site of config.sites) {
      const ingest = await createEdgeIngest({ store: sinks, now: Date.now });
      let stopped = false;
      void (async () => {
        while (!stopped) {
          try {
            const c = await consumeCentral(
              nc,
              site,
              edgeDomainOf(site),
              `central-${site}`,
              async (b) => {
                if ((await ingest.handle(b)).gaps > 0) throw new Error('a gap in an asset’s records: waiting for the earlier ones');
              },
              warn(`reading site ${site}`),
            );
            stops.unshift(() => c.stop());
            logger.info({ site }, 'reading the site’s records');
            return;
          } catch (err) {
            warn(`site ${site} is not reachable`)(err);
            await new Promise((r) => setTimeout(r, 5_000));
          }
        }
      })();
      stops.unshift(async () => void (stopped = true));
    }
  }
  return async () => {
    for (const s of stops) await s().catch(() => undefined);
    await nc.close().catch(() => undefined);
  };
}
