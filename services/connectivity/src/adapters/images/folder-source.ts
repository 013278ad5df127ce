// Watched-folder camera source, the common case of AOI stations: the camera (or its PC) writes
// one image file per part into a folder. The folder is polled; a file is taken once its size and
// modification time held still for one poll (never half-written), handed to the intake, then
// moved to `.done/` or `.rejected/` beside it, so a restart never takes a part twice. The part
// id is the file name's stem up to the first "__" (`13000188__cam2.jpg` → 13000188), the
// capture time the file's modification time. A folder that disappears records one
// source-missing notice and is polled until it is back; one bad file never stops the others.
import { mkdir, readdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageCapture, ImageEvent } from '../../domain/image-intake.ts';
import { rejected } from '../../domain/image-intake.ts';
import type { ImageIntake } from '../../features/image-intake.ts';

const IMAGE_FILE = /\.(jpe?g|pgm)$/i;

export interface FolderSourceOptions {
  readonly sourceId: string;
  readonly stationId: string;
  readonly folder: string;
  readonly intake: ImageIntake;
  /** records a notice about the source itself (the folder gone) */
  readonly notice: (event: ImageEvent) => Promise<void>;
  readonly now: () => string;
  readonly pollMs?: number;
  readonly onError?: (e: unknown) => void;
}

export interface FolderSource {
  /** One poll (tests drive it directly); resolves when the files seen still are handled. */
  poll(): Promise<void>;
  stop(): Promise<void>;
}

export const partIdOfFile = (name: string): string => name.replace(IMAGE_FILE, '').split('__')[0]!;

export function watchFolder(o: FolderSourceOptions): FolderSource {
  const seen = new Map<string, string>(); // file → "size:mtime" of the previous poll
  let missing = false;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const take = async (name: string): Promise<void> => {
    const path = join(o.folder, name);
    const info = await stat(path);
    const capture: ImageCapture = {
      sourceId: o.sourceId,
      stationId: o.stationId,
      partId: partIdOfFile(name),
      via: 'folder',
      origin: name,
      bytes: new Uint8Array(await readFile(path)),
      capturedAt: info.mtime.toISOString(),
    };
    const event = await o.intake(capture);
    const to = join(o.folder, event.type === 'ImageCaptured' ? '.done' : '.rejected');
    await mkdir(to, { recursive: true });
    await rename(path, join(to, name));
  };

  const once = async (): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(o.folder);
    } catch {
      if (!missing) {
        missing = true;
        const base = { sourceId: o.sourceId, stationId: o.stationId, partId: null, via: 'folder' as const, origin: o.folder, capturedAt: o.now() };
        await o.notice(rejected(base, 'source-missing', `camera folder ${o.folder} is not there; polling until it is back`, o.now()));
      }
      return;
    }
    missing = false;
    for (const name of names.filter((n) => IMAGE_FILE.test(n)).sort()) {
      if (stopped) return;
      try {
        const info = await stat(join(o.folder, name));
        const sig = `${info.size}:${info.mtimeMs}`;
        if (seen.get(name) !== sig) {
          seen.set(name, sig); // changed since the last poll: still being written
          continue;
        }
        seen.delete(name);
        await take(name);
      } catch (e) {
        o.onError?.(e); // the file went away or the folder with it: the next poll sees
      }
    }
  };

  const poll = (): Promise<void> => (running = running.then(once, once));
  const timer = setInterval(() => void poll(), o.pollMs ?? 500);
  return {
    poll,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running.catch(() => undefined);
    },
  };
}
