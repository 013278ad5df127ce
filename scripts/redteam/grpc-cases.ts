// gRPC attack cases: every method of every platform service (enumerated from the committed
// descriptor set, the one reflection serves) called with each forged token, then fuzzed with a
// genuine token (malformed bytes, int64 beyond 2^53, control characters, 1 MiB strings), and the
// ImportCsv message orders that once ended dataops. Raw bytes on the wire: no client-side checks.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import { createFileRegistry, fromBinary, type DescMessage } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { dataopsV1 } from '@industrial/grpc';
import type { Forgery } from './tokens.ts';
import type { Tally } from './tally.ts';
import { grpcCredentials } from './transport.ts';

export interface GrpcMethod {
  readonly service: string;
  readonly path: string;
  readonly kind: 'unary' | 'server_streaming' | 'client_streaming' | 'bidi_streaming';
  readonly input: DescMessage;
}

const require = createRequire(import.meta.url);

/** Every method of every platform service in the descriptor set (grpc.health excluded: it is public by design). */
export function platformMethods(): GrpcMethod[] {
  const file = require.resolve('@industrial/grpc').replace(/index\.ts$/, 'gen/descriptors.binpb');
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(file)));
  const out: GrpcMethod[] = [];
  for (const d of registry) {
    if (d.kind !== 'service' || !d.typeName.startsWith('industrial.')) continue;
    for (const m of d.methods) out.push({ service: d.typeName, path: `/${d.typeName}/${m.name}`, kind: m.methodKind, input: m.input });
  }
  return out;
}

// --- a hand-rolled protobuf writer: any value of any field, whatever a client library would allow ---
function varint(v: bigint): Buffer {
  const bytes: number[] = [];
  let x = BigInt.asUintN(64, v);
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) b |= 0x80;
    bytes.push(b);
  } while (x !== 0n);
  return Buffer.from(bytes);
}
const tag = (n: number, wire: number): Buffer => varint(BigInt((n << 3) | wire));
const delimited = (n: number, body: Buffer): Buffer => Buffer.concat([tag(n, 2), varint(BigInt(body.length)), body]);

export type FuzzMode = 'int64' | 'control' | 'oversized';
const CONTROL = 'a\u0000b\u202ec\u0007\u001bd';
const BIG = 'A'.repeat(1024 * 1024);

/** Every field of `desc` set (nested messages two levels deep) as `mode` says. */
export function fuzzBody(desc: DescMessage, mode: FuzzMode, depth = 0): Buffer {
  const parts: Buffer[] = [];
  let big = 0;
  for (const f of desc.fields) {
    const n = f.number;
    const t = f.proto.type as number;
    if (t === 9 || t === 12) {
      const text = mode === 'control' ? CONTROL : mode === 'oversized' && depth === 0 && big++ < 2 ? BIG : 'x';
      parts.push(delimited(n, Buffer.from(text)));
    } else if (t === 11) {
      const sub = f.fieldKind === 'message' || f.fieldKind === 'list' ? (f.message as DescMessage | undefined) : undefined;
      if (sub !== undefined && depth < 2) parts.push(delimited(n, fuzzBody(sub, mode, depth + 1)));
    } else if (t === 3 || t === 4 || t === 5 || t === 13 || t === 8 || t === 14) {
      // int64 9223372036854775807, uint64 2^64-1, int32 -1 (ten bytes), enum 999, bool 2
      const v = mode !== 'int64' ? 1n : t === 3 ? 2n ** 63n - 1n : t === 4 ? 2n ** 64n - 1n : t === 14 ? 999n : t === 8 ? 2n : -1n;
      parts.push(Buffer.concat([tag(n, 0), varint(v)]));
    } else if (t === 18 || t === 17) {
      parts.push(Buffer.concat([tag(n, 0), varint(mode === 'int64' ? 2n ** 64n - 1n : 2n)])); // zigzag: -2^63
    } else if (t === 1 || t === 6 || t === 16) {
      const b = Buffer.alloc(8);
      if (t === 1) b.writeDoubleLE(mode === 'int64' ? Number.NaN : 1);
      else b.writeBigUInt64LE(mode === 'int64' ? 2n ** 64n - 1n : 1n);
      parts.push(Buffer.concat([tag(n, 1), b]));
    } else if (t === 2 || t === 7 || t === 15) {
      const b = Buffer.alloc(4);
      if (t === 2) b.writeFloatLE(mode === 'int64' ? Number.POSITIVE_INFINITY : 1);
      else b.writeUInt32LE(mode === 'int64' ? 0xffffffff : 1);
      parts.push(Buffer.concat([tag(n, 5), b]));
    }
  }
  return Buffer.concat(parts);
}

