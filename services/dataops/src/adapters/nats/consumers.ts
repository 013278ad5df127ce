// NATS consumers of dataops: UNS sample batches (durable, work shared by `concurrency`
// consumers, invalid payloads dead-lettered at once) and the integration events it reacts to
// (FaultLabelled → labels, TagMapped → catalog). Handlers return → ack; throw → redelivery.
import type { Bus, BusLogger, ConsumerHandle } from '@industrial/bus';
import {
  IsoDateTime,
  UnsAssetPath,
  UnsSampleBatchSchema,
  UnsToken,
  Unit,
  Uuid,
  parseIntegrationEvent,
  severityOfStatusCode,
  type IntegrationEvent,
  type UnsSampleBatch,
} from '@industrial/contracts';

export interface UnsConsumerOptions {
  stream: string;
  durable: string;
  filterSubject: string;
  concurrency: number;
  prefetch?: number;
  maxDeliver?: number;
  backoffMs?: readonly number[];
}

export async function startUnsConsumers(bus: Bus, options: UnsConsumerOptions, handle: (batch: UnsSampleBatch) => Promise<void>): Promise<ConsumerHandle[]> {
  const handles: ConsumerHandle[] = [];
  for (let i = 0; i < options.concurrency; i++) {
    // The bus calls `validate` (with the parsed payload) and then, synchronously, `handler` for the
    // same delivery: the validated object is handed over instead of parsing the bytes again.
    let validated: UnsSampleBatch | undefined;
    handles.push(
      await bus.consume({
        stream: options.stream,
        durable: options.durable,
        filterSubject: options.filterSubject,
        prefetch: options.prefetch ?? 16,
        maxDeliver: options.maxDeliver ?? 5,
        backoffMs: options.backoffMs ?? [500, 2_000, 10_000],
        validate: (data) => {
          validated = undefined;
          const r = checkUnsSampleBatch(data);
          if (r.ok) validated = data as UnsSampleBatch;
          return r;
        },
        handler: async (msg) => {
          const batch = validated ?? (msg.json() as UnsSampleBatch);
          validated = undefined;
          return handle(batch);
        },
      }),
    );
  }
  return handles;
}

/**
 * UnsSampleBatch check, fast path first: a structural pass that accepts only what the contract
 * schema accepts, checking each distinct tag, unit, status code and timestamp string once (a
 * batch repeats them across samples) with the contract's own schemas. Anything it does not accept
 * goes through the full schema, whose verdict (and message) counts.
 */
export function checkUnsSampleBatch(data: unknown): { ok: true } | { ok: false; error: string } {
  if (fastUnsSampleBatch(data)) return { ok: true };
  const r = UnsSampleBatchSchema.safeParse(data);
  return r.success
    ? { ok: true }
    : { ok: false, error: `not a UnsSampleBatch: ${r.error.issues[0]?.path.join('.') ?? ''} ${r.error.issues[0]?.message ?? ''}` };
}

const BATCH_KEYS = new Set(['batchId', 'sourceId', 'assetPath', 'samples', 'plantTime']);
const SAMPLE_KEYS = new Set(['tag', 'value', 'unit', 'quality', 'sourceTimestamp', 'serverTimestamp']);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Distinct values already proven valid by the contract schema (bounded, so a flood of unique values cannot grow it). */
class Proven {
  readonly #ok = new Set<string>();
  constructor(readonly check: (v: string) => boolean) {}
  has(v: unknown): boolean {
    if (typeof v !== 'string') return false;
    if (this.#ok.has(v)) return true;
    if (!this.check(v)) return false;
    if (this.#ok.size > 50_000) this.#ok.clear();
    this.#ok.add(v);
    return true;
  }
}
const tags = new Proven((v) => UnsToken.safeParse(v).success);
const units = new Proven((v) => Unit.safeParse(v).success);
const uuids = new Proven((v) => Uuid.safeParse(v).success);
const assets = new Proven((v) => UnsAssetPath.safeParse(v).success);
const times = new Proven((v) => IsoDateTime.safeParse(v).success);

function onlyKeys(o: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const k in o) if (!allowed.has(k)) return false;
  return true;
}

function fastUnsSampleBatch(data: unknown): boolean {
  if (!isRecord(data) || !onlyKeys(data, BATCH_KEYS)) return false;
  if (!uuids.has(data.batchId) || !uuids.has(data.sourceId) || !assets.has(data.assetPath) || !times.has(data.plantTime)) return false;
  const samples = data.samples;
  if (!Array.isArray(samples) || samples.length < 1 || samples.length > 10_000) return false;
  let lastCode = -1;
  for (const s of samples as unknown[]) {
    if (!isRecord(s) || !onlyKeys(s, SAMPLE_KEYS)) return false;
    if (!tags.has(s.tag) || !times.has(s.sourceTimestamp) || !times.has(s.serverTimestamp)) return false;
    const v = s.value;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return false;
    } else if (typeof v === 'string') {
      if (v.length > 1000 || s.unit !== undefined) return false;
    } else if (typeof v !== 'boolean' || s.unit !== undefined) return false;
    if (s.unit !== undefined && !units.has(s.unit)) return false;
    const q = s.quality;
    if (!isRecord(q) || !onlyKeys(q, QUALITY_KEYS) || typeof q.severity !== 'string') return false;
    const code = q.code;
    if (code !== lastCode) {
      if (typeof code !== 'number' || !Number.isSafeInteger(code) || code < 0 || code > 0xffff_ffff) return false;
      lastCode = code;
    }
    if (severityOfStatusCode(code as number) !== q.severity) return false;
  }
  return true;
}
const QUALITY_KEYS = new Set(['severity', 'code']);

export interface EventConsumerOptions {
  stream: string;
  durable: string;
  filterSubject: string;
}

/** Integration events: validated and upcast by the contracts; unknown types are acked and ignored. */
export async function startEventConsumer(
  bus: Bus,
  options: EventConsumerOptions,
  handle: (event: IntegrationEvent) => Promise<void>,
  logger: BusLogger,
): Promise<ConsumerHandle> {
  return bus.consume({
    stream: options.stream,
    durable: options.durable,
    filterSubject: options.filterSubject,
    maxDeliver: 5,
    backoffMs: [500, 2_000, 10_000],
    validate: (data) => {
      try {
        parseIntegrationEvent(data);
        return { ok: true };
      } catch (e) {
        return { ok: false, error: e instanceof Error ? e.message : String(e) };
      }
    },
    handler: async (msg) => {
      const event = parseIntegrationEvent(msg.json());
      try {
        await handle(event);
      } catch (e) {
        logger.warn({ err: e, eventId: event.id, type: event.type }, 'dataops could not handle an integration event; it will be retried');
        throw e;
      }
    },
  });
}
