// Store-and-forward buffer on node:sqlite (WAL). Every batch is written here before it is sent
// (write-ahead), so a SIGKILL loses at most the samples of the publishing interval in progress;
// the forwarder reads in insertion order and deletes what JetStream acknowledged. The last batch
// sequence per (source, asset) lives here too, so batch ids stay unique and stable across restarts.
// Capacity is per source, in samples; the overflow policy is decided by domain/buffer-policy.ts.
// Statements are prepared once; append() returns the rows it wrote so the forwarder can send them
// from memory without reading them back (they are committed before they are handed over).
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { planAdmission, sourceTimeSpan, type BufferedBatchInfo } from '../../domain/buffer-policy.ts';
import type { BufferAppend, BufferAppendResult, BufferedRow, Overflow, SampleBuffer } from '../../ports.ts';

export interface SqliteBufferOptions {
  /** File path, or ":memory:" in unit tests. */
  path: string;
  /** NORMAL survives a process crash (SIGKILL); FULL also a power loss, at a cost. */
  synchronous?: 'NORMAL' | 'FULL';
}

export class SqliteBuffer implements SampleBuffer {
  readonly #db: DatabaseSync;
  readonly #used = new Map<string, number>();
  #closed = false;
  // Prepared once: the hot path (append per cut, peek, ack per PubAck round) re-uses them.
  readonly #insert: StatementSync;
  readonly #setSeq: StatementSync;
  readonly #evict: StatementSync;
  readonly #oldest: StatementSync;
  readonly #countDropped: StatementSync;
  readonly #peek: StatementSync;
  readonly #ackSums: StatementSync;
  readonly #ackDelete: StatementSync;
  readonly #count: StatementSync;

