// How the suite reaches the platform: plaintext on loopback, or (REDTEAM_TLS=1, the launchers'
// PLATFORM_TLS=1) TLS trusting the launcher's local CA. HTTP through node:http(s) so that the CA is
// the request's own and never the process's.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import * as grpc from '@grpc/grpc-js';

let ca: Buffer | null = null;

/** Trust this CA from now on (TLS on), or plaintext with null. */
export function useCa(pem: Buffer | null): void {
  ca = pem;
}

export const scheme = (): 'http' | 'https' => (ca === null ? 'http' : 'https');

export function grpcCredentials(): grpc.ChannelCredentials {
  return ca === null ? grpc.credentials.createInsecure() : grpc.credentials.createSsl(ca);
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * One request; `status` 0 when no answer came (refused, reset, timed out). `streamMs`: a live stream
 * (SSE) — the status is taken and the connection closed.
 */
export function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | null,
  options: { timeoutMs: number; stream?: boolean },
): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const payload = body === null ? null : Buffer.from(body);
    const req = request(
      u,
      { method, headers: { ...headers, ...(payload === null ? {} : { 'content-length': String(payload.length) }) }, ...(ca === null ? {} : { ca }) },
      (res) => {
        if (options.stream === true) {
          resolve({ status: res.statusCode ?? 0, body: '' });
          req.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          if (size < 4096) chunks.push(d);
          size += d.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, 300) }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, body: '' }));
      },
    );
    req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', (e) => resolve({ status: 0, body: e.message }));
    if (payload !== null) req.write(payload);
    req.end();
  });
}
