// Use case "watch the UNS live" (SubscribeUns): every batch written to the buffer is handed to
// the subscribers whose asset-path prefix covers it, whole levels only (`acme.plant-1` covers
// `acme.plant-1.utilities…`, not `acme.plant-10…`; '' covers all). A viewer's failure never
// touches the data path.
import type { UnsSampleBatch } from '@industrial/contracts';
import type { UnsListener } from '../ports.ts';

export class LiveUns {
  readonly #listeners = new Set<{ prefix: string; fn: UnsListener }>();

  subscribe(assetPathPrefix: string, fn: UnsListener): () => void {
    const entry = { prefix: assetPathPrefix, fn };
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }

  publish(batches: readonly UnsSampleBatch[]): void {
    if (this.#listeners.size === 0) return;
    for (const b of batches) {
      for (const l of this.#listeners) {
        if (l.prefix === '' || b.assetPath === l.prefix || b.assetPath.startsWith(`${l.prefix}.`)) {
          try {
            l.fn(b);
          } catch {
            // a live viewer's failure must not touch the data path
          }
        }
      }
    }
  }
}
