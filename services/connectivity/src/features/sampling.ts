// Use case "sample a source into the buffer" (and its overflow decision): the samples of one
// source are batched per asset and cut once per OPC UA publish response (or by the publishing-
// interval timer for MQTT); each batch is validated against the UnsSampleBatch contract — the one
// parse of a batch on the hot path: the buffer stores it as JSON text and the forwarder publishes
// that text as is — and written to the store-and-forward buffer. When the source's share of the
// buffer is full, the buffer applies the overflow policy and the loss is recorded (BufferOverflowed).
import { UNS_PREFIX, parseUnsSampleBatch, type UnsSample, type UnsSampleBatch } from '@industrial/contracts';
import { Batcher, batchIdOf, type SequencedBatch } from '../domain/batcher.ts';
import { bufferOverflowed, type ConnectivityEvent } from '../domain/events.ts';
import type { TagMapping } from '../domain/mapping.ts';
import { StatusCode, qualityOf } from '../domain/quality.ts';
import type { OverflowPolicy, SourceSpec } from '../domain/source.ts';
import type { BufferedRow, ConnectivityLogger, SampleBuffer } from '../ports.ts';

export interface SamplingDeps {
  buffer: SampleBuffer;
  logger: ConnectivityLogger;
  overflowPolicy: OverflowPolicy;
  now: () => string;
  /** Records decisions of this source (serialised per source by the caller). */
  emit: (events: ConnectivityEvent[]) => void;
  /** Batches were written to the buffer (`rows`: as stored, in buffer order, for the forwarder). */
  onBuffered: (batches: readonly UnsSampleBatch[], rows: readonly BufferedRow[]) => void;
}

export class SourceSampler {
  readonly #spec: SourceSpec;
  readonly #d: SamplingDeps;
  readonly #batcher: Batcher;
  readonly #last = new Map<string, UnsSample['value']>();
  #timer: NodeJS.Timeout | null = null;
  #cutScheduled = false;
  #samples = 0;
  #batches = 0;

  constructor(spec: SourceSpec, deps: SamplingDeps) {
    this.#spec = spec;
    this.#d = deps;
    this.#batcher = new Batcher(spec.sourceId, deps.buffer.lastSequences(spec.sourceId));
  }

  get samplesReceived(): number {
    return this.#samples;
  }

  get batchesBuffered(): number {
    return this.#batches;
  }

  /** A complete sample (MQTT, Sparkplug B). */
  add(m: TagMapping, sample: UnsSample): void {
    this.#samples++;
    this.#last.set(m.address, sample.value);
    this.#batcher.add(m.assetPath, sample);
  }

  /** An OPC UA data change: a Bad change without a value carries the tag's last value. */
  change(m: TagMapping, raw: UnsSample['value'] | undefined, statusCode: number, sourceTimestamp: string, serverTimestamp: string): void {
    const value = raw ?? this.#last.get(m.address);
    if (value === undefined) return; // Bad before any value: nothing a sample can carry
    const sample: UnsSample = { tag: m.tag, value, quality: qualityOf(statusCode), sourceTimestamp, serverTimestamp };
    if (m.unit !== undefined && typeof value === 'number') sample.unit = m.unit;
    this.add(m, sample);
  }

  /** The link is lost: the last value of every tag, Bad (BadNoCommunication), so the historian shows the outage. */
  markLost(mappings: readonly TagMapping[], at: string): void {
    const quality = qualityOf(StatusCode.BadNoCommunication);
    for (const m of mappings) {
      const value = this.#last.get(m.address);
      if (value === undefined) continue;
      const sample: UnsSample = { tag: m.tag, value, quality, sourceTimestamp: at, serverTimestamp: at };
      if (m.unit !== undefined && typeof value === 'number') sample.unit = m.unit;
      this.#batcher.add(m.assetPath, sample);
    }
    this.cut();
  }

  /**
   * OPC UA: cut once the publish response being delivered is fully handled. node-opcua emits every
   * `changed` of one notification message synchronously, so a cut scheduled with setImmediate runs
   * after the last of them: one batch per asset per publish response (= per publishing interval),
   * without waiting up to another interval for the timer.
   */
  cutSoon(): void {
    if (this.#cutScheduled) return;
    this.#cutScheduled = true;
    setImmediate(() => {
      this.#cutScheduled = false;
      this.cut();
    });
  }

  /**
   * MQTT has no publish cycle: its samples are cut by this timer. For OPC UA it only catches what
   * arrived outside a notification (nothing, normally).
   */
  startTimer(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => this.cut(), this.#spec.subscription.publishingIntervalMs);
  }

  stopTimer(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Cuts the pending samples into batches, validates them and writes them to the buffer. */
  cut(): void {
    if (this.#batcher.pendingSamples === 0) return;
    const valid: (SequencedBatch & { subject: string })[] = [];
    for (const b of this.#batcher.cut(this.#d.now(), batchIdOf)) {
      try {
        parseUnsSampleBatch(b.batch);
        // assetPath was just validated by the schema: its tokens are subject-safe.
        valid.push({ ...b, subject: `${UNS_PREFIX}.${b.batch.assetPath}` });
      } catch (err) {
        this.#d.logger.error({ err, sourceId: this.#spec.sourceId, assetPath: b.assetPath }, 'batch refused by the UnsSampleBatch schema; dropped');
      }
    }
    try {
      const { overflow, rows } = this.#d.buffer.append({
        sourceId: this.#spec.sourceId,
        capacity: this.#spec.bufferCapacity,
        policy: this.#d.overflowPolicy,
        batches: valid,
      });
      this.#batches += valid.length;
      if (overflow !== null) {
        this.#d.logger.warn({ ...overflow }, 'store-and-forward buffer full: samples dropped');
        this.#d.emit([
          bufferOverflowed(overflow.sourceId, overflow.droppedSamples, overflow.capacity, overflow.policy, overflow.oldestDroppedAt, overflow.newestDroppedAt),
        ]);
      }
      this.#d.onBuffered(
        valid.map((v) => v.batch),
        rows,
      );
    } catch (err) {
      this.#d.logger.error({ err, sourceId: this.#spec.sourceId }, 'could not write to the store-and-forward buffer');
    }
  }
}
