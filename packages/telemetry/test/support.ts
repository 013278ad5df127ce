// Test helpers: an in-memory pino destination and a fake gRPC Metadata.
import type { DestinationStream } from 'pino';
import type { MetadataLike } from '../src/propagation.ts';

export interface MemoryDestination extends DestinationStream {
  readonly lines: string[];
  records(): Record<string, unknown>[];
  text(): string;
}

export function memoryDestination(): MemoryDestination {
  const lines: string[] = [];
  return {
    lines,
    write(chunk: string) {
      lines.push(chunk);
    },
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => lines.join(''),
  };
}

/** Behaves like @grpc/grpc-js Metadata for the calls the propagators make (keys lower-cased, Buffer values allowed). */
export class FakeMetadata implements MetadataLike {
  readonly #values = new Map<string, (string | Buffer)[]>();

  get(key: string): (string | Buffer)[] {
    return [...(this.#values.get(key.toLowerCase()) ?? [])];
  }

  set(key: string, value: string | Buffer): void {
    this.#values.set(key.toLowerCase(), [value]);
  }

  getMap(): Record<string, string | Buffer> {
    const map: Record<string, string | Buffer> = {};
    for (const [key, values] of this.#values) {
      const first = values[0];
      if (first !== undefined) map[key] = first;
    }
    return map;
  }
}
