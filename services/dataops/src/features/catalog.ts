// Use case: the data catalog. Tag metadata (unit, range, sampling interval, access level, default
// aggregation) and datasets, searchable; connectivity's TagMapped fills a tag's metadata in. The
// tags are cached in memory (ingest looks a unit up per sample): loaded once, kept in step with
// every upsert, and whoever derives something from a tag (quality rules) hears of each change.
import type { Cause } from '@industrial/kernel';
import type { EventData } from '@industrial/contracts';
import {
  applyTagPatch,
  defaultTagMetadata,
  searchCatalog,
  TagMetadataPatchSchema,
  type CatalogHit,
  type CatalogQuery,
  type TagMetadata,
} from '../domain/catalog.ts';
import { InvalidArgumentError } from '../domain/errors.ts';
import type { MetaStore } from '../ports.ts';

/** The one key of a tag of an asset: `<assetPath>.<tag>`. */
export const tagKey = (assetPath: string, tag: string): string => `${assetPath}.${tag}`;

export interface Catalog {
  /** Loads the tags once (later calls share the first load). */
  load(): Promise<void>;
  /** A loaded tag's metadata, synchronously (undefined before load or for an unknown tag). */
  peek(key: string): TagMetadata | undefined;
  tag(assetPath: string, tag: string): Promise<TagMetadata | null>;
  /** Validates the patch (InvalidArgumentError naming the field) and stores the merged metadata. */
  upsert(patch: unknown, cause?: Cause): Promise<TagMetadata>;
  /** Connectivity mapped a tag: its unit, range, type and sampling interval (and a description when none was written). */
  applyTagMapped(mapped: EventData<'TagMapped'>, cause: Cause): Promise<TagMetadata>;
  search(q: CatalogQuery): Promise<CatalogHit[]>;
  /** Called with a tag key after it changed, or null after the whole catalog was (re)loaded. */
  onChange(listener: (key: string | null) => void): void;
}

export function createCatalog(deps: { meta: MetaStore; now: () => Date }): Catalog {
  const { meta, now } = deps;
  const tags = new Map<string, TagMetadata>();
  const listeners: Array<(key: string | null) => void> = [];
  let loaded: Promise<void> | null = null;

  const load = (): Promise<void> =>
    (loaded ??= meta.listTags().then((list) => {
      for (const t of list) tags.set(tagKey(t.assetPath, t.tag), t);
      for (const l of listeners) l(null);
    }));

  async function tag(assetPath: string, name: string): Promise<TagMetadata | null> {
    await load();
    return tags.get(tagKey(assetPath, name)) ?? null;
  }

  async function upsert(patchInput: unknown): Promise<TagMetadata> {
    const r = TagMetadataPatchSchema.safeParse(patchInput);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new InvalidArgumentError(issue?.path.join('.') || 'tag', issue?.message ?? 'invalid');
    }
    const patch = r.data;
    await load();
    const at = now().toISOString();
    const key = tagKey(patch.assetPath, patch.tag);
    const next = applyTagPatch(tags.get(key) ?? defaultTagMetadata(patch.assetPath, patch.tag, at), patch, at);
    await meta.upsertTag(next);
    tags.set(key, next);
    for (const l of listeners) l(key);
    return next;
  }

  return {
    load,
    peek: (key) => tags.get(key),
    tag,
    upsert,
    async applyTagMapped(t) {
      const current = await tag(t.assetPath, t.tag);
      return upsert({
        assetPath: t.assetPath,
        tag: t.tag,
        dataType: t.dataType,
        unit: t.unit ?? null,
        range: t.range ?? null,
        samplingIntervalMs: t.samplingIntervalMs,
        source: `${t.sourceId} ${t.address}`,
        ...(current === null || current.description === '' ? { description: `${t.tag} of ${t.assetPath} (${t.address})` } : {}),
      });
    },
    async search(q) {
      return searchCatalog(await meta.listTags(), await meta.listDatasets(), q);
    },
    onChange: (listener) => void listeners.push(listener),
  };
}