/** Bytes no protobuf parser accepts: a length prefix far beyond the message, then a truncated varint. */
export const GARBAGE = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02, 0xff]);

export interface CallResult {
  code: number;
  /** Data messages received (server streams) or 1 for a unary answer. */
  received: number;
  details: string;
}

const identity = (b: Buffer): Buffer => b;
const STREAM_WATCH_MS = 2_000;

/** One call with raw request bytes (client streams: each buffer one message). A server stream is cancelled after its first message or 2 s. */
export function rawCall(
  client: grpc.Client,
  m: GrpcMethod,
  messages: Buffer[],
  token: string | null,
  correlationId: string,
  deadlineMs = 8_000,
): Promise<CallResult> {
  const md = new grpc.Metadata();
  if (token !== null) md.set('authorization', `Bearer ${token}`);
  md.set('x-correlation-id', correlationId);
  const options = { deadline: Date.now() + deadlineMs };
  return new Promise((resolve) => {
    const done = (e: grpc.ServiceError | null, received: number): void =>
      resolve({ code: e === null ? 0 : (e.code ?? 2), received, details: e === null ? '' : String(e.details ?? e.message).slice(0, 200) });
    if (m.kind === 'unary') {
      client.makeUnaryRequest(m.path, identity, identity, messages[0] ?? Buffer.alloc(0), md, options, (e) => done(e, e === null ? 1 : 0));
    } else if (m.kind === 'client_streaming') {
      const call = client.makeClientStreamRequest(m.path, identity, identity, md, options, (e) => done(e, e === null ? 1 : 0));
      for (const b of messages) call.write(b);
      call.end();
    } else {
      let received = 0;
      let settled = false;
      const stream =
        m.kind === 'server_streaming'
          ? client.makeServerStreamRequest(m.path, identity, identity, messages[0] ?? Buffer.alloc(0), md, options)
          : client.makeBidiStreamRequest(m.path, identity, identity, md, options);
      const finish = (e: grpc.ServiceError | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        done(e, received);
      };
      // Still open and answering or quiet after the watch: a live stream, cancelled by us (not an error of the server).
      const timer = setTimeout(() => {
        finish(null);
        stream.cancel();
      }, STREAM_WATCH_MS);
      stream.on('data', () => {
        received++;
        finish(null);
        stream.cancel();
      });
      stream.on('error', (e: grpc.ServiceError) => finish(e));
      stream.on('end', () => finish(null));
      if (m.kind === 'bidi_streaming') {
        const duplex = stream as grpc.ClientDuplexStream<Buffer, Buffer>;
        for (const b of messages) duplex.write(b);
        duplex.end();
      }
    }
  });
}

const { OK, UNKNOWN, INTERNAL, UNAVAILABLE, DATA_LOSS, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED } = grpc.status;
/** A status no bad input should cause: the server failed, hung or went away. */
export const isServerError = (code: number): boolean => [UNKNOWN, INTERNAL, UNAVAILABLE, DATA_LOSS, DEADLINE_EXCEEDED].includes(code);

export interface GrpcTarget {
  address(service: string): string | undefined;
  alive(): boolean;
}

function clientFor(clients: Map<string, grpc.Client>, address: string): grpc.Client {
  let c = clients.get(address);
  if (c === undefined) {
    c = new grpc.Client(address, grpcCredentials(), { 'grpc.max_send_message_length': 8 * 1024 * 1024 });
    clients.set(address, c);
  }
  return c;
}

