// An anchor sink off the database host: a JetStream stream on NATS with its own retention. Each
// anchor is one message on `<subject>`; the stream denies deleting and purging messages through the
// API (deny_delete, deny_purge), keeps them for `maxAgeMs` (0: for ever) and lives on whatever host
// the NATS server does. Imported as `@industrial/eventstore/jetstream`, so stores without it load no NATS client.
import { connect, nanos, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import {
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { AnchorSink } from './anchors.ts';
import { InvalidArgumentError } from './errors.ts';
import type { Anchor } from './types.ts';

const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const SUBJECT = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export interface JetStreamAnchorSinkOptions {
  /** NATS servers; ignored when `connection` is given. */
  servers?: string | readonly string[];
  /** An open connection to use (the caller keeps owning it); otherwise the sink connects and owns its connection. */
  connection?: NatsConnection;
  /** Further connect options (credentials, TLS) when the sink connects itself. */
  connectOptions?: Partial<ConnectionOptions>;
  /** Stream name (letters, digits, _ and -). Default LEDGER_ANCHORS. */
  stream?: string;
  /** Subject the anchors are published on. Default `ledger.anchors.<stream>`. */
  subject?: string;
  /** Retention: anchors older than this are dropped by the server (0: kept for ever). Default 0. */
  maxAgeMs?: number;
  /** How long a publish waits for the stream's acknowledgement. Default 5 s. */
  timeoutMs?: number;
}

export class JetStreamAnchorSink implements AnchorSink {
  readonly name: string;
  readonly stream: string;
  readonly subject: string;
  private readonly nc: NatsConnection;
  private readonly owns: boolean;
  private readonly js: JetStreamClient;
  private readonly jsm: JetStreamManager;
  private readonly timeoutMs: number;

  constructor(nc: NatsConnection, owns: boolean, jsm: JetStreamManager, stream: string, subject: string, timeoutMs: number) {
    this.nc = nc;
    this.owns = owns;
    this.jsm = jsm;
    this.js = jetstream(nc);
    this.stream = stream;
    this.subject = subject;
    this.timeoutMs = timeoutMs;
    this.name = `jetstream:${stream}`;
  }

  async write(anchor: Anchor): Promise<void> {
    // msgID: a retried write of the same anchor is stored once (the stream's duplicate window).
    await this.js.publish(this.subject, JSON.stringify(anchor), {
      msgID: `${anchor.position}:${anchor.signedAt}`,
      expect: { streamName: this.stream },
      timeout: this.timeoutMs,
    });
  }

  async list(limit?: number): Promise<unknown[]> {
    const info = await this.jsm.streams.info(this.stream);
    if (info.state.messages === 0) return [];
    const last = info.state.last_seq;
    const from = Math.max(info.state.first_seq, limit === undefined ? 0 : last - limit + 1);
    // The stream holds only this subject (ensureStream), so no filter: filter_subjects needs a 2.10 server.
    const consumer = await this.js.consumers.get(this.stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from });
    const out: unknown[] = [];
    let seq = 0;
    while (seq < last) {
      const batch = await consumer.fetch({ max_messages: 1000, expires: this.timeoutMs });
      let got = 0;
      for await (const m of batch) {
        got++;
        seq = m.seq;
        out.push(parse(m.string()));
        if (seq >= last) break;
      }
      if (got === 0) break;
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.owns) await this.nc.close();
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // not JSON: verify reports it as an entry that is no anchor
  }
}

/** Connects (unless given a connection), creates the stream when it does not exist, and returns the sink. */
export async function openJetStreamAnchorSink(options: JetStreamAnchorSinkOptions): Promise<JetStreamAnchorSink> {
  const stream = options.stream ?? 'LEDGER_ANCHORS';
  if (!STREAM_NAME.test(stream)) throw new InvalidArgumentError('stream', 'must be 1–64 letters, digits, _ or -');
  const subject = options.subject ?? `ledger.anchors.${stream}`;
  if (!SUBJECT.test(subject)) throw new InvalidArgumentError('subject', 'must be a NATS subject without wildcards');
  const maxAgeMs = options.maxAgeMs ?? 0;
  if (!Number.isSafeInteger(maxAgeMs) || maxAgeMs < 0) throw new InvalidArgumentError('maxAgeMs', 'must be an integer ≥ 0');
  const owns = options.connection === undefined;
  let nc: NatsConnection;
  if (options.connection) nc = options.connection;
  else {
    const servers = options.servers ?? 'nats://127.0.0.1:4222';
    try {
      nc = await connect({
        ...options.connectOptions,
        servers: typeof servers === 'string' ? servers : [...servers],
        name: 'eventstore-anchors',
        maxReconnectAttempts: -1,
      });
    } catch (error) {
      throw new Error(`anchor sink: cannot connect to NATS at ${String(servers)}: ${(error as Error).message}`, { cause: error });
    }
  }
  try {
    const jsm = await jetstreamManager(nc);
    await ensureStream(jsm, stream, subject, maxAgeMs);
    return new JetStreamAnchorSink(nc, owns, jsm, stream, subject, options.timeoutMs ?? 5_000);
  } catch (error) {
    if (owns) await nc.close().catch(() => undefined);
    throw error;
  }
}

async function ensureStream(jsm: JetStreamManager, stream: string, subject: string, maxAgeMs: number): Promise<void> {
  try {
    const info = await jsm.streams.info(stream);
    if (!info.config.subjects?.includes(subject))
      throw new Error(`anchor sink: stream ${stream} exists but does not hold subject ${subject} (subjects: ${(info.config.subjects ?? []).join(', ')})`);
    return;
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
  }
  await jsm.streams.add({
    name: stream,
    subjects: [subject],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(maxAgeMs),
    max_msg_size: 4096,
    deny_delete: true,
    deny_purge: true,
    num_replicas: 1,
  });
}
