// Use case "map tags" (MapTags): a source's addresses → ISA-95 asset paths and tags, either by
// browsing an OPC UA subtree (auto-map) or from explicit mappings, completed with what the server
// describes (data type, unit, range). Two addresses may not land on one UNS tag. Only mappings
// that differ from what the source already had are recorded (TagMapped), so a repeated call
// records nothing; the catalog keeps them for the next start and the link monitors them at once.
import type { Cause } from '@industrial/kernel';
import { InvalidSourceInputError } from '../domain/errors.ts';
import { sameMapping, tagMapped, type ConnectivityEvent } from '../domain/events.ts';
import { explicitMapping, findUnsCollision, type TagMapping } from '../domain/mapping.ts';
import { payloadFormatOf } from '../domain/source.ts';
import type { ConnectivityLogger, MapTagsRequest, Mapped, SourceCatalog } from '../ports.ts';
import type { RecordEvents } from './record-events.ts';
import type { SourceLink } from './source-link.ts';
import type { Sources } from './sources.ts';

export interface MapTagsDeps {
  sources: Sources;
  catalog: SourceCatalog;
  record: RecordEvents;
  logger: ConnectivityLogger;
}

export interface MapTags {
  mapTags(request: MapTagsRequest, cause?: Cause): Promise<Mapped>;
  /** For a source started in the background: maps its autoMapRoot on the first connection that finds no mappings (true: mapped, so monitored). */
  autoMapOnConnect(link: SourceLink): () => Promise<boolean>;
}

export function mapTagsUseCase(deps: MapTagsDeps): MapTags {
  const { sources, catalog, record, logger } = deps;

  /** Records the TagMapped events that differ from what the source already had. */
  const recordChanged = async (link: SourceLink, mappings: readonly TagMapping[], cause?: Cause) => {
    const before = new Map(link.mappings.map((m) => [m.address, tagMapped(m)]));
    const events: ConnectivityEvent[] = [];
    for (const m of mappings) {
      const e = tagMapped(m);
      const prev = before.get(m.address);
      if (prev === undefined || !sameMapping(prev.data as never, e.data as never)) events.push(e);
    }
    await record(link.spec.sourceId, events, cause);
  };

  const apply = async (link: SourceLink, mappings: readonly TagMapping[], cause?: Cause) => {
    const collision = findUnsCollision([...link.mappings.filter((m) => !mappings.some((n) => n.address === m.address)), ...mappings]);
    if (collision) {
      throw new InvalidSourceInputError(
        'mappings',
        `${collision.a.address} and ${collision.b.address} both map to ${collision.b.assetPath}.${collision.b.tag}`,
      );
    }
    await recordChanged(link, mappings, cause);
    catalog.saveMappings(mappings);
    await link.applyMappings(mappings);
  };

  const mapTags = async (request: MapTagsRequest, cause?: Cause): Promise<Mapped> => {
    const link = sources.get(request.sourceId);
    const spec = link.spec;
    const explicitInputs = request.mappings ?? [];
    if (request.autoMapRoot === undefined && explicitInputs.length === 0) {
      throw new InvalidSourceInputError('mappings', 'give auto_map_root or at least one mapping');
    }
    const out: TagMapping[] = [];
    let skipped: Mapped['skipped'] = [];
    if (request.autoMapRoot !== undefined) {
      if (spec.protocol !== 'opcua')
        throw new InvalidSourceInputError('auto_map_root', 'automatic mapping browses OPC UA servers only; map MQTT topics explicitly');
      const auto = await link.autoMap(request.autoMapRoot);
      out.push(...auto.mappings);
      skipped = auto.skipped;
    }
    if (explicitInputs.length > 0) {
      if (spec.protocol === 'mqtt' && payloadFormatOf(spec) === 'sparkplug-b') {
        throw new InvalidSourceInputError(
          'mappings',
          'a Sparkplug B source maps its tags from the NBIRTH/DBIRTH certificates; set asset paths in its sparkplug.assets configuration',
        );
      }
      const drafts = explicitInputs.map((m, i) => explicitMapping(spec.sourceId, m, { samplingIntervalMs: spec.subscription.samplingIntervalMs }, i));
      const settings = explicitInputs.map((m) => ({
        ...(m.unit === undefined ? {} : { unit: m.unit }),
        ...(m.range === undefined ? {} : { range: m.range }),
        ...(m.dataType === undefined ? {} : { dataType: m.dataType }),
      }));
      out.push(...(await link.complete(drafts, settings)));
    }
    await apply(link, out, cause);
    return { mappings: out, skipped };
  };

  const autoMapOnConnect = (link: SourceLink) => async (): Promise<boolean> => {
    const spec = link.spec;
    if (spec.protocol !== 'opcua' || spec.autoMapRoot === null || link.mappings.length > 0) return false;
    const { mappings, skipped } = await mapTags({ sourceId: spec.sourceId, autoMapRoot: spec.autoMapRoot });
    logger.info({ sourceId: spec.sourceId, mapped: mappings.length, skipped: skipped.length }, 'auto-mapped source');
    return true;
  };

  return { mapTags, autoMapOnConnect };
}
