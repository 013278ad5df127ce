// The chain-anchor stream's NATS connection (ANCHOR_NATS_URL): a NATS client of the deployment like
// every other process, opened with the bus's connectNats: its credentials, its own reply prefix
// (NATS_INBOX_PREFIX, _INBOX_governance under the least-privilege config) and TLS, and the same first
// connect (attempts of 15 s, 30 s, … within 60 s; a dropped handshake retried, a refusal final), so
// a loaded host or a cluster start does not stop governance where the rest of the platform connects.
import { connectNats, type NatsEnvSettings } from '@industrial/bus';

type NatsConnection = Awaited<ReturnType<typeof connectNats>>;

/**
 * Connects to `servers` (ANCHOR_NATS_URL); a failure names ANCHOR_NATS_URL, not the bus's NATS_URL.
 * `signal` (the lifecycle's, aborted by SIGTERM during the start) abandons the connect.
 */
export async function connectAnchorNats(servers: string, nats: NatsEnvSettings, signal?: AbortSignal): Promise<NatsConnection> {
  const { credentials, inboxPrefix, tls } = nats;
  try {
    return await connectNats({
      servers,
      name: 'governance-anchors',
      ...(credentials === undefined ? {} : { credentials }),
      ...(inboxPrefix === undefined ? {} : { inboxPrefix }),
      ...(tls === undefined ? {} : { tls }),
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    if (signal?.aborted === true) throw error; // the process stops: nothing to explain
    // connectNats names the variable it is usually given (NATS_URL); governance reads ANCHOR_NATS_URL only,
    // so its message without that name, and its cause (the client's error) as this one's: the log shows no NATS_URL.
    const e = error as Error;
    throw new Error(`ANCHOR_NATS_URL ${servers}: the JetStream anchor sink cannot be opened: ${e.message.replace(' (NATS_URL)', '')}`, {
      cause: e.cause ?? e,
    });
  }
}
