// What a data source is (OPC UA endpoint or MQTT broker) and the rules its registration must
// satisfy. Validation returns the field and the reason, so gRPC and the config file can name them.
import { z } from 'zod';
import { parseUnsAssetPath } from '@industrial/contracts';
import { InvalidSourceInputError } from './errors.ts';
import { toUnsToken } from './mapping.ts';

export const SecurityMode = z.enum(['None', 'Sign', 'SignAndEncrypt']);
export type SecurityMode = z.infer<typeof SecurityMode>;
export const SecurityPolicy = z.enum(['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss']);
export type SecurityPolicy = z.infer<typeof SecurityPolicy>;
export const OverflowPolicy = z.enum(['drop-oldest', 'drop-newest']);
export type OverflowPolicy = z.infer<typeof OverflowPolicy>;

const Deadband = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('absolute'), value: z.number().min(0) }),
  /** Percent of the EURange; only valid on AnalogItems (the server refuses it otherwise). */
  z.strictObject({ type: z.literal('percent'), value: z.number().min(0).max(100) }),
]);
export type Deadband = z.infer<typeof Deadband>;

const Auth = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('anonymous') }),
  z.strictObject({ kind: z.literal('userPassword'), username: z.string().min(1).max(200), password: z.string().min(1).max(500) }),
]);
export type SourceAuth = z.infer<typeof Auth>;

const Subscription = z.strictObject({
  samplingIntervalMs: z.int().min(10).max(3_600_000).default(250),
  publishingIntervalMs: z.int().min(50).max(3_600_000).default(1000),
  queueSize: z.int().min(1).max(10_000).default(10),
  deadband: Deadband.default({ type: 'none' }),
});

const SourceBase = {
  sourceId: z.uuid('must be a UUID'),
  name: z.string().trim().min(1, 'must not be blank').max(120),
  auth: Auth.default({ kind: 'anonymous' }),
  subscription: Subscription.default({ samplingIntervalMs: 250, publishingIntervalMs: 1000, queueSize: 10, deadband: { type: 'none' } }),
  /** Store-and-forward capacity for this source, in samples. */
  bufferCapacity: z.int().min(1).max(100_000_000).default(1_000_000),
};

export const OpcUaSourceSpec = z
  .strictObject({
    ...SourceBase,
    protocol: z.literal('opcua'),
    endpoint: z
      .string()
      .max(500)
      .regex(/^opc\.tcp:\/\/[^\s/]+(\/\S*)?$/, 'must be an opc.tcp://host:port endpoint'),
    securityMode: SecurityMode.default('SignAndEncrypt'),
    securityPolicy: SecurityPolicy.default('Basic256Sha256'),
    /** Browse the ISA-95 tree below this node and map every variable (enterprise/site/area/line/asset/tag). */
    autoMapRoot: z.string().min(1).max(500).nullable().default(null),
  })
  .superRefine((s, ctx) => {
    if ((s.securityMode === 'None') !== (s.securityPolicy === 'None')) {
      ctx.addIssue({
        code: 'custom',
        path: ['securityPolicy'],
        message: `security policy ${s.securityPolicy} does not go with security mode ${s.securityMode}`,
      });
    }
  });

/** A Sparkplug group / edge node / device id: an MQTT topic level (no `/`, `+`, `#`). */
const SparkplugId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^/+#]+$/, 'must not contain /, + or #');
const UnsTokenField = z.string().regex(/^[a-z0-9_-]{1,64}$/, 'must be a UNS token (lowercase letters, digits, "_" and "-", at most 64)');

export const PayloadFormat = z.enum(['json', 'sparkplug-b']);
export type PayloadFormat = z.infer<typeof PayloadFormat>;

/**
 * Sparkplug B: one group per source (subscribes `spBv1.0/<groupId>/#`). Edge nodes and devices map to
 * `<enterprise>.<site>.<area>.<line = edge node>.<asset = device | nodeAsset>` unless `assets` names
 * their asset path; metric names become tags.
 */
