// Use case: importing a historical CSV file (a path, or bytes streamed by a gRPC client). The
// column mapping is validated, the whole file parsed (CsvParser port; a bad cell is a
// CsvImportError naming row and column) before anything is written; then the import, its columns
// and, when a dataset id is given, the dataset's catalog entry go in one transaction.
import { uuidv7 } from '@industrial/contracts/ids';
import type { Cause } from '@industrial/kernel';
import type { DatasetMetadata } from '../domain/catalog.ts';
import { parseCsvMapping } from '../domain/csv-mapping.ts';
import { InvalidArgumentError } from '../domain/errors.ts';
import type { Table } from '../domain/table.ts';
import type { CsvParser, ImportLimits, ImportProgress, MetaStore } from '../ports.ts';

export interface ImportCsvInput {
  name: string;
  mapping: unknown;
  /** A file path, or the bytes as a stream (gRPC client stream). */
  path?: string;
  source?: AsyncIterable<Uint8Array | string>;
  onProgress?: (p: ImportProgress) => void;
  datasetId?: string;
  accessLevel?: 'public' | 'internal' | 'restricted';
  owner?: string;
  description?: string;
  /** Aborts the import (client cancel, deadline): checked before anything is written. */
  signal?: AbortSignal;
  /** Size limits (bytes, data rows) of this import, over the app's: past one, ImportLimitError (RESOURCE_EXHAUSTED) and nothing written. */
  limits?: ImportLimits;
}

export interface ImportResult {
  importId: string;
  rowCount: number;
  columns: Table['columns'];
  fileSha256: string;
  bytes: number;
}

export type ImportCsv = (input: ImportCsvInput, cause: Cause) => Promise<ImportResult>;

export function createImports(deps: { csv: CsvParser; meta: MetaStore; now: () => Date; limits?: ImportLimits }): ImportCsv {
  const { csv, meta, now } = deps;
  return async function importCsv(input, cause) {
    const mapping = parseCsvMapping(input.mapping);
    const progress = { ...(input.onProgress === undefined ? {} : { onProgress: input.onProgress }), ...deps.limits, ...input.limits };
    let parsed;
    if (input.path !== undefined) parsed = await csv.parseFile(input.path, mapping, progress);
    else if (input.source !== undefined) parsed = await csv.parseStream(input.source, mapping, progress);
    else throw new InvalidArgumentError('path', 'give a file path or a byte stream');
    const importId = uuidv7();
    // Nothing is written before the whole file parsed; then everything in one transaction (all or nothing).
    input.signal?.throwIfAborted();
    const dataset: DatasetMetadata | undefined =
      input.datasetId === undefined
        ? undefined
        : {
            datasetId: input.datasetId,
            name: input.name,
            description: input.description ?? `imported from ${input.name}`,
            owner: input.owner ?? cause.actor,
            accessLevel: input.accessLevel ?? 'internal',
            source: mapping.assetPath ?? `import:${importId}`,
            updatedAt: now().toISOString(),
          };
    await meta.saveImport(
      {
        importId,
        name: input.name,
        fileSha256: parsed.sha256,
        fileBytes: parsed.bytes,
        mapping,
        rowCount: parsed.table.rowCount,
        actor: cause.actor,
        importedAt: now().toISOString(),
      },
      parsed.table,
      dataset,
    );
    return { importId, rowCount: parsed.table.rowCount, columns: parsed.table.columns, fileSha256: parsed.sha256, bytes: parsed.bytes };
  };
}
