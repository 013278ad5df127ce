// Use case "register a source" (RegisterSource), and the two ways a source comes back at start:
// from the local catalog (registered before the restart, with its mappings) and from the
// configuration (CONNECTIVITY_SOURCES_FILE, registered once, idempotent). A source registered
// through the API must connect first (the error names the cause: unreachable, certificate,
// credentials, security); configured and resumed ones connect in the background, with retries.
import type { Cause } from '@industrial/kernel';
import { ConnectivityError, ConnectivityErrorCode, InvalidSourceInputError } from '../domain/errors.ts';
import { sourceRegistered } from '../domain/events.ts';
import { parseSourceSpec, type SourceSpec } from '../domain/source.ts';
import type { Mapped, SourceCatalog } from '../ports.ts';
import type { MapTags } from './map-tags.ts';
import type { RecordEvents } from './record-events.ts';
import type { Sources } from './sources.ts';

export interface RegisterSourceDeps {
  sources: Sources;
  catalog: SourceCatalog;
  record: RecordEvents;
  mapTags: MapTags;
}

export interface RegisterSource {
  /** Validates, connects (failing with the cause), records SourceRegistered, then maps autoMapRoot if given. */
  registerSource(input: unknown, cause?: Cause): Promise<Mapped & { sourceId: string }>;
  /** Starts the sources of the catalog, in the background. */
  resume(): void;
  /** Registers the configured sources not registered yet (`sources[i].<field>` names a bad one). */
  registerConfigured(configured: readonly unknown[]): Promise<void>;
}

export function registerSourceUseCase(deps: RegisterSourceDeps): RegisterSource {
  const { sources, catalog, record, mapTags } = deps;

  const registerSource = async (input: unknown, cause?: Cause): Promise<Mapped & { sourceId: string }> => {
    const spec = parseSourceSpec(input);
    const existing = sources.find(spec.sourceId);
    if (existing) {
      if (JSON.stringify(existing.spec) === JSON.stringify(spec)) return { sourceId: spec.sourceId, mappings: [...existing.mappings], skipped: [] };
      throw new ConnectivityError(ConnectivityErrorCode.SourceExists, `source ${spec.sourceId} is already registered with a different configuration`, {
        field: 'source_id',
      });
    }
    const link = sources.link(spec);
    try {
      await link.connect();
      // Recorded before the source is kept: a refused append (a kernel error) leaves nothing registered.
      await record(spec.sourceId, [sourceRegistered(spec)], cause);
    } catch (err) {
      await link.stop().catch(() => {});
      throw err;
    }
    sources.add(link);
    catalog.saveSource(spec);
    await link.settled();
    if (spec.protocol === 'opcua' && spec.autoMapRoot !== null) {
      const { mappings, skipped } = await mapTags.mapTags({ sourceId: spec.sourceId, autoMapRoot: spec.autoMapRoot }, cause);
      return { sourceId: spec.sourceId, mappings, skipped };
    }
    return { sourceId: spec.sourceId, mappings: [], skipped: [] };
  };

  const resume = (): void => {
    for (const spec of catalog.sources()) {
      const link = sources.link(spec, catalog.mappings(spec.sourceId));
      sources.add(link);
      link.startSupervised(mapTags.autoMapOnConnect(link));
    }
  };

  const registerConfigured = async (configured: readonly unknown[]): Promise<void> => {
    for (const [i, s] of configured.entries()) {
      let spec: SourceSpec;
      try {
        spec = parseSourceSpec(s);
      } catch (e) {
        throw new InvalidSourceInputError(`sources[${i}].${(e as InvalidSourceInputError).field ?? ''}`, (e as Error).message);
      }
      if (sources.find(spec.sourceId) !== undefined) continue;
      catalog.saveSource(spec);
      await record(spec.sourceId, [sourceRegistered(spec)]);
      const link = sources.link(spec);
      sources.add(link);
      link.startSupervised(mapTags.autoMapOnConnect(link));
    }
  };

  return { registerSource, resume, registerConfigured };
}
