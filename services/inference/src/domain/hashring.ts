// Consistent hashing of assets over replicas: each replica owns the assets that hash closest
// after one of its virtual nodes on a 32-bit ring, so adding or removing a replica moves only
// ~1/n of the assets (which the new owner rebuilds from the UNS stream). FNV-1a. Pure.

export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // final avalanche (murmur3 fmix32) so nearby names spread over the ring
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export class HashRing {
  private readonly points: Uint32Array;
  private readonly owners: string[];

  constructor(
    readonly replicas: readonly string[],
    virtualNodes = 64,
  ) {
    const entries: { point: number; owner: string }[] = [];
    for (const r of [...new Set(replicas)].sort()) for (let v = 0; v < virtualNodes; v++) entries.push({ point: fnv1a(`${r}#${v}`), owner: r });
    entries.sort((a, b) => a.point - b.point || (a.owner < b.owner ? -1 : 1));
    this.points = Uint32Array.from(entries, (e) => e.point);
    this.owners = entries.map((e) => e.owner);
  }

  ownerOf(key: string): string | null {
    if (this.points.length === 0) return null;
    const h = fnv1a(key);
    let lo = 0,
      hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === this.points.length ? 0 : lo]!;
  }
}

/** Assets whose owner changed from `before` to `me` (the ones `me` must rebuild). */
export function takenOver(assets: readonly string[], before: HashRing, after: HashRing, me: string): string[] {
  return assets.filter((a) => after.ownerOf(a) === me && before.ownerOf(a) !== me);
}
