// The use cases of connectivity put together over their ports: what app.ts builds once the
// adapters (buffer, catalog, sources, forwarder) are open, and what the API adapters drive.
import type { Kernel } from '@industrial/kernel';
import type { BufferedRow, ConnectivityApi, SourceCatalog } from '../ports.ts';
import { LiveUns } from './live-uns.ts';
import { mapTagsUseCase } from './map-tags.ts';
import { eventRecorder } from './record-events.ts';
import { registerSourceUseCase } from './register-source.ts';
import { sourceHealth } from './source-health.ts';
import type { LinkDeps } from './source-link.ts';
import { Sources } from './sources.ts';

export interface ConnectivityFeaturesDeps extends Omit<LinkDeps, 'record' | 'onBuffered'> {
  kernel: Kernel;
  catalog: SourceCatalog;
  /** Rows just committed to the buffer, in buffer order (the forwarder sends them). */
  onBuffered: (rows: readonly BufferedRow[]) => void;
  /** The trace in progress, for the events the service records on its own. */
  traceparent?: () => string | null;
  /** Live UNS subscribers (kept by the caller: they may subscribe before the sources start). */
  live?: LiveUns;
}

export interface ConnectivityFeatures {
  readonly api: ConnectivityApi;
  /** Resumes the catalog's sources, then registers the configured ones (both connect in the background). */
  start(configuredSources: readonly unknown[]): Promise<void>;
  /** Stops every source; each writes its last partial batch to the buffer. */
  stop(): Promise<void>;
  /** Resolves when every event emitted so far is in the store. */
  settled(): Promise<void>;
  readonly sourceCount: number;
}

export function connectivityFeatures(deps: ConnectivityFeaturesDeps): ConnectivityFeatures {
  const record = eventRecorder(deps.kernel, deps.traceparent);
  const live = deps.live ?? new LiveUns();
  const sources = new Sources({
    openSource: deps.openSource,
    buffer: deps.buffer,
    record,
    logger: deps.logger,
    clock: deps.clock,
    overflowPolicy: deps.overflowPolicy,
    reconnect: deps.reconnect,
    onBuffered: (batches, rows) => {
      deps.onBuffered(rows);
      live.publish(batches);
    },
  });
  const mapTags = mapTagsUseCase({ sources, catalog: deps.catalog, record, logger: deps.logger });
  const register = registerSourceUseCase({ sources, catalog: deps.catalog, record, mapTags });

  const api: ConnectivityApi = {
    registerSource: register.registerSource,
    browse: (sourceId, nodeId) => sources.browse(sourceId, nodeId),
    mapTags: mapTags.mapTags,
    listTags: (sourceId) => sources.listTags(sourceId),
    listSources: () => sources.list(),
    sourceHealth: (sourceId) => sourceHealth(sources.get(sourceId), deps.buffer),
    subscribeUns: (prefix, listener) => live.subscribe(prefix, listener),
  };

  return {
    api,
    async start(configuredSources) {
      register.resume();
      await register.registerConfigured(configuredSources);
    },
    stop: () => sources.stop(),
    settled: () => sources.settled(),
    get sourceCount() {
      return sources.size;
    },
  };
}
