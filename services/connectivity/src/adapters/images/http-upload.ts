// Authenticated HTTP upload of part images: `POST /api/v1/images/<stationId>?partId=…&capturedAt=…`
// with the image bytes as the body (Content-Type image/jpeg or image/x-portable-graymap) and
// `Authorization: Bearer <token>`. 401 without a valid token (nothing read, nothing recorded);
// the body is counted while it arrives and the upload cut off with 413 past the station's byte
// limit (never buffered whole); 400 without a part id; 422 for bytes that are no usable image;
// 201 with the ImageCaptured data otherwise. Every refusal after authentication is recorded
// (ImageRejected) by the intake.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ImageEvent, StationImageSpec } from '../../domain/image-intake.ts';
import { rejected } from '../../domain/image-intake.ts';
import type { ImageIntake } from '../../features/image-intake.ts';

export interface UploadServerOptions {
  readonly sourceId: string;
  /** stations this source takes uploads for */
  readonly stations: readonly string[];
  readonly intake: ImageIntake;
  readonly record: (event: ImageEvent) => Promise<void>;
  /** the caller's identity from the Authorization header, or null (refused) */
  readonly authenticate: (authorization: string | undefined) => Promise<{ subject: string } | null>;
  readonly spec: StationImageSpec;
  readonly now: () => string;
  readonly host?: string;
  readonly port?: number;
}

export interface UploadServer {
  readonly url: string;
  close(): Promise<void>;
}

const PATH = /^\/api\/v1\/images\/([a-z0-9_-]{1,64})$/;

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify(body));
}

/** The body, or null once it passed `max` bytes (the rest is not read). */
function readLimited(req: IncomingMessage, max: number): Promise<Uint8Array | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

export async function startUploadServer(o: UploadServerOptions): Promise<UploadServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://upload');
    const m = PATH.exec(url.pathname);
    if (req.method !== 'POST' || !m) return reply(res, 404, { error: 'POST /api/v1/images/<stationId>' });
    const who = await o.authenticate(req.headers.authorization);
    if (!who) return reply(res, 401, { error: 'a valid bearer token is required' });
    const stationId = m[1]!;
    if (!o.stations.includes(stationId)) return reply(res, 404, { error: `no station ${stationId} on this source` });
    const partId = url.searchParams.get('partId');
    const base = {
      sourceId: o.sourceId,
      stationId,
      partId,
      via: 'http' as const,
      origin: url.pathname,
      capturedAt: url.searchParams.get('capturedAt') ?? o.now(),
    };
    if (Number.isNaN(Date.parse(base.capturedAt))) return reply(res, 400, { error: 'capturedAt must be an ISO date-time' });
    const declared = Number(req.headers['content-length'] ?? NaN);
    const body = declared > o.spec.maxBytes ? null : await readLimited(req, o.spec.maxBytes);
    if (body === null) {
      const ev = rejected(base, 'too-large', `upload exceeds the station's limit of ${o.spec.maxBytes} bytes`, o.now());
      await o.record(ev);
      reply(res, 413, ev.data);
      req.destroy();
      return;
    }
    const ev = await o.intake({ ...base, bytes: body });
    if (ev.type === 'ImageCaptured') return reply(res, 201, ev.data);
    reply(res, ev.data.reason === 'no-part-id' ? 400 : 422, ev.data);
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => reply(res, 500, { error: e instanceof Error ? e.message : String(e) }));
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, o.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${o.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
