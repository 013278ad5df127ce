// Streams a delimited text file through the pure CsvTableBuilder: csv-parse for real delimiters
// (quotes, BOM, CRLF), a line splitter for whitespace-separated logs. Hashes the bytes as they
// pass (lineage) and reports progress. Returns the complete table or throws CsvImportError;
// the caller writes it in one transaction. Size limits (bytes, data rows) end the parse with
// ImportLimitError (RESOURCE_EXHAUSTED) as soon as they are passed. An error of the byte source
// (a bad gRPC message, a cancelled call) ends the parse as itself; every stream involved is closed
// by `pipeline` whatever fails first, so nothing is left emitting errors nobody listens to.
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { CsvTableBuilder, type CsvMapping } from '../../domain/csv-mapping.ts';
import { CsvImportError, ImportLimitError } from '../../domain/errors.ts';
import type { CsvParser, ImportProgress, ParsedFile } from '../../ports.ts';

export type { ImportProgress, ParsedFile } from '../../ports.ts';

export interface ParseOptions {
  totalBytes?: number | null;
  onProgress?: (p: ImportProgress) => void;
  /** Progress at most every this many bytes. Default 1 MiB. */
  progressEveryBytes?: number;
  /** The most bytes a file may have (default DEFAULT_IMPORT_LIMITS.maxBytes). */
  maxBytes?: number;
  /** The most data rows a file may have (default DEFAULT_IMPORT_LIMITS.maxRows). */
  maxRows?: number;
}

/** Import limits unless configured (DATAOPS_IMPORT_MAX_BYTES, DATAOPS_IMPORT_MAX_ROWS). */
export const DEFAULT_IMPORT_LIMITS = Object.freeze({ maxBytes: 64 * 1024 * 1024, maxRows: 2_000_000 });

export async function parseCsvFile(path: string, mapping: CsvMapping, options: ParseOptions = {}): Promise<ParsedFile> {
  const total = statSync(path).size;
  return parseCsvStream(createReadStream(path, { highWaterMark: 256 * 1024 }), mapping, { totalBytes: total, ...options });
}

export async function parseCsvStream(source: AsyncIterable<Uint8Array | string>, mapping: CsvMapping, options: ParseOptions = {}): Promise<ParsedFile> {
  const hash = createHash('sha256');
  const builder = new CsvTableBuilder(mapping);
  let bytes = 0;
  let lastReport = 0;
  const maxBytes = options.maxBytes ?? DEFAULT_IMPORT_LIMITS.maxBytes;
  const maxRows = options.maxRows ?? DEFAULT_IMPORT_LIMITS.maxRows;
  let rows = 0;
  /** Set when the byte source (not the parser) failed: that error is the answer, as is. */
  let sourceError: { error: unknown } | null = null;
  const every = options.progressEveryBytes ?? 1024 * 1024;
  const report = (force: boolean) => {
    if (options.onProgress === undefined || (!force && bytes - lastReport < every)) return;
    lastReport = bytes;
    options.onProgress({ bytes, totalBytes: options.totalBytes ?? null, records: builder.recordsSeen });
  };
  async function* counted(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of source) {
        const b = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        if (bytes + b.length > maxBytes) throw new ImportLimitError('bytes', maxBytes, 'DATAOPS_IMPORT_MAX_BYTES');
        hash.update(b);
        bytes += b.length;
        yield b;
        report(false);
      }
    } catch (error) {
      sourceError ??= { error };
      throw error;
    }
  }
  let headerSeen = !mapping.header;
  const onRecord = (record: string[], row: number) => {
    if (!headerSeen) {
      headerSeen = true;
      builder.header(record);
    } else {
      if (++rows > maxRows) throw new ImportLimitError('rows', maxRows, 'DATAOPS_IMPORT_MAX_ROWS');
      builder.push(record, row);
    }
  };
  if (mapping.delimiter === 'whitespace') {
    let rest = '';
    let line = 0;
    const decoder = new TextDecoder('utf-8', { fatal: false });
    const handle = (text: string) => {
      line += 1;
      const t = (line === 1 ? text.replace(/^\uFEFF/, '') : text).trim();
      if (t !== '') onRecord(t.split(/\s+/), line);
    };
    for await (const chunk of counted()) {
      rest += decoder.decode(chunk, { stream: true });
      let nl = rest.indexOf('\n');
      while (nl >= 0) {
        handle(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
        nl = rest.indexOf('\n');
      }
    }
    rest += decoder.decode();
    if (rest !== '') handle(rest);
  } else {
    const parser = parse({ delimiter: mapping.delimiter.replace('\\t', '\t'), bom: true, relax_column_count: true, skip_empty_lines: true, info: true });
    try {
      await pipeline(counted(), parser, async (records: AsyncIterable<{ record: string[]; info: { lines: number } }>) => {
        for await (const item of records) onRecord(item.record, item.info.lines);
      });
    } catch (e) {
      if (sourceError !== null) throw (sourceError as { error: unknown }).error;
      if (e instanceof CsvImportError || e instanceof ImportLimitError) throw e;
      const err = e as { lines?: number; message?: string };
      throw new CsvImportError(err.lines ?? null, null, `the file is not valid delimited text: ${err.message ?? String(e)}`);
    }
  }
  const table = builder.finish();
  report(true);
  return { table, sha256: hash.digest('hex'), bytes };
}

/** The CsvParser port: csv-parse over a file or a byte stream. */
export const csvParser: CsvParser = { parseFile: parseCsvFile, parseStream: parseCsvStream };
