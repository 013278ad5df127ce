// What governance needs beyond its kernel, as ports: the model card's stress results (an artifact
// training wrote, content-addressed). The event store reads (charter, dataops, inference streams)
// go through the kernel.
import type { StressEvidence } from './domain/gates.ts';

export interface ArtifactRef {
  readonly uri: string;
  readonly sha256: string;
}

export interface ModelCardReader {
  /** The card's stress results, or why they cannot be read (unknown scheme, missing file, other bytes than recorded, no stress section). */
  stress(card: ArtifactRef): Promise<StressEvidence | { readonly unavailable: string }>;
}