export const SparkplugConfig = z.strictObject({
  groupId: SparkplugId,
  enterprise: UnsTokenField,
  site: UnsTokenField,
  /** Default: the group id as a UNS token. */
  area: UnsTokenField.optional(),
  /** The asset of an edge node's own metrics (its devices are assets of their own). */
  nodeAsset: UnsTokenField.default('node'),
  assets: z
    .array(
      z.strictObject({
        edgeNode: SparkplugId,
        /** null/absent: the edge node's own metrics. */
        device: SparkplugId.nullable().default(null),
        assetPath: z.string().max(330),
      }),
    )
    .max(10_000)
    .default([]),
  /** Least time between two rebirth requests (NCMD) to one edge node. */
  rebirthIntervalMs: z.int().min(0).max(3_600_000).default(5_000),
});
export type SparkplugConfig = z.infer<typeof SparkplugConfig>;

export const MqttSourceSpec = z
  .strictObject({
    ...SourceBase,
    protocol: z.literal('mqtt'),
    endpoint: z
      .string()
      .max(500)
      .regex(/^mqtts?:\/\/\S+$/, 'must be an mqtt:// or mqtts:// URL'),
    securityMode: z.literal('None').default('None'),
    securityPolicy: z.null().default(null),
    /** `json`: explicit topic → tag mappings; `sparkplug-b`: tags from the births of `sparkplug.groupId`. */
    payloadFormat: PayloadFormat.default('json'),
    sparkplug: SparkplugConfig.nullable().default(null),
  })
  .superRefine((s, ctx) => {
    if (s.payloadFormat === 'sparkplug-b' && s.sparkplug === null) {
      ctx.addIssue({ code: 'custom', path: ['sparkplug'], message: 'is required with payloadFormat sparkplug-b (groupId, enterprise, site)' });
    }
    if (s.payloadFormat === 'json' && s.sparkplug !== null) {
      ctx.addIssue({ code: 'custom', path: ['sparkplug'], message: 'only goes with payloadFormat sparkplug-b' });
    }
    if (s.sparkplug === null) return;
    if (s.sparkplug.area === undefined && toUnsToken(s.sparkplug.groupId) === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['sparkplug', 'area'],
        message: `is required: group id "${s.sparkplug.groupId}" has no character usable in a UNS token`,
      });
    }
    const seen = new Set<string>();
    s.sparkplug.assets.forEach((a, i) => {
      const key = `${a.edgeNode}/${a.device ?? ''}`;
      if (seen.has(key))
        ctx.addIssue({ code: 'custom', path: ['sparkplug', 'assets', i], message: `${a.edgeNode}${a.device === null ? '' : `/${a.device}`} is mapped twice` });
      seen.add(key);
      try {
        parseUnsAssetPath(a.assetPath);
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: ['sparkplug', 'assets', i, 'assetPath'], message: e instanceof Error ? e.message : String(e) });
      }
    });
  });

/** A stored or parsed MQTT spec's payload format (specs stored before it existed are JSON). */
export const payloadFormatOf = (spec: MqttSourceSpec): PayloadFormat => spec.payloadFormat ?? 'json';

export const SourceSpec = z.discriminatedUnion('protocol', [OpcUaSourceSpec, MqttSourceSpec]);
export type SourceSpec = z.infer<typeof SourceSpec>;
export type SourceSpecInput = z.input<typeof SourceSpec>;
export type OpcUaSourceSpec = z.infer<typeof OpcUaSourceSpec>;
export type MqttSourceSpec = z.infer<typeof MqttSourceSpec>;

/** Validates a registration; throws InvalidSourceInputError naming the first bad field. */
export function parseSourceSpec(input: unknown): SourceSpec {
  const r = SourceSpec.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.length === 0 ? 'source' : issue.path.map(String).join('.');
  throw new InvalidSourceInputError(field, issue.message);
}

/** The part of a spec that may be written to events and shown to users (no password). */
export function publicSpec(spec: SourceSpec): Omit<SourceSpec, 'auth'> & { auth: { kind: SourceAuth['kind']; username?: string } } {
  const auth = spec.auth.kind === 'userPassword' ? { kind: spec.auth.kind, username: spec.auth.username } : { kind: spec.auth.kind };
  return { ...spec, auth } as Omit<SourceSpec, 'auth'> & { auth: { kind: SourceAuth['kind']; username?: string } };
}
