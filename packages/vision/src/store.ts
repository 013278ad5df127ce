// Content-addressed image store on a filesystem: an image's bytes live once under their
// sha256 (`<root>/<aa>/<sha256>`), events carry only the hash. A write goes to a temporary
// file in the same folder and is renamed into place, so a reader never sees half an image and
// a crash leaves at most a temporary file (removed by the next prune). Retention like the
// historian's: images older than a cut-off are removed unless something still refers to them.

import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const SHA = /^[0-9a-f]{64}$/;

export const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export interface StoredImage {
  readonly sha256: string;
  /** false when the same bytes were already stored */
  readonly created: boolean;
  readonly bytes: number;
}

export class ImageStore {
  constructor(readonly root: string) {}

  private pathOf(sha256: string): string {
    if (!SHA.test(sha256)) throw new Error(`not a sha256 digest: ${sha256.slice(0, 80)}`);
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  async put(bytes: Uint8Array): Promise<StoredImage> {
    const sha256 = sha256Of(bytes);
    const path = this.pathOf(sha256);
    if (await this.has(sha256)) return { sha256, created: false, bytes: bytes.length };
    await mkdir(join(this.root, sha256.slice(0, 2)), { recursive: true });
    const tmp = `${path}.${randomUUID()}.tmp`;
    try {
      await writeFile(tmp, bytes, { flush: true });
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    return { sha256, created: true, bytes: bytes.length };
  }

  async has(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(sha256))).isFile();
    } catch {
      return false;
    }
  }

  /** The stored bytes, checked against their hash (a damaged file is an error, not data). */
  async get(sha256: string): Promise<Uint8Array> {
    const bytes = new Uint8Array(await readFile(this.pathOf(sha256)));
    if (sha256Of(bytes) !== sha256) throw new Error(`stored image ${sha256} is damaged (hash mismatch)`);
    return bytes;
  }

  async list(): Promise<string[]> {
    const out: string[] = [];
    for (const dir of await readdir(this.root).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{2}$/.test(dir)) continue;
      for (const f of await readdir(join(this.root, dir))) if (SHA.test(f)) out.push(f);
    }
    return out.sort();
  }

  /**
   * Retention: removes images stored before `before` that `keep` does not name (labelled images,
   * images of a snapshot), and left-over temporary files. Returns the removed hashes.
   */
  async prune(before: Date, keep: ReadonlySet<string> = new Set()): Promise<string[]> {
    const removed: string[] = [];
    for (const dir of await readdir(this.root).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{2}$/.test(dir)) continue;
      for (const f of await readdir(join(this.root, dir))) {
        const path = join(this.root, dir, f);
        if (f.endsWith('.tmp')) {
          // a write still in progress is younger than the cut-off
          const info = await stat(path).catch(() => null);
          if (info && info.mtime < before) await unlink(path).catch(() => undefined);
          continue;
        }
        if (!SHA.test(f) || keep.has(f)) continue;
        if ((await stat(path)).mtime < before) {
          await unlink(path);
          removed.push(f);
        }
      }
    }
    return removed.sort();
  }
}
