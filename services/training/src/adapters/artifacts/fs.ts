// Filesystem artifact store: `<root>/sha256/<hash>`, written to a temp name and renamed, so a
// reader never sees half a file; an existing hash is not rewritten (same bytes by definition).
// Errors name the artifact (`sha256/<hash>`), never the directory: they reach callers.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { quoteValue } from '@industrial/grpc';
import { TrainingError, TrainingErrorCode } from '../../domain/errors.ts';
import type { ArtifactStore } from '../../ports.ts';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const HASH = /^[0-9a-f]{64}$/;

export function createFsArtifactStore(root: string): ArtifactStore & { pathOf(sha256: string): string } {
  const base = resolve(root);
  const pathOf = (h: string): string => {
    if (!HASH.test(h)) throw new TrainingError(TrainingErrorCode.InvalidArgument, 'sha256', `${quoteValue(h)} is not a sha256 hex digest`);
    return join(base, 'sha256', h);
  };
  return {
    kind: 'file',
    pathOf,
    uriOf: (h) => pathToFileURL(pathOf(h)).href,
    async put(bytes) {
      const h = sha256(bytes);
      const path = pathOf(h);
      if (!existsSync(path)) {
        await mkdir(join(base, 'sha256'), { recursive: true });
        const tmp = `${path}.${randomUUID()}.tmp`;
        await writeFile(tmp, bytes);
        await rename(tmp, path);
      }
      return { sha256: h, uri: pathToFileURL(path).href };
    },
    async get(h) {
      const path = pathOf(h);
      if (!existsSync(path)) throw new TrainingError(TrainingErrorCode.NotFound, 'sha256', `artifact sha256/${h} was not found`);
      const bytes = new Uint8Array(await readFile(path));
      if (sha256(bytes) !== h)
        throw new TrainingError(TrainingErrorCode.FailedPrecondition, 'sha256', `artifact sha256/${h} is corrupt: its bytes no longer hash to its name`);
      return bytes;
    },
    async has(h) {
      return existsSync(pathOf(h));
    },
  };
}