  constructor(options: SqliteBufferOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.#db = new DatabaseSync(options.path);
    this.#db.exec('PRAGMA journal_mode = WAL');
    this.#db.exec(`PRAGMA synchronous = ${options.synchronous ?? 'NORMAL'}`);
    this.#db.exec(`CREATE TABLE IF NOT EXISTS batches (
      pos        INTEGER PRIMARY KEY AUTOINCREMENT,
      source_id  TEXT NOT NULL,
      asset_path TEXT NOT NULL,
      seq        INTEGER NOT NULL,
      batch_id   TEXT NOT NULL,
      subject    TEXT NOT NULL,
      payload    TEXT NOT NULL,
      samples    INTEGER NOT NULL,
      oldest_ts  TEXT NOT NULL,
      newest_ts  TEXT NOT NULL
    ) STRICT`);
    this.#db.exec('CREATE INDEX IF NOT EXISTS batches_by_source ON batches (source_id, pos)');
    this.#db.exec(`CREATE TABLE IF NOT EXISTS sequences (
      source_id  TEXT NOT NULL,
      asset_path TEXT NOT NULL,
      last_seq   INTEGER NOT NULL,
      PRIMARY KEY (source_id, asset_path)
    ) STRICT`);
    this.#db.exec(`CREATE TABLE IF NOT EXISTS counters (
      source_id TEXT PRIMARY KEY,
      dropped   INTEGER NOT NULL
    ) STRICT`);
    for (const row of this.#db.prepare('SELECT source_id, SUM(samples) AS n FROM batches GROUP BY source_id').all()) {
      this.#used.set(String(row.source_id), Number(row.n));
    }
    this.#insert = this.#db.prepare(
      'INSERT INTO batches (source_id, asset_path, seq, batch_id, subject, payload, samples, oldest_ts, newest_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#setSeq = this.#db.prepare(
      'INSERT INTO sequences (source_id, asset_path, last_seq) VALUES (?, ?, ?) ON CONFLICT (source_id, asset_path) DO UPDATE SET last_seq = excluded.last_seq',
    );
    this.#evict = this.#db.prepare('DELETE FROM batches WHERE pos = ?');
    this.#oldest = this.#db.prepare('SELECT pos, samples, oldest_ts, newest_ts FROM batches WHERE source_id = ? ORDER BY pos LIMIT ? OFFSET ?');
    this.#countDropped = this.#db.prepare(
      'INSERT INTO counters (source_id, dropped) VALUES (?, ?) ON CONFLICT (source_id) DO UPDATE SET dropped = dropped + excluded.dropped',
    );
    this.#peek = this.#db.prepare('SELECT pos, source_id, subject, batch_id, payload, samples FROM batches WHERE pos > ? ORDER BY pos LIMIT ?');
    this.#ackSums = this.#db.prepare('SELECT source_id, SUM(samples) AS n FROM batches WHERE pos <= ? GROUP BY source_id');
    this.#ackDelete = this.#db.prepare('DELETE FROM batches WHERE pos <= ?');
    this.#count = this.#db.prepare('SELECT COUNT(*) AS b, COALESCE(SUM(samples), 0) AS s FROM batches');
  }

  /** Last batch sequence per asset path of a source (to resume the batcher after a restart). */
  lastSequences(sourceId: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const row of this.#db.prepare('SELECT asset_path, last_seq FROM sequences WHERE source_id = ?').all(sourceId)) {
      out.set(String(row.asset_path), Number(row.last_seq));
    }
    return out;
  }

  usedSamples(sourceId?: string): number {
    if (sourceId !== undefined) return this.#used.get(sourceId) ?? 0;
    let n = 0;
    for (const v of this.#used.values()) n += v;
    return n;
  }

  droppedSamples(sourceId: string): number {
    const row = this.#db.prepare('SELECT dropped FROM counters WHERE source_id = ?').get(sourceId);
    return row === undefined ? 0 : Number(row.dropped);
  }

  /**
   * Writes the batches in one transaction (the durability point: a batch is acknowledged to its
   * source once this returns); returns the overflow to report, if any, and the rows written.
   */
  append(input: BufferAppend): BufferAppendResult {
    if (this.#closed) throw new Error('buffer is closed');
    const rows: BufferedRow[] = [];
    if (input.batches.length === 0) return { overflow: null, rows };
    const insert = this.#insert;
    const setSeq = this.#setSeq;
    const evict = this.#evict;
    const oldestStmt = this.#oldest;
    let overflow: Overflow | null = null;
    const addDropped = (n: number, from: string | null, to: string | null) => {
      if (n === 0 || from === null || to === null) return;
      if (overflow === null) {
        overflow = { sourceId: input.sourceId, droppedSamples: 0, capacity: input.capacity, policy: input.policy, oldestDroppedAt: from, newestDroppedAt: to };
      }
      overflow.droppedSamples += n;
      if (from < overflow.oldestDroppedAt) overflow.oldestDroppedAt = from;
      if (to > overflow.newestDroppedAt) overflow.newestDroppedAt = to;
    };
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      for (const b of input.batches) {
        const span = sourceTimeSpan(b.batch.samples);
        const used = this.#used.get(input.sourceId) ?? 0;
        const plan = planAdmission({
          capacity: input.capacity,
          used,
          incoming: { samples: b.batch.samples.length, oldestSourceTs: span.oldest, newestSourceTs: span.newest },
          policy: input.policy,
          oldest: function* () {
            for (let offset = 0; ; offset += 256) {
              const rows = oldestStmt.all(input.sourceId, 256, offset);
              if (rows.length === 0) return;
              for (const r of rows) {
                yield {
                  seq: Number(r.pos),
                  samples: Number(r.samples),
                  oldestSourceTs: String(r.oldest_ts),
                  newestSourceTs: String(r.newest_ts),
                } satisfies BufferedBatchInfo;
              }
            }
          },
        });
        for (const pos of plan.evict) evict.run(pos);
        addDropped(plan.droppedSamples, plan.droppedFrom, plan.droppedTo);
        let now = plan.evict.length > 0 ? used - plan.droppedSamples : used;
        if (plan.accept) {
          const payload = JSON.stringify(b.batch);
          const r = insert.run(input.sourceId, b.assetPath, b.seq, b.batch.batchId, b.subject, payload, b.batch.samples.length, span.oldest, span.newest);
          rows.push({
            pos: Number(r.lastInsertRowid),
            sourceId: input.sourceId,
            subject: b.subject,
            batchId: b.batch.batchId,
            payload,
            samples: b.batch.samples.length,
          });
          now += b.batch.samples.length;
        }
        this.#used.set(input.sourceId, now);
        // The sequence is spent even when the batch is refused: ids are never reused.
        setSeq.run(input.sourceId, b.assetPath, b.seq);
      }
      const o = overflow as Overflow | null;
      if (o !== null) this.#countDropped.run(input.sourceId, o.droppedSamples);
      this.#db.exec('COMMIT');
    } catch (err) {
      this.#db.exec('ROLLBACK');
      // Recount: the in-memory totals may have moved inside the rolled-back transaction.
      this.#recount();
      throw err;
    }
    return { overflow, rows };
  }

  #recount(): void {
    this.#used.clear();
    for (const row of this.#db.prepare('SELECT source_id, SUM(samples) AS n FROM batches GROUP BY source_id').all()) {
      this.#used.set(String(row.source_id), Number(row.n));
    }
  }

  /** Up to `limit` rows after position `afterPos`, in order. */
  peek(afterPos: number, limit: number): BufferedRow[] {
    return this.#peek.all(afterPos, limit).map((r) => ({
      pos: Number(r.pos),
      sourceId: String(r.source_id),
      subject: String(r.subject),
      batchId: String(r.batch_id),
      payload: String(r.payload),
      samples: Number(r.samples),
    }));
  }

  /** Removes the acknowledged rows (positions ≤ `uptoPos`). */
  ack(uptoPos: number): void {
    if (this.#closed) return;
    const sums = this.#ackSums.all(uptoPos);
    this.#ackDelete.run(uptoPos);
    for (const r of sums) {
      const id = String(r.source_id);
      this.#used.set(id, Math.max(0, (this.#used.get(id) ?? 0) - Number(r.n)));
    }
  }

  /** The source timestamp of the oldest sample still waiting (of the oldest batch), or null when empty. */
  oldestSampleAt(): string | null {
    if (this.#closed) return null;
    const r = this.#db.prepare('SELECT oldest_ts FROM batches ORDER BY pos LIMIT 1').get();
    return r === undefined ? null : String(r.oldest_ts);
  }

  /** What is waiting to be forwarded. */
  count(): { batches: number; samples: number } {
    const r = this.#count.get();
    return { batches: Number(r?.b ?? 0), samples: Number(r?.s ?? 0) };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}
