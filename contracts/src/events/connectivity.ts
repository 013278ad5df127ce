// Connectivity events (owner: connectivity): sources, tag mappings and link health, in `source-<id>` streams.
import { z } from 'zod';
import { Service, StreamFamily, defineContract } from '../contract.ts';
import { IsoDateTime, UnsAssetPath, UnsToken, Unit, Uuid, text } from '../primitives.ts';

export const SourceProtocol = z.enum(['opcua', 'mqtt', 'sparkplug', 'simulator']);
export const OpcUaSecurityMode = z.enum(['None', 'Sign', 'SignAndEncrypt']);
/** OPC UA 32-bit status code (e.g. 0x80AE0000 BadConnectionClosed). */
const StatusCode = z.int().min(0).max(0xffff_ffff);

const Endpoint = z
  .string()
  .max(500)
  .regex(/^(opc\.tcp|mqtts?|sim):\/\/\S+$/, 'must be an opc.tcp://, mqtt://, mqtts:// or sim:// endpoint');

export const sourceRegistered = defineContract({
  service: Service.Connectivity,
  streamFamily: StreamFamily.Source,
  description: 'A data source (OPC UA server, MQTT broker, simulator) was registered.',
  versions: [
    z.strictObject({
      sourceId: Uuid,
      name: text(120),
      protocol: SourceProtocol,
      endpoint: Endpoint,
      securityMode: OpcUaSecurityMode,
      /** OPC UA security policy URI suffix, e.g. `Basic256Sha256`; null for MQTT. */
      securityPolicy: z.string().max(60).nullable(),
      /** How often samples are batched and published, milliseconds. */
      publishingIntervalMs: z.int().min(50).max(3_600_000),
      /** Store-and-forward buffer size while the bus is unreachable, in samples. */
      bufferCapacity: z.int().min(1).max(100_000_000),
    }),
  ],
  upcasters: [],
});

export const tagMapped = defineContract({
  service: Service.Connectivity,
  streamFamily: StreamFamily.Source,
  description: 'A source address (OPC UA node id or MQTT topic) was mapped to a UNS asset tag.',
  versions: [
    z
      .strictObject({
        sourceId: Uuid,
        /** OPC UA NodeId (`ns=2;s=Filler3.Temp`) or MQTT topic / Sparkplug metric name. */
        address: text(500),
        assetPath: UnsAssetPath,
        tag: UnsToken,
        dataType: z.enum(['number', 'boolean', 'string']),
        /** Engineering unit; absent for booleans and strings. */
        unit: Unit.optional(),
        /** Plausible physical range; values outside raise a quality issue downstream. */
        range: z
          .strictObject({ low: z.number(), high: z.number() })
          .refine((r) => r.high > r.low, { message: 'must be above low', path: ['high'] })
          .optional(),
        samplingIntervalMs: z.int().min(10).max(3_600_000),
      })
      .refine((t) => t.dataType === 'number' || (t.unit === undefined && t.range === undefined), {
        message: 'only numeric tags have a unit or a range',
        path: ['dataType'],
      }),
  ],
  upcasters: [],
});

export const sourceConnected = defineContract({
  service: Service.Connectivity,
  streamFamily: StreamFamily.Source,
  description: 'A session to the source was established (first time or after a loss).',
  versions: [
    z.strictObject({
      sourceId: Uuid,
      endpoint: Endpoint,
      securityMode: OpcUaSecurityMode,
      connectedAt: IsoDateTime,
      /** SHA-1 thumbprint of the server certificate that was trusted; null without security. */
      serverCertificateThumbprint: z
        .string()
        .regex(/^[0-9a-f]{40}$/, 'must be 40 lowercase hex characters')
        .nullable(),
      /** Samples buffered while disconnected that will now be forwarded. */
      bufferedSamples: z.int().nonnegative(),
    }),
  ],
  upcasters: [],
});

export const sourceLost = defineContract({
  service: Service.Connectivity,
  streamFamily: StreamFamily.Source,
  description: 'The session to a source was lost; samples are buffered until it reconnects.',
  versions: [
    z.strictObject({
      sourceId: Uuid,
      lostAt: IsoDateTime,
      reason: text(500),
      /** OPC UA status code of the failure when there is one. */
      statusCode: StatusCode.nullable(),
      /** Delay before the next reconnect attempt, milliseconds. */
      retryInMs: z.int().nonnegative(),
    }),
  ],
  upcasters: [],
});

export const bufferOverflowed = defineContract({
  service: Service.Connectivity,
  streamFamily: StreamFamily.Source,
  description: 'The store-and-forward buffer of a source filled up and samples were dropped.',
  versions: [
    z
      .strictObject({
        sourceId: Uuid,
        droppedSamples: z.int().min(1),
        bufferCapacity: z.int().min(1),
        policy: z.enum(['drop-oldest', 'drop-newest']),
        /** Source timestamps of the oldest and newest dropped sample: the gap in the historian. */
        oldestDroppedAt: IsoDateTime,
        newestDroppedAt: IsoDateTime,
      })
      .refine((b) => Date.parse(b.newestDroppedAt) >= Date.parse(b.oldestDroppedAt), {
        message: 'must not be before oldestDroppedAt',
        path: ['newestDroppedAt'],
      }),
  ],
  upcasters: [],
});

export const sparkplugRebirthRequested = defineContract({
  service: Service.Connectivity,
  streamFamily: StreamFamily.Source,
  description:
    'A Sparkplug B edge node was asked to publish its births again (NCMD Node Control/Rebirth): its messages were lost or reordered, or data came before its birth.',
  versions: [
    z.strictObject({
      sourceId: Uuid,
      groupId: text(128),
      edgeNode: text(128),
      /** sequence-gap: seq did not follow; data-before-birth: NDATA/DDATA from a node not born; unknown-alias: a metric alias its birth did not define. */
      reason: z.enum(['sequence-gap', 'data-before-birth', 'unknown-alias']),
      /** For a sequence gap: the seq expected and the one received (null when the message had none). */
      expectedSeq: z.int().min(0).max(255).nullable(),
      receivedSeq: z.int().min(0).max(255).nullable(),
      requestedAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});
