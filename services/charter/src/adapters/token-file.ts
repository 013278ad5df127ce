// A bearer token kept in a file (mode 0600, written by whoever issues the service account's
// tokens). Read again whenever the file changes, so a rotated token is used without a restart.
import { readFileSync, statSync } from 'node:fs';

/** The token in `path`; throws (naming the file) when it is missing or empty. */
export function tokenFromFile(path: string): () => string {
  let cached: { mtimeMs: number; size: number; token: string } | null = null;
  return () => {
    const st = statSync(path);
    if (cached === null || cached.mtimeMs !== st.mtimeMs || cached.size !== st.size) {
      const token = readFileSync(path, 'utf8').trim();
      if (token === '') throw new Error(`the token file ${path} is empty`);
      cached = { mtimeMs: st.mtimeMs, size: st.size, token };
    }
    return cached.token;
  };
}
