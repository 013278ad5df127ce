// The running sources of this process (one SourceLink each) and the use cases that only read
// them: list sources (credentials left out), list tags, browse a source's address space.
import { SourceNotFoundError } from '../domain/errors.ts';
import type { TagMapping } from '../domain/mapping.ts';
import { publicSpec, type SourceSpec } from '../domain/source.ts';
import type { BrowseNode } from '../ports.ts';
import { SourceLink, type LinkDeps } from './source-link.ts';

export class Sources {
  readonly #deps: LinkDeps;
  readonly #links = new Map<string, SourceLink>();

  constructor(deps: LinkDeps) {
    this.#deps = deps;
  }

  /** A link for `spec`, not yet running nor listed (`add` lists it). */
  link(spec: SourceSpec, mappings: readonly TagMapping[] = []): SourceLink {
    return new SourceLink(spec, this.#deps, mappings);
  }

  add(link: SourceLink): void {
    this.#links.set(link.spec.sourceId, link);
  }

  find(sourceId: string): SourceLink | undefined {
    return this.#links.get(sourceId);
  }

  get(sourceId: string): SourceLink {
    const link = this.#links.get(sourceId);
    if (link === undefined) throw new SourceNotFoundError(sourceId);
    return link;
  }

  get size(): number {
    return this.#links.size;
  }

  list(): ReturnType<typeof publicSpec>[] {
    return [...this.#links.values()].map((l) => publicSpec(l.spec));
  }

  listTags(sourceId?: string): TagMapping[] {
    if (sourceId !== undefined) return [...this.get(sourceId).mappings];
    return [...this.#links.values()].flatMap((l) => l.mappings);
  }

  browse(sourceId: string, nodeId?: string): Promise<BrowseNode[]> {
    return this.get(sourceId).browse(nodeId);
  }

  async settled(): Promise<void> {
    await Promise.all([...this.#links.values()].map((l) => l.settled()));
  }

  /** Stops every link (each writes its last partial batch to the buffer). */
  async stop(): Promise<void> {
    await Promise.all([...this.#links.values()].map((l) => l.stop()));
    this.#links.clear();
  }
}
