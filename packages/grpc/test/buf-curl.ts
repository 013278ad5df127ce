// `buf curl` (the repository's buf) as engineers run it against a platform gRPC port: gRPC over
// cleartext HTTP/2 and server reflection, so no .proto file on the caller's side. Used here and by
// the end-to-end test of both run modes (test/reflection.e2e.spec.ts).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const buf = fileURLToPath(new URL('../../../node_modules/.bin/buf', import.meta.url));
const run = promisify(execFile);

/** Runs `buf curl --protocol grpc --http2-prior-knowledge --reflect <args>`; never rejects. */
export async function bufCurl(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(buf, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', '--reflect', '--timeout', '20s', ...args]);
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, out: x.stdout ?? '', err: x.stderr ?? `${String(e)}` };
  }
}
