// Least-privilege NATS permissions per service (ADR 0010), as data, and the nats-server
// `authorization` block that grants them to nkey users. Under a deployment prefix P every subject
// is `P.<subject>` and every stream `P_<stream>`; a user may publish only what its service
// produces (connectivity `uns.>`, the relay `evt.>`), use the JetStream API only for its own
// streams and durables, and receive replies only on its own inbox prefix (`_INBOX_<service>.>`,
// so no one reads another service's pull deliveries or API replies).

/** What one service does on the bus. */
export interface ServiceGrant {
  /** Service (and user) name: [a-z0-9-]+; also names the inbox prefix. */
  readonly service: string;
  /** Logical subjects it publishes (`uns.>`); JetStream streams must capture them. */
  readonly publishes?: readonly string[];
  /** Streams it creates and updates (stream setup as code). */
  readonly ownsStreams?: readonly string[];
  /**
   * Streams and durables it consumes. Durable `*` allows any durable (and ephemeral, ordered
   * consumers) on that stream: for replicas whose durable names are not known in advance.
   */
  readonly consumes?: readonly { readonly stream: string; readonly durables: readonly string[] }[];
  /** Core NATS subjects it publishes and subscribes to (no JetStream), e.g. heartbeats. */
  readonly core?: readonly string[];
  /** Server-level subjects, not under the prefix (for clients that name them fully themselves). */
  readonly exact?: { readonly publish?: readonly string[]; readonly subscribe?: readonly string[] };
  /** Its reply subject prefix; default `inboxPrefixFor(service)`. */
  readonly inbox?: string;
}

export interface SubjectPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
}

/** The inbox prefix a service's connection uses (NatsConnectSettings.inboxPrefix): replies are readable by it alone. */
export const inboxPrefixFor = (service: string): string => `_INBOX_${service}`;

/** The grants of the platform's services (stream and durable names as the services use them). */
export const PLATFORM_GRANTS: readonly ServiceGrant[] = [
  { service: 'connectivity', publishes: ['uns.>'], ownsStreams: ['UNS'] },
  { service: 'relay', publishes: ['evt.>'], ownsStreams: ['EVENTS'] },
  {
    service: 'dataops',
    consumes: [
      { stream: 'UNS', durables: ['dataops-historian'] },
      { stream: 'EVENTS', durables: ['dataops-events'] },
    ],
  },
  { service: 'training', consumes: [{ stream: 'EVENTS', durables: ['training-retraining', 'training-retraining-drift', 'training-retraining-snapshots'] }] },
  // Durables `inference-<replica>`, plus ordered consumers that rebuild an asset's window; heartbeats on core NATS.
  { service: 'inference', consumes: [{ stream: 'UNS', durables: ['*'] }], core: ['inference.v1.members.>'] },
  // inference's prompt events → work orders, webhooks, notifications, SCADA (services/integration).
  { service: 'integration', consumes: [{ stream: 'EVENTS', durables: ['integration-actions'] }] },
];

/**
 * Governance's chain-anchor stream (@industrial/eventstore/jetstream, ANCHOR_NATS_STREAM: a full
 * server name, prefix included): it publishes `ledger.anchors.<stream>`, sets the stream up and
 * reads it back with ordered consumers. Its replies come on its own `_INBOX_governance` like every
 * other service's (NATS_INBOX_PREFIX), never on the shared default `_INBOX`.
 */
export function anchorStreamGrant(stream: string): ServiceGrant {
  const consumer = ['INFO', 'CREATE', 'DELETE', 'MSG.NEXT'].map((op) => `$JS.API.CONSUMER.${op}.${stream}.*`);
  return {
    service: 'governance',
    exact: { publish: [`ledger.anchors.${stream}`, ...streamApi(stream), `$JS.API.CONSUMER.CREATE.${stream}.*.>`, ...consumer, `$JS.ACK.${stream}.>`] },
  };
}

function streamApi(s: string): string[] {
  return ['INFO', 'CREATE', 'UPDATE'].map((op) => `$JS.API.STREAM.${op}.${s}`);
}

/** The publish/subscribe allow lists of one service under `prefix` (none: the subjects as they are). */
export function permissionsFor(grant: ServiceGrant, prefix?: string): SubjectPermissions {
  const subj = (s: string): string => (prefix === undefined ? s : `${prefix}.${s}`);
  const stream = (s: string): string => (prefix === undefined ? s : `${prefix}_${s}`);
  const publish = new Set<string>(['$JS.API.INFO']);
  const subscribe = new Set<string>([`${grant.inbox ?? inboxPrefixFor(grant.service)}.>`, ...(grant.exact?.subscribe ?? [])]);
  for (const s of grant.exact?.publish ?? []) publish.add(s);
  for (const s of grant.publishes ?? []) publish.add(subj(s));
  for (const s of grant.ownsStreams ?? []) for (const a of streamApi(stream(s))) publish.add(a);
  for (const { stream: logical, durables } of grant.consumes ?? []) {
    const s = stream(logical);
    const dlq = stream(`${logical}_DLQ`);
    // Only a stream's owner creates or updates it; a consumer looks it up (and waits for it). Its
    // dead-letter stream is its own.
    publish.add(`$JS.API.STREAM.INFO.${s}`);
    for (const a of streamApi(dlq)) publish.add(a);
    publish.add(`$JS.API.STREAM.MSG.GET.${s}`); // the MAX_DELIVERIES safety net reads the message back
    for (const d of durables) {
      const any = d === '*';
      const name = any ? '*' : d;
      publish.add(`$JS.API.CONSUMER.INFO.${s}.${name}`);
      publish.add(`$JS.API.CONSUMER.CREATE.${s}.${name}`);
      publish.add(`$JS.API.CONSUMER.CREATE.${s}.${name}.>`);
      publish.add(`$JS.API.CONSUMER.DURABLE.CREATE.${s}.${name}`);
      publish.add(`$JS.API.CONSUMER.MSG.NEXT.${s}.${name}`);
      if (any) publish.add(`$JS.API.CONSUMER.DELETE.${s}.*`); // ordered consumers clean up after themselves
      publish.add(`$JS.ACK.${s}.${name}.>`);
      publish.add(subj(`dlq.${logical}.${name}`));
      subscribe.add(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${s}.${name}`);
    }
  }
  for (const s of grant.core ?? []) {
    publish.add(subj(s));
    subscribe.add(subj(s));
  }
  return { publish: [...publish], subscribe: [...subscribe] };
}

const quote = (s: string): string => JSON.stringify(s);

/**
 * The nats-server `authorization` block: one nkey user per service with its permissions (anything
 * not allowed is denied; an unauthenticated connection is refused). `users`: service → nkey public key.
 */
export function natsAuthorizationConfig(users: Readonly<Record<string, string>>, grants: readonly ServiceGrant[] = PLATFORM_GRANTS, prefix?: string): string {
  const lines = ['authorization {', '  users = ['];
  for (const grant of grants) {
    const nkey = users[grant.service];
    if (nkey === undefined) continue;
    const p = permissionsFor(grant, prefix);
    lines.push(
      `    # ${grant.service}`,
      `    { nkey: ${quote(nkey)}, permissions: {`,
      `      publish: { allow: [${p.publish.map(quote).join(', ')}] },`,
      `      subscribe: { allow: [${p.subscribe.map(quote).join(', ')}] }`,
      '    } }',
    );
  }
  lines.push('  ]', '}');
  return `${lines.join('\n')}\n`;
}
