// Bad input at start: a data directory or file the process must write (its state, snapshots,
// artifacts, checkpoint, anchors) that it cannot write — a read-only volume, another owner, 0555 —
// stops the process before it starts anything, with one message naming the setting, instead of
// failing later on the first write (or half-way through one).
import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A path the service writes, and the setting (environment variable) that names it. */
export interface WritablePath {
  readonly setting: string;
  readonly path: string;
  /** dir: created if missing, a probe file written and removed; file: written in place, or created in its directory. */
  readonly kind: 'dir' | 'file';
}

/** Probes a directory: creates it if missing and writes (then removes) a probe file in it. */
function probeDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const probe = join(dir, `.write-probe-${process.pid}`);
  writeFileSync(probe, '');
  rmSync(probe, { force: true });
}

/** The first path that cannot be written, as one message naming its setting; null when all can. */
export function unwritable(paths: readonly WritablePath[]): string | null {
  for (const p of paths) {
    try {
      if (p.kind === 'dir') probeDir(p.path);
      else {
        try {
          accessSync(p.path, constants.W_OK);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          probeDir(dirname(p.path)); // not there yet: its directory must take it
        }
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      return `${p.setting}: ${p.path} cannot be written (${code}: ${(error as Error).message}); give the service's user write access or point ${p.setting} at a writable ${p.kind === 'dir' ? 'directory' : 'file'}`;
    }
  }
  return null;
}