export async function grpcCases(
  target: GrpcTarget,
  methods: GrpcMethod[],
  forged: Forgery[],
  token: string,
  tally: Tally,
  log: (s: string) => void,
): Promise<void> {
  const clients = new Map<string, grpc.Client>();
  try {
    // 1. Token forgery on every method, plus no token at all: refused, never answered, and recorded.
    for (const m of methods) {
      const address = target.address(m.service);
      if (address === undefined) continue;
      const client = clientFor(clients, address);
      for (const f of [...forged, { name: 'no-token', token: null }]) {
        if (!target.alive() || !tally.take()) return;
        const cid = randomUUID();
        tally.counts.cases++;
        const r = await rawCall(client, m, [Buffer.alloc(0)], f.token, cid);
        tally.answered(`grpc forgery ${grpc.status[r.code]}`);
        if (r.code === OK && (m.kind === 'unary' || m.kind === 'client_streaming' || r.received > 0))
          tally.find('accepted_wrongly', `${m.path} answered a ${f.name} token`);
        else if (r.code === RESOURCE_EXHAUSTED) tally.rateLimited++;
        else tally.denials.set(cid, `${m.path} ${f.name} → ${grpc.status[r.code] ?? r.code}`);
        if (isServerError(r.code)) tally.find('server_errors', `${m.path} ${f.name} token → ${grpc.status[r.code]} ${r.details}`);
      }
    }
    log(`grpc: forgery on ${methods.length} methods done (${tally.requests} requests so far)`);
    // 2. Fuzzing with a genuine token: every answer a client error, never a server error.
    const bodies: { name: string; messages: (m: GrpcMethod) => Buffer[] }[] = [
      { name: 'garbage bytes', messages: () => [GARBAGE] },
      { name: 'int64 beyond 2^53, enum 999, NaN', messages: (m) => [fuzzBody(m.input, 'int64')] },
      { name: 'control and bidi-override characters', messages: (m) => [fuzzBody(m.input, 'control')] },
      { name: '1 MiB strings', messages: (m) => [fuzzBody(m.input, 'oversized')] },
    ];
    for (const m of methods) {
      const address = target.address(m.service);
      if (address === undefined) continue;
      const client = clientFor(clients, address);
      for (const b of bodies) {
        if (!target.alive() || !tally.take()) return;
        tally.counts.cases++;
        const r = await rawCall(client, m, b.messages(m), token, randomUUID());
        tally.answered(`grpc fuzz ${grpc.status[r.code]}`);
        // Not counted: an answer to a well-formed message can be right; listed so a reader can judge what was accepted.
        if (r.code === OK) tally.findings.push(`note: ${m.path} accepted ${b.name}`);
        if (r.code === RESOURCE_EXHAUSTED) tally.rateLimited++;
        if (isServerError(r.code)) tally.find('server_errors', `${m.path} ${b.name} → ${grpc.status[r.code]} ${r.details}`);
      }
    }
    log(`grpc: fuzzing done (${tally.requests} requests so far)`);
    // 3. ImportCsv in every order of messages that once ended the process.
    const importCsv = platformMethods().find((m) => m.path.endsWith('/ImportCsv')); // also when only a sample of methods is attacked
    const address = importCsv === undefined ? undefined : target.address(importCsv.service);
    if (importCsv !== undefined && address !== undefined) {
      const mapping = { format: 'wide', delimiter: ',', header: true, order: { column: 'cycle' }, fields: [{ column: 'pressure', name: 'pressure' }] };
      const enc = (m: dataopsV1.ImportCsvRequest): Buffer => Buffer.from(dataopsV1.ImportCsvRequest.encode(m).finish());
      const header = enc({
        header: { name: 'redteam.csv', mappingJson: JSON.stringify(mapping), datasetId: '', accessLevel: '', description: '' },
        chunk: undefined,
      });
      const chunk = (s: string): Buffer => enc({ header: undefined, chunk: Buffer.from(s) });
      const rows = Array.from({ length: 50 }, (_, i) => `${i + 1},${i}`).join('\n') + '\n';
      const orders: { name: string; messages: Buffer[] }[] = [
        {
          name: 'bad row then more chunks',
          messages: [header, chunk('cycle,pressure\n1,2\nnot-a-number,oops\n'), ...Array.from({ length: 40 }, () => chunk(rows))],
        },
        { name: 'two headers', messages: [header, chunk('cycle,pressure\n1,2\n'), header, chunk('3,4\n')] },
        { name: 'chunk before the header', messages: [chunk('cycle,pressure\n1,2\n'), header] },
        { name: 'header only', messages: [header] },
        { name: 'garbage message mid-stream', messages: [header, chunk('cycle,pressure\n1,2\n'), GARBAGE, chunk('3,4\n')] },
      ];
      const client = clientFor(clients, address);
      for (const o of orders) {
        if (!target.alive() || !tally.take(o.messages.length)) return;
        tally.counts.cases++;
        const r = await rawCall(client, importCsv, o.messages, token, randomUUID(), 15_000);
        tally.answered(`grpc ImportCsv order ${grpc.status[r.code]}`);
        if (isServerError(r.code)) tally.find('server_errors', `ImportCsv ${o.name} → ${grpc.status[r.code]} ${r.details}`);
        await new Promise((res) => setTimeout(res, 200)); // a late crash shows before the next case
        if (!target.alive()) tally.find('crashes', `ImportCsv ${o.name} ended the process`);
      }
      log('grpc: ImportCsv message orders done');
    }
  } finally {
    for (const c of clients.values()) c.close();
  }
}
