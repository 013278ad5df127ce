// DataOpsService ImportCsv: a client stream, the header first (name, mapping, dataset), then the
// file's bytes in chunks; parsed completely before anything is written (features/imports.ts).
// Any order of messages is answered with a status: a chunk first or a second header is
// INVALID_ARGUMENT naming the message; an import past its size limits is RESOURCE_EXHAUSTED naming
// the limit (bytes, rows); the bytes stop being read as soon as either is known.
import { Permission } from '@industrial/access';
import { lineText, multilineText } from '@industrial/contracts';
import { InvalidRequestError, clientStream, type dataopsV1, fromSchema } from '@industrial/grpc';
import { z } from 'zod';
import type { DataopsApp } from '../../features/api.ts';
import { accessLevel, causeOfCtx, edge, optionalUuid, toProtoColumn } from './common.ts';

const HeaderSchema = z.object({
  name: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters').superRefine(lineText),
  mappingJson: z
    .string()
    .min(1, 'is required (the column mapping as JSON)')
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `is not valid JSON: ${e instanceof Error ? e.message : String(e)}` });
        return z.NEVER;
      }
    }),
  datasetId: optionalUuid,
  accessLevel,
  description: z.string().max(1000, 'must be at most 1000 characters').superRefine(multilineText),
});
type ImportHeader = z.output<typeof HeaderSchema>;
type ImportPart = { kind: 'header'; header: ImportHeader } | { kind: 'chunk'; bytes: Buffer };

const headerInput = fromSchema(HeaderSchema);

function importPart(m: dataopsV1.ImportCsvRequest, index: number): ImportPart {
  if (index === 0) {
    if (m.header === undefined) throw new InvalidRequestError('header', 'the first message must carry the header (name, mapping_json)');
    try {
      return { kind: 'header', header: headerInput(m.header) };
    } catch (e) {
      if (e instanceof InvalidRequestError) throw new InvalidRequestError(`header.${e.field}`, e.reason);
      throw e;
    }
  }
  if (m.header !== undefined) throw new InvalidRequestError('header', 'only the first message carries the header; the following ones carry chunks');
  if (m.chunk === undefined) throw new InvalidRequestError('chunk', 'is required after the header');
  return { kind: 'chunk', bytes: m.chunk };
}

export const importCsvMethod = (app: DataopsApp) =>
  clientStream({
    permission: Permission.DataWrite,
    input: importPart,
    async handle(stream: AsyncIterable<ImportPart>, ctx): Promise<dataopsV1.ImportCsvResponse> {
      const started = Date.now();
      const iterator = stream[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done === true || first.value.kind !== 'header')
        throw new InvalidRequestError('header', 'the stream is empty: the first message must carry the header');
      const header = first.value.header;
      let chunks = 0;
      async function* bytes(): AsyncGenerator<Buffer> {
        for (;;) {
          const next = await iterator.next();
          if (next.done === true) return;
          if (next.value.kind === 'chunk') {
            chunks += 1;
            yield next.value.bytes;
          }
        }
      }
      // Parsed completely before anything is written; one transaction afterwards (app.importCsv).
      const r = await edge(
        () =>
          app.importCsv(
            {
              name: header.name,
              mapping: header.mappingJson,
              source: bytes(),
              signal: ctx.signal,
              ...(header.datasetId === undefined ? {} : { datasetId: header.datasetId }),
              ...(header.accessLevel === undefined ? {} : { accessLevel: header.accessLevel }),
              ...(header.description === '' ? {} : { description: header.description }),
            },
            causeOfCtx(ctx),
          ),
        { mapping: 'header.mapping_json' },
      );
      return {
        importId: r.importId,
        rowCount: r.rowCount,
        fileSha256: r.fileSha256,
        bytes: r.bytes,
        columns: r.columns.map(toProtoColumn),
        chunks,
        durationMs: Date.now() - started,
      };
    },
  });
